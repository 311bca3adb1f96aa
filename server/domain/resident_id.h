#pragma once
// The 18-digit resident identity number (公民身份号码, GB 11643-1999), which identifies a
// patient on registration (rules.md §7: the register is keyed by the person, and the same
// person cannot be registered twice). Pure functions, thread-safe.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "domain/types.h"

namespace smd::domain {

// A parsed, valid resident ID.
struct ResidentId {
  std::string number;         // normalized: 18 characters, check character 'X' uppercase
  absl::CivilDay birth_date;  // digits 7-14 (YYYYMMDD)
  Sex sex = Sex::kUnknown;    // digit 17: odd male, even female
  std::string region_prefix;  // digits 1-6: the region of first registration
};

// Parses and validates `raw` (leading and trailing ASCII whitespace is ignored). Checks, in
// this order, each with its own reason on field "id_number":
//   1. exactly 18 characters;
//   2. digits 1-17 are ASCII digits and the 18th is a digit or X/x;
//   3. digits 7-14 are a real calendar date, not before 1900-01-01 and not after `today`;
//   4. the ISO 7064 MOD 11-2 check character matches (ComputeCheckChar).
// The date is checked before the checksum so that a mistyped date is reported as such.
// Errors: INVALID_ARGUMENT "id_number: ..." (the message never contains the number).
absl::StatusOr<ResidentId> ParseResidentId(std::string_view raw, absl::CivilDay today);

// The ISO 7064 MOD 11-2 check character for the first 17 digits: weights
// 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, sum mod 11 indexes "10X98765432". Returns a one-char
// string, or "" when `first17` is not exactly 17 ASCII digits. Used by ParseResidentId,
// tests and synthetic demo-data generation (which must never use a real person's number).
std::string ComputeCheckChar(std::string_view first17);

// Display form of a resident ID for roles that may not see it whole (access_policy.h):
// the first 6 and last 4 characters with 8 '*' between ("320106********1234"). Input that
// is not 18 bytes long is returned as the same number of '*'.
std::string MaskIdNumber(std::string_view number);

}  // namespace smd::domain
