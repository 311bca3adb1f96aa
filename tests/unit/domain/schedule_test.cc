#include "domain/schedule.h"

#include "gtest/gtest.h"

namespace smd::domain {
namespace {

VisitPoint Valid(absl::CivilDay d, Classification c, absl::CivilDay due, bool review = false) {
  VisitPoint v;
  v.visit_date = d;
  v.final_class = c;
  v.risk_level = c == Classification::kUnstable ? 3 : 0;
  v.next_due = due;
  v.next_is_review = review;
  return v;
}

VisitPoint Failed(absl::CivilDay d) {
  VisitPoint v;
  v.visit_date = d;
  v.failed = true;
  return v;
}

TEST(ScheduleCompute, NoVisitMeansFirstVisitDue) {
  ScheduleState s = ComputeSchedule({}, absl::CivilDay(2024, 3, 15), std::nullopt);
  EXPECT_EQ(s.next_due, absl::CivilDay(2024, 3, 15));
  EXPECT_EQ(s.due_kind, DueKind::kFirstVisit);
  EXPECT_FALSE(s.last_valid_visit);
}

TEST(ScheduleCompute, LastValidVisitSetsTheDueDateAndFailedVisitsDoNot) {
  std::vector<VisitPoint> v = {
      Valid(absl::CivilDay(2024, 1, 10), Classification::kStable, absl::CivilDay(2024, 4, 10)),
      Valid(absl::CivilDay(2024, 3, 1), Classification::kBasicallyStable, absl::CivilDay(2024, 3, 15), true),
      Failed(absl::CivilDay(2024, 3, 16)),
      Failed(absl::CivilDay(2024, 3, 20)),
  };
  ScheduleState s = ComputeSchedule(v, absl::CivilDay(2024, 1, 1), std::nullopt);
  EXPECT_EQ(s.next_due, absl::CivilDay(2024, 3, 15));
  EXPECT_EQ(s.due_kind, DueKind::kTwoWeekReview);
  EXPECT_EQ(s.last_visit, absl::CivilDay(2024, 3, 20));
  EXPECT_EQ(s.last_valid_visit, absl::CivilDay(2024, 3, 1));
  EXPECT_EQ(s.last_class, Classification::kBasicallyStable);
  EXPECT_EQ(s.trailing_failed, 2);
}

TEST(ScheduleCompute, DischargeAfterTheLastVisitBringsTheDueDateForward) {
  std::vector<VisitPoint> v = {Valid(absl::CivilDay(2024, 1, 10), Classification::kStable, absl::CivilDay(2024, 4, 10))};
  DischargePoint d{absl::CivilDay(2024, 2, 1), absl::CivilDay(2024, 2, 15)};
  ScheduleState s = ComputeSchedule(v, absl::CivilDay(2024, 1, 1), d);
  EXPECT_EQ(s.next_due, absl::CivilDay(2024, 2, 15));
  EXPECT_EQ(s.due_kind, DueKind::kFirstAfterDischarge);
  EXPECT_EQ(s.discharged_on, absl::CivilDay(2024, 2, 1));
  // Once followed up after the discharge, the discharge no longer counts.
  v.push_back(Valid(absl::CivilDay(2024, 2, 10), Classification::kStable, absl::CivilDay(2024, 5, 10)));
  s = ComputeSchedule(v, absl::CivilDay(2024, 1, 1), d);
  EXPECT_EQ(s.next_due, absl::CivilDay(2024, 5, 10));
  EXPECT_FALSE(s.discharged_on);
}

TEST(SchedulePrior, CountsFailuresSinceTheLastValidVisitUpToTheDate) {
  std::vector<VisitPoint> v = {
      Valid(absl::CivilDay(2024, 1, 10), Classification::kBasicallyStable, absl::CivilDay(2024, 1, 24), true),
      Failed(absl::CivilDay(2024, 1, 25)),
      Failed(absl::CivilDay(2024, 2, 1)),
      Valid(absl::CivilDay(2024, 5, 1), Classification::kStable, absl::CivilDay(2024, 8, 1)),
  };
  PriorState p = PriorBefore(v, absl::CivilDay(2024, 2, 5));
  EXPECT_EQ(p.last_valid_visit, absl::CivilDay(2024, 1, 10));
  EXPECT_EQ(p.last_class, Classification::kBasicallyStable);
  EXPECT_TRUE(p.last_due_was_two_week_review);
  EXPECT_EQ(p.trailing_failed_visits, 2);
}

// docs/rules.md "Hospital-only visits": a valid visit (it sets the due date and the last
// valid visit) that keeps the classification and risk of the last assessed visit.
TEST(ScheduleCompute, HospitalOnlyVisitKeepsTheLastAssessment) {
  VisitPoint hospital;
  hospital.visit_date = absl::CivilDay(2024, 2, 1);
  hospital.next_due = absl::CivilDay(2024, 3, 1);  // no risk_level, no class
  std::vector<VisitPoint> v = {
      Valid(absl::CivilDay(2024, 1, 10), Classification::kUnstable, absl::CivilDay(2024, 1, 24)),
      hospital};
  ScheduleState s = ComputeSchedule(v, absl::CivilDay(2023, 1, 1), std::nullopt);
  EXPECT_EQ(s.last_valid_visit, absl::CivilDay(2024, 2, 1));
  EXPECT_EQ(s.next_due, absl::CivilDay(2024, 3, 1));
  EXPECT_EQ(s.last_class, Classification::kUnstable);
  EXPECT_EQ(s.last_risk, 3);
}

}  // namespace
}  // namespace smd::domain
