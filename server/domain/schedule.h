#pragma once
// A patient's follow-up schedule, derived only from its records: the current versions of
// its visits, its registration date and its latest discharge notice. Nothing is kept that
// could not be recomputed, so a correction or a late entry simply recomputes it.
// Pure; thread-safe.

#include <optional>
#include <vector>

#include "absl/time/civil_time.h"
#include "domain/followup.h"

namespace smd::domain {

// One current visit, as far as scheduling is concerned.
struct VisitPoint {
  absl::CivilDay visit_date;
  bool failed = false;
  bool reports_death = false;
  Classification final_class = Classification::kNone;
  std::optional<int> risk_level;  // absent: not assessed (hospital-only visit)
  std::optional<absl::CivilDay> next_due;
  bool next_is_review = false;
};

enum class DueKind : int {
  kNone = 0,
  kRegular = 1,
  kTwoWeekReview = 2,          // 基本稳定: review at 2 weeks (rules.md §4.2)
  kFirstAfterDischarge = 3,    // decisions table: within 14 days of the discharge notice
  kFirstVisit = 4,             // new or transferred-in patient: within 2 weeks (rules.md §4.2)
};

struct ScheduleState {
  std::optional<absl::CivilDay> next_due;
  DueKind due_kind = DueKind::kNone;
  std::optional<absl::CivilDay> last_visit;        // any visit, failed ones included
  std::optional<absl::CivilDay> last_valid_visit;  // with an assessment (not 失访)
  // From the last visit with a risk assessment: a hospital-only visit (no assessment) is a
  // valid visit that keeps the classification and risk level the patient last had.
  Classification last_class = Classification::kNone;
  int last_risk = -1;  // the patient's last assessed level; -1 never assessed
  int trailing_failed = 0;                          // 失访 since the last valid visit
  std::optional<absl::CivilDay> discharged_on;      // a discharge not yet followed up
};

struct DischargePoint {
  absl::CivilDay discharged_on;
  absl::CivilDay first_due;
};

// `visits` in visit order (date, then recording time). `first_visit_due` is when a
// patient with no valid visit is due (registration or transfer-in + 14 days).
// A failed visit does not move the due date (the patient stays due, and overdue);
// a discharge after the last valid visit brings the due date forward to its first_due.
ScheduleState ComputeSchedule(const std::vector<VisitPoint>& visits,
                              absl::CivilDay first_visit_due,
                              const std::optional<DischargePoint>& latest_discharge);

// The state before a visit on `visit_date`: the visits of `visits` (in visit order)
// dated on or before it — for a correction, the caller leaves the corrected visit out.
PriorState PriorBefore(const std::vector<VisitPoint>& visits, absl::CivilDay visit_date);

}  // namespace smd::domain
