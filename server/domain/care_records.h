#pragma once
// Records around follow-up visits: emergencies (应急处置记录单, 表12, rules.md §6),
// referrals (双向转诊单, 表10), discharge notices (出院信息单, 表4) and annual health checks
// (rules.md §4.2). Plain value types; enum numbers equal proto/smd/v1/followups.proto.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace smd::domain {

// rules.md §6 triggers.
enum class EmergencyTrigger : int {
  kUnspecified = 0,
  kSelfHarm = 1,            // 伤害自身或有风险
  kEndangersOthers = 2,     // 危害公共安全或他人安全或有风险
  kRelapse = 3,             // 病情复发、精神状况明显恶化
  kAcuteDrugReaction = 4,   // 急性药物不良反应
};

struct Emergency {
  std::string id;
  std::string patient_id;
  absl::Time started_at;
  absl::Time ended_at;
  std::string place;            // free text: encrypted at rest
  EmergencyTrigger trigger = EmergencyTrigger::kUnspecified;
  std::string description;      // encrypted at rest
  std::string measures;         // encrypted at rest
  std::string outcome;          // encrypted at rest
  std::string people_involved;  // encrypted at rest
  bool registered_patient = true;
  std::string recorded_by;
  absl::Time recorded_at;
  // In a listing only: the encrypted texts did not decrypt or decode; they are empty.
  bool unreadable = false;
};

// How far ahead of the server's clock a start or end may lie (client clock skew).
inline constexpr absl::Duration kEmergencyClockSkew = absl::Minutes(5);

// Validates an emergency record (表12, rules.md §6) before it is stored, in the request's
// field order; returns the first error. `now` is the server's clock; `birth_date` the
// patient's stored birth date. Pure, thread-safe.
//  * started_at: required (absl::InfinitePast() = not sent); not after now + 5 min; on a
//    Beijing date not before kEarliestRecordDate (domain/dates.h: a record sheet is
//    written within 24 h of the event, rules.md §6, so an earlier start is an unset or
//    mistyped client clock) nor before the birth date;
//  * ended_at: optional (InfinitePast); not before started_at, not after now + 5 min;
//  * place required (≤200, one line); trigger 1..4; description ≤2000; measures required
//    (≤2000); outcome ≤1000 (multi-line); people_involved ≤500.
// Errors: INVALID_ARGUMENT "<field>: <中文> (<English>)".
absl::Status ValidateEmergency(const Emergency& e, absl::Time now, absl::CivilDay birth_date);

enum class ReferralStatus : int {
  kUnspecified = 0,
  kRequested = 1,
  kAccepted = 2,
  kAdmitted = 3,
  kReturned = 4,
  kRefused = 5,
};

struct ReferralRecord {
  std::string id;
  std::string patient_id;
  std::string reason;      // encrypted at rest
  std::string hospital;
  std::string department;
  bool urgent = false;
  ReferralStatus status = ReferralStatus::kRequested;
  std::string note;        // encrypted at rest
  std::string requested_by;
  absl::Time requested_at;
  absl::Time updated_at;
  // The store's write counter of details_enc, as read (see Patient::enc_version): the
  // update writes the next one.
  int64_t enc_version = 0;
  // In a listing only: reason and note did not decrypt or decode; they are empty.
  bool unreadable = false;
};

struct Discharge {
  std::string id;
  std::string patient_id;
  std::string hospital;
  std::optional<absl::CivilDay> admitted_on;
  absl::CivilDay discharged_on;
  absl::CivilDay received_on;
  std::string summary;     // encrypted at rest
  absl::CivilDay first_followup_due;
  std::string recorded_by;
  // In a listing only: the summary did not decrypt or decode; it is empty.
  bool unreadable = false;
};

enum class CheckResult : int { kNotDone = 0, kNormal = 1, kAbnormal = 2 };

struct HealthCheckRecord {
  std::string id;
  std::string patient_id;
  absl::CivilDay check_date;
  bool consent = false;
  std::string consent_by;
  CheckResult physical_exam = CheckResult::kNotDone;
  int bp_systolic = 0;
  int bp_diastolic = 0;
  double weight_kg = 0;
  CheckResult blood_count = CheckResult::kNotDone;
  CheckResult liver_function = CheckResult::kNotDone;
  CheckResult blood_glucose = CheckResult::kNotDone;
  CheckResult ecg = CheckResult::kNotDone;
  std::string notes;       // encrypted at rest
  std::string recorded_by;
  // In a listing only: the encrypted part (consent_by, the results, blood pressure, weight,
  // notes) did not decrypt or decode; it is left at its defaults.
  bool unreadable = false;
};

}  // namespace smd::domain
