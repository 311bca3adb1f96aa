// The stored form of the metrics: month-end state of a patient-year, the
// community counted in at each cut-off, and the rollup deltas between two
// states (docs/metrics.md "How the figures are kept").

#include "domain/metric_state.h"

#include "gtest/gtest.h"

namespace smd::domain {
namespace {

VisitFact Valid(absl::CivilDay d) {
  VisitFact v;
  v.date = d;
  v.mode = VisitMode::kHome;
  v.risk_level = 0;
  v.final_class = Classification::kStable;
  v.adherence = Adherence::kRegular;
  v.hospitalization = Hospitalization::kNever;
  return v;
}

PatientFacts Facts() {
  PatientFacts f;
  f.patient_id = "p";
  f.jurisdiction = "320106001001";
  f.input.registered_on = absl::CivilDay(2023, 5, 1);
  f.input.diagnosis = DiagnosisCategory::kSchizophrenia;
  return f;
}

TEST(MetricState, RegisteredEveryMonthManagedFromTheFirstVisit) {
  PatientFacts f = Facts();
  f.input.visits = {Valid(absl::CivilDay(2024, 3, 10))};
  const PatientYearState st = ComputeState(f, FigureSet::Year(2024));
  for (int m = 0; m < 12; ++m) {
    EXPECT_TRUE(MaskHas(st.masks[m], MetricStatus::kRegistered)) << m;
    EXPECT_EQ(st.communities[m], "320106001001");
    EXPECT_EQ(MaskHas(st.masks[m], MetricStatus::kManaged), m >= 2) << m;
  }
}

TEST(MetricState, NoStateBeforeRegistrationOrAfterDeath) {
  PatientFacts f = Facts();
  f.input.registered_on = absl::CivilDay(2024, 4, 15);
  f.input.died_on = absl::CivilDay(2024, 9, 30);
  const PatientYearState st = ComputeState(f, FigureSet::Year(2024));
  for (int m = 0; m < 12; ++m) {
    const bool on_roster = m >= 3 && m < 8;  // April .. August (died on the last of Sept)
    EXPECT_EQ(st.masks[m] != 0, on_roster) << m;
    EXPECT_EQ(st.communities[m].empty(), !on_roster) << m;
  }
  EXPECT_TRUE(ComputeState(f, FigureSet::Year(2022)).empty());
}

TEST(MetricState, CountedWhereThePatientWasAtEachCutoff) {
  PatientFacts f = Facts();
  f.jurisdiction = "320106002001";
  f.moves = {{absl::CivilDay(2024, 6, 15), "320106001001", "320106002001"}};
  EXPECT_EQ(CommunityAt(f, absl::CivilDay(2024, 5, 31)), "320106001001");
  EXPECT_EQ(CommunityAt(f, absl::CivilDay(2024, 6, 14)), "320106001001");
  EXPECT_EQ(CommunityAt(f, absl::CivilDay(2024, 6, 15)), "320106002001");
  const PatientYearState st = ComputeState(f, FigureSet::Year(2024));
  EXPECT_EQ(st.communities[4], "320106001001");  // May
  EXPECT_EQ(st.communities[5], "320106002001");  // June: moved on the 15th
}

// The "as of today" state is one cut-off in slot 0: at a month end it equals
// that month's slot of the year state; mid-month it sees only records up to
// that day, and its deltas are month-1 rows.
TEST(MetricState, DayStateIsOneCutoffInSlotZero) {
  PatientFacts f = Facts();
  f.jurisdiction = "320106002001";
  f.moves = {{absl::CivilDay(2024, 6, 15), "320106001001", "320106002001"}};
  f.input.visits = {Valid(absl::CivilDay(2024, 3, 10)), Valid(absl::CivilDay(2024, 6, 20))};
  const PatientYearState year = ComputeState(f, FigureSet::Year(2024));
  const PatientYearState may_end = ComputeState(f, FigureSet::Day(absl::CivilDay(2024, 5, 31)));
  EXPECT_EQ(may_end.masks[0], year.masks[4]);
  EXPECT_EQ(may_end.communities[0], year.communities[4]);
  for (int m = 1; m < 12; ++m) EXPECT_EQ(may_end.masks[m], 0u) << m;
  const PatientYearState mid_june = ComputeState(f, FigureSet::Day(absl::CivilDay(2024, 6, 16)));
  EXPECT_EQ(mid_june.communities[0], "320106002001");
  EXPECT_TRUE(MaskHas(mid_june.masks[0], MetricStatus::kManaged));
  const PatientYearState before_any = ComputeState(f, FigureSet::Day(absl::CivilDay(2024, 3, 1)));
  EXPECT_FALSE(MaskHas(before_any.masks[0], MetricStatus::kManaged));
  // From 1 March (registered in 320106001001, no visit yet) to 16 June (moved
  // to 320106002001 on the 15th, managed since the 10 March visit): the old
  // community loses the patient and the new one gains them, managed, all as
  // month-1 rows.
  const std::vector<RollupDelta> d = StateDeltas(before_any, mid_june);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].community, "320106001001");
  EXPECT_EQ(d[0].month, 1);
  EXPECT_EQ(d[0].delta[static_cast<int>(MetricStatus::kRegistered)], -1);
  EXPECT_EQ(d[0].delta[static_cast<int>(MetricStatus::kManaged)], 0);
  EXPECT_EQ(d[1].community, "320106002001");
  EXPECT_EQ(d[1].month, 1);
  EXPECT_EQ(d[1].delta[static_cast<int>(MetricStatus::kRegistered)], 1);
  EXPECT_EQ(d[1].delta[static_cast<int>(MetricStatus::kManaged)], 1);
}

TEST(MetricState, DeltasMoveCountsBetweenCommunitiesInLockOrder) {
  PatientFacts f = Facts();
  const PatientYearState before = ComputeState(f, FigureSet::Year(2024));
  f.jurisdiction = "320106002001";
  f.moves = {{absl::CivilDay(2024, 11, 2), "320106001001", "320106002001"}};
  const PatientYearState after = ComputeState(f, FigureSet::Year(2024));
  const std::vector<RollupDelta> d = StateDeltas(before, after);
  // November and December leave the old community and join the new one; sorted
  // by community, then month, so that writers lock rollup rows in one order.
  ASSERT_EQ(d.size(), 4u);
  const std::vector<std::pair<std::string, int>> want = {
      {"320106001001", 11}, {"320106001001", 12}, {"320106002001", 11}, {"320106002001", 12}};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(d[i].community, want[i].first);
    EXPECT_EQ(d[i].month, want[i].second);
    EXPECT_EQ(d[i].delta[static_cast<int>(MetricStatus::kRegistered)], i < 2 ? -1 : 1);
  }
}

TEST(MetricState, DeltasOfAVisitTouchOnlyTheMonthsItChanges) {
  PatientFacts f = Facts();
  const PatientYearState before = ComputeState(f, FigureSet::Year(2024));
  f.input.visits = {Valid(absl::CivilDay(2024, 10, 8))};
  const PatientYearState after = ComputeState(f, FigureSet::Year(2024));
  const std::vector<RollupDelta> d = StateDeltas(before, after);
  ASSERT_FALSE(d.empty());
  for (const auto& row : d) {
    EXPECT_GE(row.month, 10);
    EXPECT_EQ(row.delta[static_cast<int>(MetricStatus::kRegistered)], 0);
    EXPECT_EQ(row.delta[static_cast<int>(MetricStatus::kManaged)], 1);
  }
  EXPECT_TRUE(StateDeltas(after, after).empty());
}

TEST(MetricState, AFigureSetKeyNamesAYearOrADayAndReadsBack) {
  EXPECT_EQ(FigureSet::Year(2026).Key(), 2026);
  EXPECT_EQ(FigureSet::Day(absl::CivilDay(2026, 3, 9)).Key(), 20260309);
  EXPECT_EQ(FigureSet::FromKey(2026), FigureSet::Year(2026));
  EXPECT_EQ(FigureSet::FromKey(20260309), FigureSet::Day(absl::CivilDay(2026, 3, 9)));
  EXPECT_FALSE(FigureSet::FromKey(20260230).has_value()) << "not a date";
  EXPECT_FALSE(FigureSet::FromKey(1999).has_value());
  EXPECT_EQ(FigureSet::Year(2024).Slots(), 12);
  EXPECT_EQ(FigureSet::Year(2024).Cutoff(2), absl::CivilDay(2024, 2, 29));
  EXPECT_EQ(FigureSet::Day(absl::CivilDay(2024, 6, 16)).Slots(), 1);
  EXPECT_EQ(FigureSet::Day(absl::CivilDay(2024, 6, 16)).Cutoff(1), absl::CivilDay(2024, 6, 16));
}

}  // namespace
}  // namespace smd::domain
