#pragma once
// The at-rest encoding (JSON, docs/adr/0006) of clinical records before encryption.
// Decoding ignores unknown keys and defaults missing ones, so the format can grow.
// Pure; thread-safe.

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "domain/care_records.h"
#include "domain/followup.h"

namespace smd::store {

// The typed `risk_level` columns (schema 0002 followup, 0001 patient) keep -1 for "not
// assessed"; the domain says so with an absent value (issue 14). These two convert.
inline int RiskColumn(const std::optional<int>& level) { return level.value_or(-1); }
inline std::optional<int> RiskFromColumn(int column) {
  return column >= 0 ? std::optional<int>(column) : std::nullopt;
}

// "risk" is written only when present; decoding also reads a stored -1 (before issue 14)
// as absent.
std::string EncodeForm(const domain::FollowUpForm& form);
// DATA_LOSS when the text is not a JSON object.
absl::StatusOr<domain::FollowUpForm> DecodeForm(const std::string& json);

// Free-text parts of the other records.
std::string EncodeEmergencyText(const domain::Emergency& e);
absl::Status DecodeEmergencyText(const std::string& json, domain::Emergency* e);
std::string EncodeReferralText(const domain::ReferralRecord& r);
absl::Status DecodeReferralText(const std::string& json, domain::ReferralRecord* r);
std::string EncodeDischargeText(const domain::Discharge& d);
absl::Status DecodeDischargeText(const std::string& json, domain::Discharge* d);
std::string EncodeHealthCheck(const domain::HealthCheckRecord& h);
absl::Status DecodeHealthCheck(const std::string& json, domain::HealthCheckRecord* h);

}  // namespace smd::store
