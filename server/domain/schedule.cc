#include "domain/schedule.h"

namespace smd::domain {

ScheduleState ComputeSchedule(const std::vector<VisitPoint>& visits,
                              absl::CivilDay first_visit_due,
                              const std::optional<DischargePoint>& latest_discharge) {
  ScheduleState s;
  const VisitPoint* last_valid = nullptr;
  const VisitPoint* last_assessed = nullptr;
  for (const VisitPoint& v : visits) {
    s.last_visit = v.visit_date;
    if (v.failed) {
      ++s.trailing_failed;
    } else if (!v.reports_death) {
      last_valid = &v;
      if (v.risk_level.has_value()) last_assessed = &v;
      s.trailing_failed = 0;
    }
  }
  if (last_assessed != nullptr) {
    // docs/rules.md "Hospital-only visits": the classification stands until the next
    // assessment.
    s.last_class = last_assessed->final_class;
    s.last_risk = *last_assessed->risk_level;
  }
  if (last_valid != nullptr) {
    s.last_valid_visit = last_valid->visit_date;
    s.next_due = last_valid->next_due;
    s.due_kind = last_valid->next_is_review ? DueKind::kTwoWeekReview : DueKind::kRegular;
  } else {
    s.next_due = first_visit_due;
    s.due_kind = DueKind::kFirstVisit;
  }
  // Decisions table: the first follow-up after a discharge notice is due within 14 days.
  if (latest_discharge &&
      (!s.last_valid_visit || *s.last_valid_visit < latest_discharge->discharged_on)) {
    s.discharged_on = latest_discharge->discharged_on;
    if (!s.next_due || latest_discharge->first_due < *s.next_due) {
      s.next_due = latest_discharge->first_due;
      s.due_kind = DueKind::kFirstAfterDischarge;
    }
  }
  return s;
}

PriorState PriorBefore(const std::vector<VisitPoint>& visits, absl::CivilDay visit_date) {
  PriorState p;
  for (const VisitPoint& v : visits) {
    if (v.visit_date > visit_date) break;
    if (v.failed) {
      ++p.trailing_failed_visits;
    } else if (!v.reports_death) {
      p.last_valid_visit = v.visit_date;
      p.last_class = v.final_class;
      p.last_due_was_two_week_review = v.next_is_review;
      p.trailing_failed_visits = 0;
    }
  }
  return p;
}

}  // namespace smd::domain
