#pragma once
// Which events raise a risk alert, how severe it is, and what it says (rules.md decisions
// "Police notification" and "Care team", §6). Pure; thread-safe.
//
// One event raises at most one alert, naming every reason it has (a risk-4 visit that
// also turns the patient unstable and reports 肇事 is one alert, not three), so each
// recipient gets one message per event. Cause texts never carry diagnosis, medication
// or other clinical detail: police and grid workers receive them (rules.md §8).

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "domain/alert_routing.h"
#include "domain/care_records.h"
#include "domain/followup.h"
#include "domain/types.h"

namespace smd::domain {

// Same numbers as proto smd.v1.AlertKind.
enum class AlertKind : int {
  kUnspecified = 0,
  kHighRisk = 1,
  kBecameUnstable = 2,
  kIncident = 3,
  kMissing = 4,
  kEmergency = 5,
  kOverdueUnstable = 6,
  kManual = 7,
  kEscalated = 8,
};

// 1 notice, 2 warning, 3 high, 4 critical.
inline constexpr int kSeverityNotice = 1;
inline constexpr int kSeverityWarning = 2;
inline constexpr int kSeverityHigh = 3;
inline constexpr int kSeverityCritical = 4;

struct AlertDraft {
  AlertKind kind = AlertKind::kUnspecified;  // the most severe reason
  // kFull when any reason is one the decisions table makes mandatory for the police and
  // grid workers (risk >= 3, 走失, 肇事/肇祸, an emergency, a doctor's manual alert);
  // kClinical otherwise (alert_routing.h).
  AlertAudience audience = AlertAudience::kFull;
  int severity = 0;
  int risk_level = -1;
  std::string cause;  // Chinese first, English in brackets; no clinical detail
};

// A follow-up visit: risk >= 3, turning 不稳定 (from any other class, or at a first
// visit), any 肇事/肇祸, or 走失 (a failed visit with reason 3). nullopt: no alert.
// Turning 不稳定 alone (a drug reaction, say, at risk 0-2) is not a cause the rules make
// mandatory for the police: that alert is kClinical (the doctor may still raise a manual
// one to the police, rules.md decisions "Police notification").
std::optional<AlertDraft> AlertForFollowUp(const FollowUpForm& form, const Assessment& a,
                                           Classification previous_class);

// An emergency (应急处置) was recorded: always critical.
AlertDraft AlertForEmergency(const Emergency& e);

// An unstable patient whose follow-up is `days_overdue` days overdue: kClinical (a missed
// visit is the doctor's work item, not a police matter).
AlertDraft AlertForOverdueUnstable(int days_overdue, int risk_level);

// A doctor's manual alert. INVALID_ARGUMENT on severity (1..4) or cause (1..200 chars).
absl::StatusOr<AlertDraft> ManualAlert(int severity, std::string_view cause, int risk_level);

// How long a recipient has to acknowledge before the alert goes one level up
// (domain::EscalationTargets); nullopt for notices, which never escalate.
struct AckDeadlines {
  absl::Duration critical = absl::Minutes(30);
  absl::Duration high = absl::Hours(2);
  absl::Duration warning = absl::Hours(24);
};
std::optional<absl::Duration> AckDeadline(int severity, const AckDeadlines& d);

}  // namespace smd::domain
