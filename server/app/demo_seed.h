#pragma once
// Synthetic demo data for the quickstart: Gulou district (320106) with its 13 streets
// (rules.md §9), three synthetic communities per street, resident populations, one demo
// user per role, and `patients` synthetic patients. Every name, ID number, phone and
// address is generated and marked as demo ("演示"); nothing is real.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "app/context.h"

namespace smd::app {

struct DemoUser {
  std::string username;
  std::string password;
  std::string role;
  std::string jurisdiction;
};

struct DemoReport {
  bool already_present = false;
  int regions = 0;
  int patients = 0;
  std::vector<DemoUser> users;
};

// Idempotent: when any user exists, changes nothing and returns already_present with the
// demo user list (their passwords are fixed demo values, printed for the newcomer).
absl::StatusOr<DemoReport> SeedDemo(const Deps& deps, int patients);

// Creates the first administrator and its district region when no user exists
// (production bootstrap). FAILED_PRECONDITION when users exist already.
absl::Status BootstrapAdmin(const Deps& deps, const std::string& district_code,
                            const std::string& district_name, const std::string& username,
                            const std::string& password);

}  // namespace smd::app
