#pragma once
// Records around follow-up visits: emergencies (应急处置记录单, 表12, rules.md §6),
// referrals (双向转诊单, 表10), discharge notices (出院信息单, 表4) and annual health checks
// (rules.md §4.2). Plain value types; enum numbers equal proto/smd/v1/followups.proto.

#include <optional>
#include <string>

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
};

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
};

}  // namespace smd::domain
