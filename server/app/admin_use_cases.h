#pragma once
// User administration (AdminService) and the region tree (RegionService). An admin acts
// only on users and regions inside its own jurisdiction. Thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "app/call.h"
#include "app/context.h"
#include "domain/rule_set_info.h"
#include "store/region_repository.h"
#include "store/user_repository.h"

namespace smd::app {

struct NewUser {
  std::string username;
  std::string display_name;
  std::string password;
  domain::Role role = domain::Role::kUnspecified;
  std::string jurisdiction;
  // The administrator chose the password: the user must change it before any other call
  // (app/call.h). False keeps the old behaviour (scripts, tests).
  bool must_change_password = false;
};

// ListUsers' request: jurisdiction prefix ("" = the admin's own) and filters.
struct UserQuery {
  std::string jurisdiction;
  domain::Role role = domain::Role::kUnspecified;  // kUnspecified: any
  store::UserStatusFilter status = store::UserStatusFilter::kAny;
  std::string query;  // part of the username or display name, any case; "" = any
  int page_size = 0;
  std::string page_token;
};

// The configured rule set and alert settings (AdminService.GetRuleSet).
struct RuleSetView {
  std::string name;
  std::vector<domain::RuleOptionInfo> options;
  std::vector<std::string> known_rule_sets;
  domain::AckDeadlines ack_deadlines;
  std::vector<domain::Role> alert_duty_roles;
  absl::Duration alert_reroute_window;
  std::string designated_hospital;
  std::string server_version;
};

struct UserPage {
  std::vector<store::UserRow> users;
  std::string next_page_token;
};

class AdminUseCases {
 public:
  explicit AdminUseCases(const Deps& deps) : deps_(deps) {}

  // Errors: PERMISSION_DENIED (not an admin, or outside its jurisdiction);
  // INVALID_ARGUMENT naming username / display_name / password / role / jurisdiction;
  // NOT_FOUND (jurisdiction is not a known region); ALREADY_EXISTS (username taken).
  absl::StatusOr<store::UserRow> CreateUser(const CallMeta& meta, const NewUser& user);
  // Disabling revokes every session of the user. An admin cannot disable itself.
  absl::StatusOr<store::UserRow> SetDisabled(const CallMeta& meta, const std::string& user_id,
                                             bool disabled);
  // New password, lock-out cleared, sessions revoked, and the user must change the password
  // before any other call (must_change_password set: the administrator knows it).
  absl::StatusOr<store::UserRow> ResetPassword(const CallMeta& meta, const std::string& user_id,
                                               const std::string& new_password);
  // New role and jurisdiction (both inside the admin's), sessions revoked.
  // FAILED_PRECONDITION when `user_id` is the caller's own account (as for DisableUser).
  absl::StatusOr<store::UserRow> AssignRole(const CallMeta& meta, const std::string& user_id,
                                            domain::Role role, const std::string& jurisdiction);
  // Users inside the admin's jurisdiction matching `q`, by username. Errors:
  // PERMISSION_DENIED; INVALID_ARGUMENT naming jurisdiction / query / page.page_size /
  // page.page_token.
  absl::StatusOr<UserPage> ListUsers(const CallMeta& meta, const UserQuery& q);

  // The server's rule set (domain::DescribeRuleSet of Deps::rules) and alert settings.
  // Admins only (rules.read): PERMISSION_DENIED otherwise.
  absl::StatusOr<RuleSetView> GetRuleSet(const CallMeta& meta);

  // Regions. Reads: any signed-in user. Upsert/SetPopulation: admins, inside their own
  // jurisdiction. Errors: INVALID_ARGUMENT (code, name, year, residents),
  // FAILED_PRECONDITION (parent region missing), NOT_FOUND, PERMISSION_DENIED.
  absl::StatusOr<store::RegionRow> UpsertRegion(const CallMeta& meta, const std::string& code,
                                                const std::string& name);
  absl::StatusOr<store::RegionRow> GetRegion(const CallMeta& meta, const std::string& code);
  absl::StatusOr<std::vector<store::RegionRow>> ListRegions(const CallMeta& meta,
                                                            const std::string& root, int depth);
  absl::StatusOr<store::RegionRow> SetPopulation(const CallMeta& meta, const std::string& code,
                                                 int year, int64_t residents);

 private:
  // Loads a user the admin may manage: NOT_FOUND, or PERMISSION_DENIED when the user's
  // jurisdiction is outside the admin's.
  absl::StatusOr<store::UserRow> LoadManaged(store::Tx& tx, const domain::Principal& admin,
                                             const std::string& user_id);
  const Deps& deps_;
};

// Page sizes: 0 -> 50; otherwise 1..200 (INVALID_ARGUMENT "page.page_size").
absl::StatusOr<int> PageSize(int requested);

}  // namespace smd::app
