#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "domain/metric_state.h"
#include "domain/metrics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "unit/domain/metric_fixtures.h"

namespace smd::domain {
namespace {

using namespace metric_fixtures;  // NOLINT(google-build-using-namespace): the
                                  // tests' vocabulary
using ::testing::IsEmpty;
using testing::IsFieldError;
using ::testing::Optional;
using ::testing::SizeIs;
// the tests' vocabulary

// ---------------------------------------------------------------------------------------
// rules.md §11.2 examples
// ---------------------------------------------------------------------------------------

// M1. 12 ever registered, P11 died in 2023, P12 moved out in June 2024: 在册
// 10; population 20 000 gives 0.50‰, below the Gulou 4.5‰ target.
TEST(MetricExamples, M1RegisteredAndReportedPrevalence) {
  std::vector<PatientMetrics> all;
  for (int i = 1; i <= 10; ++i) {
    all.push_back(EvaluatePatient(PatientWith({Visit(D(2024, 3, 1))}), Year2024()));
  }
  PatientPeriodInput p11 = PatientWith({}, D(2019, 1, 1));
  p11.died_on = D(2023, 8, 1);
  PatientPeriodInput p12 = PatientWith({Visit(D(2024, 2, 1))}, D(2019, 1, 1));
  p12.moved_out_on = D(2024, 6, 15);
  const PatientMetrics m11 = EvaluatePatient(p11, Year2024());
  const PatientMetrics m12 = EvaluatePatient(p12, Year2024());
  EXPECT_FALSE(m11.registered);
  EXPECT_EQ(Note(m11, S::kRegistered), "2023-08-01死亡 (died on 2023-08-01)");
  EXPECT_FALSE(m12.registered);
  EXPECT_FALSE(m12.managed);  // a patient not 在册 holds no status
  EXPECT_EQ(Note(m12, S::kRegistered), "2024-06-15迁出 (moved out on 2024-06-15)");
  all.push_back(m11);
  all.push_back(m12);

  const MetricReport r = AggregateRates(all, 20000, Year2024(), Jiangsu());
  const Rate prevalence = RateOf(r, Indicator::kReportedPrevalence).rate;
  EXPECT_EQ(prevalence.numerator, 10);
  EXPECT_EQ(prevalence.denominator, 20000);
  EXPECT_THAT(prevalence.value, Optional(0.5));
  EXPECT_THAT(prevalence.target, Optional(Target{45}));
  EXPECT_THAT(prevalence.met, Optional(false));
  EXPECT_EQ(r.rule_set, "jiangsu-2018");
}

// M1, the target's edge: "needs >= 90 在册" out of 20 000.
TEST(MetricExamples, M1PrevalenceTargetNeedsNinetyRegistered) {
  const IndicatorDef& def = *FindIndicator(Indicator::kReportedPrevalence);
  EXPECT_THAT(MakeRate(def, 90, 20000).met, Optional(true));
  EXPECT_THAT(MakeRate(def, 90, 20000).value, Optional(4.5));
  EXPECT_THAT(MakeRate(def, 89, 20000).met, Optional(false));
}

// Decisions "Resident population": unavailable, not zero, when it is missing.
TEST(MetricExamples, M1PrevalenceUnavailableWithoutPopulation) {
  std::vector<PatientMetrics> all = {EvaluatePatient(PatientWith({}), Year2024())};
  for (std::optional<int64_t> population : {std::optional<int64_t>(), std::optional<int64_t>(0)}) {
    const Rate r = RateOf(AggregateRates(all, population, Year2024(), Jiangsu()),
                          Indicator::kReportedPrevalence)
                       .rate;
    EXPECT_EQ(r.numerator, 1);
    EXPECT_EQ(r.denominator, 0);
    EXPECT_FALSE(r.value.has_value());
    EXPECT_FALSE(r.met.has_value());
  }
}

// M2. P1-P8 assessed, P9 only 目前正在住院, P10 only 失访 (外出打工): 管理率
// 9/10 = 90.0%.
TEST(MetricExamples, M2ManagementRate) {
  std::vector<PatientMetrics> all;
  for (int i = 1; i <= 8; ++i) {
    all.push_back(EvaluatePatient(PatientWith({Visit(D(2024, i, 10))}), Year2024()));
  }
  const PatientMetrics p9 = EvaluatePatient(
      PatientWith({InHospital(D(2024, 2, 1)), InHospital(D(2024, 7, 1))}), Year2024());
  const PatientMetrics p10 =
      EvaluatePatient(PatientWith({Failed(D(2024, 3, 1)), Failed(D(2024, 6, 1))}), Year2024());
  EXPECT_TRUE(p9.managed);
  EXPECT_FALSE(p10.managed);
  EXPECT_EQ(Note(p10, S::kManaged),
            "本期仅有2次失访记录，无有效随访 (only 2 failed visits and no "
            "valid follow-up in the "
            "period)");
  all.push_back(p9);
  all.push_back(p10);

  const Rate r =
      RateOf(AggregateRates(all, std::nullopt, Year2024(), Jiangsu()), Indicator::kManagementRate)
          .rate;
  EXPECT_EQ(r.numerator, 9);
  EXPECT_EQ(r.denominator, 10);
  EXPECT_THAT(r.value, Optional(90.0));
  EXPECT_THAT(r.met, Optional(false));  // Gulou >= 97%
}

TEST(MetricExamples, M3StandardizedPerPatient) {
  std::vector<PatientMetrics> m;
  for (const PatientPeriodInput& p : M3Patients()) m.push_back(EvaluatePatient(p, Year2024()));
  // R1 (anchors 0 and 13): A ✓ B ✗ C ✓ D ✗ E ✗.  R2 (>= 4 visits): A-D ✓, E ✗.
  const std::vector<bool> r1 = {true, false, true, false, false};
  const std::vector<bool> r2 = {true, true, true, true, false};
  for (size_t i = 0; i < m.size(); ++i) {
    EXPECT_EQ(m[i].standard_r1, r1[i]) << "patient "
                                       << "ABCDE"[i];
    EXPECT_EQ(m[i].standard_r2, r2[i]) << "patient "
                                       << "ABCDE"[i];
  }
  EXPECT_EQ(Note(m[1], S::kStandardR1),
            "2024-08至2024-12间隔4个月 (4 months between the 2024-08 and "
            "2024-12 visits)");
  EXPECT_EQ(Note(m[3], S::kStandardR1),
            "自2024-09-10起无有效随访 (no valid follow-up since 2024-09-10)");
  EXPECT_EQ(Note(m[4], S::kStandardR1),
            "2024-02至2024-08间隔6个月，另有1处间隔超过3个月 (6 months between "
            "the 2024-02 and "
            "2024-08 visits; 1 more gap over 3 months)");
  EXPECT_EQ(Note(m[4], S::kStandardR2),
            "本期有效随访2次，少于4次 (2 valid follow-ups in the period, fewer "
            "than 4)");
}

TEST(MetricExamples, M3StandardizedRateR1Is40AndR2Is80) {
  std::vector<PatientMetrics> m;
  for (const PatientPeriodInput& p : M3Patients()) m.push_back(EvaluatePatient(p, Year2024()));

  const IndicatorRate r1 = RateOf(AggregateRates(m, std::nullopt, Year2024(), Jiangsu()),
                                  Indicator::kStandardizedManagementRate);
  EXPECT_EQ(r1.numerator, S::kStandardR1);
  EXPECT_EQ(r1.rate.numerator, 2);
  EXPECT_EQ(r1.rate.denominator, 5);
  EXPECT_THAT(r1.rate.value, Optional(40.0));
  EXPECT_THAT(r1.rate.met, Optional(false));

  const IndicatorRate r2 = RateOf(AggregateRates(m, std::nullopt, Year2024(), National()),
                                  Indicator::kStandardizedManagementRate);
  EXPECT_EQ(r2.numerator, S::kStandardR2);
  EXPECT_EQ(r2.rate.numerator, 4);
  EXPECT_THAT(r2.rate.value, Optional(80.0));
}

// M3 cumulative to 2024-03-31 (end anchor = month 4): all five are 规范 under
// R1.
TEST(MetricExamples, M3CumulativeToMarch31) {
  const absl::StatusOr<ReportingPeriod> period = PeriodToMonthEnd(2024, 3);
  ASSERT_TRUE(period.ok());
  EXPECT_EQ(period->cutoff, D(2024, 3, 31));
  std::vector<PatientMetrics> m;
  for (const PatientPeriodInput& p : M3Patients()) {
    m.push_back(EvaluatePatient(p, *period));
    EXPECT_TRUE(m.back().standard_r1) << Note(m.back(), S::kStandardR1);
  }
  const Rate r = RateOf(AggregateRates(m, std::nullopt, *period, Jiangsu()),
                        Indicator::kStandardizedManagementRate)
                     .rate;
  EXPECT_EQ(r.numerator, 5);
  EXPECT_THAT(r.value, Optional(100.0));
  EXPECT_THAT(r.met, Optional(true));
}

// ---------------------------------------------------------------------------------------
// 在册: registration, death, moving out, 注销 around the cut-off
// ---------------------------------------------------------------------------------------

TEST(MetricRegister, RegisteredAfterTheCutOffIsNotRegistered) {
  const PatientMetrics m =
      EvaluatePatient(PatientWith({}, D(2024, 4, 1)), PeriodAsOf(D(2024, 3, 31)));
  EXPECT_FALSE(m.registered);
  EXPECT_EQ(Note(m, S::kRegistered),
            "截止日2024-03-31时尚未建档 (not yet "
            "registered at the cut-off 2024-03-31)");
  EXPECT_THAT(m.notes, SizeIs(1));
}

TEST(MetricRegister, RegisteredOnTheCutOffDayIsRegistered) {
  EXPECT_TRUE(
      EvaluatePatient(PatientWith({}, D(2024, 3, 31)), PeriodAsOf(D(2024, 3, 31))).registered);
}

TEST(MetricRegister, DeathBeforeOnOrAfterTheCutOff) {
  PatientPeriodInput p = PatientWith({Visit(D(2024, 2, 1))});
  p.died_on = D(2024, 6, 1);
  EXPECT_FALSE(EvaluatePatient(p, Year2024()).registered);
  // The period ends at 24:00 of the cut-off day: a death that day is counted.
  EXPECT_FALSE(EvaluatePatient(p, PeriodAsOf(D(2024, 6, 1))).registered);
  const PatientMetrics before = EvaluatePatient(p, PeriodAsOf(D(2024, 5, 31)));
  EXPECT_TRUE(before.registered);
  EXPECT_TRUE(before.managed);
}

TEST(MetricRegister, MovedOutBeforeAndAfterTheCutOff) {
  PatientPeriodInput p = PatientWith({Visit(D(2024, 2, 1))});
  p.moved_out_on = D(2025, 1, 5);
  EXPECT_TRUE(EvaluatePatient(p, Year2024()).registered);
  p.moved_out_on = D(2024, 12, 30);
  EXPECT_FALSE(EvaluatePatient(p, Year2024()).registered);
}

TEST(MetricRegister, DeregistrationAndTheEarliestExitIsNamed) {
  PatientPeriodInput p = PatientWith({});
  p.deregistered_on = D(2024, 9, 1);
  p.moved_out_on = D(2024, 10, 1);
  const PatientMetrics m = EvaluatePatient(p, Year2024());
  EXPECT_FALSE(m.registered);
  EXPECT_EQ(Note(m, S::kRegistered), "2024-09-01注销 (deregistered on 2024-09-01)");
}

// ---------------------------------------------------------------------------------------
// 在管 and 规范管理
// ---------------------------------------------------------------------------------------

TEST(MetricManaged, FailedVisitsCountTowardNeitherManagedNorStandard) {
  // One valid visit in January; the failed visits of April, July and October do
  // not close the gaps, and do not make a fourth visit for R2.
  const PatientMetrics m =
      EvaluatePatient(PatientWith({Visit(D(2024, 1, 5)), Failed(D(2024, 4, 5)),
                                   Failed(D(2024, 7, 5)), Failed(D(2024, 10, 5))}),
                      Year2024());
  EXPECT_TRUE(m.managed);
  EXPECT_FALSE(m.standard_r1);
  EXPECT_FALSE(m.standard_r2);
  EXPECT_EQ(Note(m, S::kStandardR1),
            "自2024-01-05起无有效随访 (no valid follow-up since 2024-01-05)");
  EXPECT_EQ(Note(m, S::kStandardR2),
            "本期有效随访1次，少于4次 (1 valid "
            "follow-up in the period, fewer than 4)");
}

TEST(MetricManaged, HospitalisedOnlyRecordsCountAsManagedAndStandard) {
  const PatientMetrics m =
      EvaluatePatient(PatientWith({InHospital(D(2024, 1, 20)), InHospital(D(2024, 4, 20)),
                                   InHospital(D(2024, 7, 20)), InHospital(D(2024, 10, 20))}),
                      Year2024());
  EXPECT_TRUE(m.managed);
  EXPECT_TRUE(m.standard_r1);
  EXPECT_TRUE(m.standard_r2);
  EXPECT_TRUE(m.on_medication_last);  // 目前正在住院 counts as 服药 (rules.md §5.1)
  EXPECT_TRUE(m.hospitalised);
  EXPECT_FALSE(m.at_home);              // last status: in hospital
  EXPECT_FALSE(m.assessed_classified);  // no risk assessment
  EXPECT_FALSE(m.face_to_face);         // recorded by phone
  EXPECT_EQ(Note(m, S::kAssessedClassified),
            "本期无危险性评估和分类 (no risk assessment and classification in "
            "the period)");
}

TEST(MetricManaged, NoRecordNamesTheLastValidVisitBeforeThePeriod) {
  const PatientMetrics m =
      EvaluatePatient(PatientWith({Visit(D(2023, 11, 20)), Failed(D(2023, 12, 20))}), Year2024());
  EXPECT_FALSE(m.managed);
  EXPECT_FALSE(m.standard_r1);
  EXPECT_EQ(Note(m, S::kManaged), "自2023-11-20起无有效随访 (no valid follow-up since 2023-11-20)");
  EXPECT_EQ(Note(m, S::kStandardR1), Note(m, S::kManaged));
  EXPECT_EQ(Note(m, S::kOnMedicationLast), Note(m, S::kManaged));
}

TEST(MetricManaged, NoRecordAtAll) {
  const PatientMetrics m = EvaluatePatient(PatientWith({}), Year2024());
  EXPECT_TRUE(m.registered);
  EXPECT_FALSE(m.managed);
  EXPECT_EQ(Note(m, S::kManaged), "本期无有效随访 (no valid follow-up in the period)");
}

// Decision: R1 requires 在管. The anchors alone (Nov 1 registration: anchors 10
// and 13) would make a never-visited patient 规范 at year end.
TEST(MetricStandardR1, RequiresAtLeastOneValidFollowUp) {
  const PatientMetrics m = EvaluatePatient(PatientWith({}, D(2024, 11, 1)), Year2024());
  EXPECT_FALSE(m.standard_r1);
  const PatientMetrics jan = EvaluatePatient(PatientWith({}), PeriodAsOf(D(2024, 1, 31)));
  EXPECT_FALSE(jan.standard_r1);
}

// Mid-year registration: the start anchor is the registration month minus 1.
TEST(MetricStandardR1, MidYearRegistrationMovesTheStartAnchor) {
  const absl::CivilDay reg(2024, 6, 10);
  const PatientMetrics ok = EvaluatePatient(
      PatientWith({Visit(D(2024, 6, 20)), Visit(D(2024, 9, 15)), Visit(D(2024, 12, 1))}, reg),
      Year2024());
  EXPECT_TRUE(ok.standard_r1);  // anchors 5 and 13: 5,6,9,12,13
  EXPECT_FALSE(ok.standard_r2);
  // First visit in September: 9 - 5 = 4 months from the anchor.
  const PatientMetrics late =
      EvaluatePatient(PatientWith({Visit(D(2024, 9, 20)), Visit(D(2024, 12, 1))}, reg), Year2024());
  EXPECT_FALSE(late.standard_r1);
  EXPECT_EQ(Note(late, S::kStandardR1),
            "首次随访应不晚于2024-08，实际在2024-09 (the first follow-up was "
            "due by 2024-08 but "
            "came in 2024-09)");
  // A registration in an earlier year leaves the anchor at Jan 1 (anchor month
  // 0).
  const PatientMetrics old = EvaluatePatient(
      PatientWith({Visit(D(2024, 4, 1)), Visit(D(2024, 7, 1)), Visit(D(2024, 10, 1))}), Year2024());
  EXPECT_FALSE(old.standard_r1);
  EXPECT_EQ(Note(old, S::kStandardR1),
            "首次随访应不晚于2024-03，实际在2024-04 (the first follow-up was "
            "due by 2024-03 but "
            "came in 2024-04)");
}

// The month index counts calendar months, not days: Jan 31 -> Apr 30 is 3, Jan
// 1 -> May 1 is 4, and Feb 29 of a leap year is an ordinary February day.
TEST(MetricStandardR1, MonthIndexIgnoresDaysAndLeapDays) {
  const PatientMetrics three =
      EvaluatePatient(PatientWith({Visit(D(2024, 1, 31)), Visit(D(2024, 4, 30)),
                                   Visit(D(2024, 7, 31)), Visit(D(2024, 10, 31))}),
                      Year2024());
  EXPECT_TRUE(three.standard_r1);
  const PatientMetrics four =
      EvaluatePatient(PatientWith({Visit(D(2024, 1, 1)), Visit(D(2024, 5, 1)), Visit(D(2024, 8, 1)),
                                   Visit(D(2024, 11, 1))}),
                      Year2024());
  EXPECT_FALSE(four.standard_r1);
  EXPECT_EQ(Note(four, S::kStandardR1),
            "2024-01至2024-05间隔4个月 (4 months between the 2024-01 and "
            "2024-05 visits)");

  const absl::StatusOr<ReportingPeriod> feb = PeriodToMonthEnd(2024, 2);
  ASSERT_TRUE(feb.ok());
  EXPECT_EQ(feb->cutoff, D(2024, 2, 29));
  const PatientMetrics leap = EvaluatePatient(PatientWith({Visit(D(2024, 2, 29))}), *feb);
  EXPECT_TRUE(leap.managed);
  EXPECT_TRUE(leap.standard_r1);
  EXPECT_EQ(PeriodToMonthEnd(2023, 2)->cutoff, D(2023, 2, 28));
}

// A December visit of the previous year does not count: the year starts afresh
// (anchor 0).
TEST(MetricStandardR1, TheYearBoundaryResetsTheSequence) {
  const PatientMetrics m =
      EvaluatePatient(PatientWith({Visit(D(2023, 12, 15)), Visit(D(2024, 4, 2)),
                                   Visit(D(2024, 7, 2)), Visit(D(2024, 10, 2))}),
                      Year2024());
  EXPECT_FALSE(m.standard_r1);
  EXPECT_FALSE(m.standard_r2);  // three in the period
}

// An as-of cut-off mid-month: records after it are ignored, the end anchor is
// its month + 1.
TEST(MetricStandardR1, AsOfDateMidMonth) {
  const ReportingPeriod p = PeriodAsOf(D(2024, 3, 15));
  EXPECT_EQ(p.start(), D(2024, 1, 1));
  const PatientMetrics ok = EvaluatePatient(PatientWith({Visit(D(2024, 1, 10))}), p);
  EXPECT_TRUE(ok.standard_r1);  // 0, 1, 4
  const PatientMetrics later = EvaluatePatient(PatientWith({Visit(D(2024, 3, 16))}), p);
  EXPECT_FALSE(later.managed);  // the visit lies after the cut-off
  const PatientMetrics dec = EvaluatePatient(PatientWith({Visit(D(2023, 12, 20))}), p);
  EXPECT_FALSE(dec.standard_r1);
}

TEST(MetricStandardR1, VisitsInAnyOrderGiveTheSameResult) {
  PatientPeriodInput sorted = M3Patients()[1];  // B
  PatientPeriodInput shuffled = sorted;
  std::swap(shuffled.visits[0], shuffled.visits[3]);
  std::swap(shuffled.visits[1], shuffled.visits[2]);
  const PatientMetrics a = EvaluatePatient(sorted, Year2024());
  const PatientMetrics b = EvaluatePatient(shuffled, Year2024());
  EXPECT_EQ(a.standard_r1, b.standard_r1);
  ASSERT_EQ(a.notes.size(), b.notes.size());
  for (size_t i = 0; i < a.notes.size(); ++i) {
    EXPECT_EQ(a.notes[i].status, b.notes[i].status);
    EXPECT_EQ(a.notes[i].text, b.notes[i].text);
  }
}

// ---------------------------------------------------------------------------------------
// 服药, 规律服药, 住院 and the schizophrenia statuses
// ---------------------------------------------------------------------------------------

TEST(MetricMedication, LastVisitRuleAndAnyRecordRule) {
  const PatientMetrics m =
      EvaluatePatient(PatientWith({Visit(D(2024, 2, 1), Adherence::kRegular),
                                   Visit(D(2024, 5, 1), Adherence::kNotTaking)}),
                      Year2024());
  EXPECT_FALSE(m.on_medication_last);
  EXPECT_TRUE(m.on_medication_any);
  EXPECT_EQ(Note(m, S::kOnMedicationLast),
            "末次随访2024-05-01记录为不服药 (the last follow-up, 2024-05-01, "
            "recorded not taking "
            "medication)");
  // The rule set picks the numerator of 服药率.
  std::vector<PatientMetrics> all = {m};
  EXPECT_EQ(
      RateOf(AggregateRates(all, std::nullopt, Year2024(), Jiangsu()), Indicator::kMedicationRate)
          .rate.numerator,
      0);
  EXPECT_EQ(
      RateOf(AggregateRates(all, std::nullopt, Year2024(), National()), Indicator::kMedicationRate)
          .rate.numerator,
      1);
}

TEST(MetricMedication, NotNeededIsNotOnMedication) {
  const PatientMetrics m =
      EvaluatePatient(PatientWith({Visit(D(2024, 2, 1), Adherence::kNotNeeded)}), Year2024());
  EXPECT_FALSE(m.on_medication_last);
  EXPECT_FALSE(m.on_medication_any);
  EXPECT_FALSE(m.regular_medication);
  EXPECT_EQ(Note(m, S::kOnMedicationAny),
            "本期随访无规律服药、间断服药或住院记录 (no follow-up in the "
            "period recorded regular "
            "or intermittent medication or a current hospital stay)");
}

TEST(MetricMedication, LastValidVisitDecidesNotAFailedOne) {
  const PatientMetrics m = EvaluatePatient(
      PatientWith({Visit(D(2024, 2, 1), Adherence::kIntermittent), Failed(D(2024, 5, 1))}),
      Year2024());
  EXPECT_TRUE(m.on_medication_last);
}

TEST(MetricMedication, RegularMedicationNeedsEveryQuarterAndNoLapse) {
  const PatientMetrics ok =
      EvaluatePatient(PatientWith({Visit(D(2024, 2, 1)), InHospital(D(2024, 5, 1)),
                                   Visit(D(2024, 8, 1)), Visit(D(2024, 11, 1))}),
                      Year2024());
  EXPECT_TRUE(ok.regular_medication);

  const PatientMetrics lapse = EvaluatePatient(
      PatientWith({Visit(D(2024, 2, 1)), Visit(D(2024, 5, 1), Adherence::kIntermittent),
                   Visit(D(2024, 8, 1)), Visit(D(2024, 11, 1))}),
      Year2024());
  EXPECT_FALSE(lapse.regular_medication);
  EXPECT_TRUE(lapse.on_medication_last);
  EXPECT_EQ(Note(lapse, S::kRegularMedication),
            "2024-05-01随访记录为间断服药 (the 2024-05-01 follow-up recorded "
            "intermittent "
            "medication)");

  const PatientMetrics gap = EvaluatePatient(
      PatientWith({Visit(D(2024, 2, 1)), Visit(D(2024, 5, 1)), Visit(D(2024, 10, 1))}), Year2024());
  EXPECT_FALSE(gap.regular_medication);
  EXPECT_EQ(Note(gap, S::kRegularMedication),
            "2024年第3季度无规律服药或住院记录 (no regular-medication or "
            "hospital record in 2024 "
            "Q3)");
}

// Cumulative: only quarters wholly inside [start, cut-off] are asked for.
TEST(MetricMedication, RegularMedicationForPartialYears) {
  // To Apr 30: Q1 only; Q2 is not over.
  EXPECT_TRUE(EvaluatePatient(PatientWith({Visit(D(2024, 3, 1))}), PeriodAsOf(D(2024, 4, 30)))
                  .regular_medication);
  // Registered Feb 20: Q1 began before registration; Q2 must be covered at a
  // Jun 30 cut-off.
  const absl::CivilDay reg(2024, 2, 20);
  EXPECT_TRUE(EvaluatePatient(PatientWith({Visit(D(2024, 3, 1)), Visit(D(2024, 6, 1))}, reg),
                              PeriodAsOf(D(2024, 6, 30)))
                  .regular_medication);
  EXPECT_FALSE(EvaluatePatient(PatientWith({Visit(D(2024, 3, 1))}, reg), PeriodAsOf(D(2024, 6, 30)))
                   .regular_medication);
}

TEST(MetricSchizophrenia, MedicationAndTreatmentStatuses) {
  PatientPeriodInput on = PatientWith({Visit(D(2024, 3, 1), Adherence::kRegular)});
  on.diagnosis = DiagnosisCategory::kSchizophrenia;
  // Not taking at the last visit, but was in hospital between visits: treated,
  // not 服药.
  PatientPeriodInput hosp = PatientWith({Visit(D(2024, 3, 1), Adherence::kNotTaking, C::kStable,
                                               VisitMode::kHome, Hospitalization::kPreviously)});
  hosp.diagnosis = DiagnosisCategory::kSchizophrenia;
  PatientPeriodInput untreated = PatientWith({Visit(D(2024, 3, 1), Adherence::kNotTaking)});
  untreated.diagnosis = DiagnosisCategory::kSchizophrenia;
  PatientPeriodInput unmanaged = PatientWith({});
  unmanaged.diagnosis = DiagnosisCategory::kSchizophrenia;
  PatientPeriodInput other = PatientWith({Visit(D(2024, 3, 1))});  // bipolar

  std::vector<PatientMetrics> m;
  for (const auto& p : {on, hosp, untreated, unmanaged, other}) {
    m.push_back(EvaluatePatient(p, Year2024()));
  }
  EXPECT_TRUE(m[0].schizophrenia_on_medication_last);
  EXPECT_TRUE(m[0].schizophrenia_treated_last);
  EXPECT_FALSE(m[1].schizophrenia_on_medication_last);
  EXPECT_TRUE(m[1].schizophrenia_treated_last);
  EXPECT_TRUE(m[1].hospitalised);
  EXPECT_FALSE(m[2].schizophrenia_treated_last);
  EXPECT_EQ(Note(m[2], S::kSchizophreniaTreatedLast),
            "末次随访2024-03-01记录为不服药，本期无住院 (the last follow-up, "
            "2024-03-01, "
            "recorded not taking medication, and no hospital stay in the period)");
  EXPECT_FALSE(m[4].schizophrenia_registered);
  EXPECT_EQ(m[4].NoteFor(S::kSchizophreniaTreatedLast), nullptr);

  const MetricReport r = AggregateRates(m, std::nullopt, Year2024(), Jiangsu());
  // 服药率 of F20: numerator 1 (P on), denominator 年在管 F20 = 3 (on, hosp,
  // untreated).
  const Rate med = RateOf(r, Indicator::kSchizophreniaMedicationRate).rate;
  EXPECT_EQ(med.numerator, 1);
  EXPECT_EQ(med.denominator, 3);
  // 治疗率: (服药 + 住院) F20 = 2 of 在册 F20 = 4; 50% is below the 85% target.
  const Rate treat = RateOf(r, Indicator::kSchizophreniaTreatmentRate).rate;
  EXPECT_EQ(treat.numerator, 2);
  EXPECT_EQ(treat.denominator, 4);
  EXPECT_THAT(treat.value, Optional(50.0));
  EXPECT_THAT(treat.met, Optional(false));
}

// ---------------------------------------------------------------------------------------
// 居家, 居家稳定, 面访, 体检, 失访, 肇事肇祸, 轻度滋事, 分级分类, 社区康复
// ---------------------------------------------------------------------------------------

TEST(MetricHome, HomeStableNeedsAStableLastVisitWithinThreeMonths) {
  const ReportingPeriod may = PeriodAsOf(D(2024, 5, 31));  // window from 2024-02-29
  const PatientMetrics in = EvaluatePatient(PatientWith({Visit(D(2024, 2, 29))}), may);
  EXPECT_TRUE(in.at_home);
  EXPECT_TRUE(in.home_stable);
  const PatientMetrics old = EvaluatePatient(PatientWith({Visit(D(2024, 2, 28))}), may);
  EXPECT_TRUE(old.at_home);
  EXPECT_FALSE(old.home_stable);
  EXPECT_EQ(Note(old, S::kHomeStable),
            "末次随访2024-02-28距截止日超过3个月 (the last follow-up, "
            "2024-02-28, is more than 3 "
            "months before the cut-off)");
  const PatientMetrics basic =
      EvaluatePatient(PatientWith({Visit(D(2024, 1, 5)),
                                   Visit(D(2024, 5, 2), Adherence::kRegular, C::kBasicallyStable)}),
                      may);
  EXPECT_FALSE(basic.home_stable);
  EXPECT_EQ(Note(basic, S::kHomeStable),
            "末次随访2024-05-02分类为基本稳定 (the last follow-up, 2024-05-02, "
            "was classified "
            "basically stable)");
}

TEST(MetricHome, CurrentlyHospitalisedIsNotAtHomeAndGetsNoHomeNotes) {
  const PatientMetrics m =
      EvaluatePatient(PatientWith({Visit(D(2024, 3, 1), Adherence::kRegular, C::kStable,
                                         VisitMode::kClinic, Hospitalization::kCurrently)}),
                      Year2024());
  EXPECT_FALSE(m.at_home);
  EXPECT_EQ(m.NoteFor(S::kHomeStable), nullptr);
  EXPECT_EQ(m.NoteFor(S::kCommunityRehab), nullptr);
}

TEST(MetricHome, CommunityRehabCountsRecordsOfThePeriodForHomePatients) {
  PatientPeriodInput p = PatientWith({Visit(D(2024, 3, 1))});
  p.rehab = {D(2023, 10, 1)};
  PatientMetrics m = EvaluatePatient(p, Year2024());
  EXPECT_FALSE(m.community_rehab);
  // The reason names the last record before the period: participation lapsed.
  EXPECT_EQ(Note(m, S::kCommunityRehab),
            "本期无社区康复记录，末次为2023-10-01 (no community-rehab record "
            "in the period; the "
            "last was on 2023-10-01)");
  p.rehab.push_back(D(2024, 6, 1));
  EXPECT_TRUE(EvaluatePatient(p, Year2024()).community_rehab);
  // Never any record: the short reason.
  p.rehab.clear();
  EXPECT_EQ(Note(EvaluatePatient(p, Year2024()), S::kCommunityRehab),
            "本期无社区康复记录 (no community-rehab record in the period)");
}

// Issue 14: each record counts in the period of its own date. A session in
// January of the next year does not count for a period ending in December; one
// on the cut-off day does; one after the cut-off does not count for a month-end
// before it.
TEST(MetricHome, DatedRehabRecordsCountOnlyInTheirOwnPeriod) {
  PatientPeriodInput p = PatientWith({Visit(D(2024, 3, 1))});
  p.rehab = {D(2025, 1, 15)};
  EXPECT_FALSE(EvaluatePatient(p, Year2024()).community_rehab);
  // Nor in 2025 here: without a 2025 follow-up the patient is not 居家 then.
  EXPECT_FALSE(EvaluatePatient(p, PeriodAsOf(D(2025, 1, 15))).community_rehab);
  p.rehab = {D(2024, 12, 31)};
  EXPECT_TRUE(EvaluatePatient(p, Year2024()).community_rehab);
  p.rehab = {D(2024, 7, 1)};
  EXPECT_FALSE(EvaluatePatient(p, PeriodAsOf(D(2024, 6, 30))).community_rehab);
  EXPECT_TRUE(EvaluatePatient(p, PeriodAsOf(D(2024, 7, 1))).community_rehab);
}

// 居家患者及家属心理疏导覆盖率: a 心理疏导 record (to the patient or the
// family) in the period, for home patients only.
TEST(MetricHome, PsychSupportCountsRecordsOfThePeriodForHomePatients) {
  PatientPeriodInput p = PatientWith({Visit(D(2024, 3, 1))});
  PatientMetrics m = EvaluatePatient(p, Year2024());
  EXPECT_FALSE(m.psych_support);
  EXPECT_EQ(Note(m, S::kPsychSupport),
            "本期无对患者或家属的心理疏导记录 (no psychological-support "
            "(patient or family) record "
            "in the period)");
  p.psych_support = {D(2023, 12, 30)};
  m = EvaluatePatient(p, Year2024());
  EXPECT_FALSE(m.psych_support);
  EXPECT_THAT(Note(m, S::kPsychSupport), ::testing::HasSubstr("末次为2023-12-30"));
  p.psych_support.push_back(D(2024, 2, 2));
  m = EvaluatePatient(p, Year2024());
  EXPECT_TRUE(m.psych_support);
  EXPECT_EQ(m.NoteFor(S::kPsychSupport), nullptr);
  EXPECT_TRUE(MaskHas(StatusMask(m), S::kPsychSupport));
  // In hospital at the last visit: not 居家, so neither counted nor missing.
  PatientPeriodInput in_hospital =
      PatientWith({Visit(D(2024, 3, 1), Adherence::kRegular, C::kStable, VisitMode::kClinic,
                         Hospitalization::kCurrently)});
  in_hospital.psych_support = {D(2024, 2, 2)};
  const PatientMetrics h = EvaluatePatient(in_hospital, Year2024());
  EXPECT_FALSE(h.psych_support);
  EXPECT_EQ(h.NoteFor(S::kPsychSupport), nullptr);
}

// The plan's example: 10 home patients, 7 with a rehab record -> 70.0%, target
// met; 6 with psychological support -> 60.0%, not met (both targets >= 70%,
// seeds 004).
TEST(MetricHome, RatesOfTenHomePatients) {
  std::vector<PatientMetrics> all;
  for (int i = 0; i < 10; ++i) {
    PatientPeriodInput p = PatientWith({Visit(D(2024, 3, 1))});
    if (i >= 3) p.rehab = {D(2024, 4, 1)};
    if (i >= 4) p.psych_support = {D(2024, 5, 1)};
    all.push_back(EvaluatePatient(p, Year2024()));
  }
  const MetricReport r = AggregateRates(all, std::nullopt, Year2024(), Jiangsu());
  const IndicatorRate* rehab = r.Find(Indicator::kCommunityRehabRate);
  ASSERT_NE(rehab, nullptr);
  EXPECT_EQ(rehab->rate.numerator, 7);
  EXPECT_EQ(rehab->rate.denominator, 10);
  EXPECT_THAT(rehab->rate.value, Optional(70.0));
  EXPECT_THAT(rehab->rate.met, Optional(true));
  const IndicatorRate* psych = r.Find(Indicator::kPsychSupportCoverage);
  ASSERT_NE(psych, nullptr);
  EXPECT_EQ(psych->numerator, S::kPsychSupport);
  EXPECT_EQ(psych->denominator, S::kAtHome);
  EXPECT_EQ(psych->rate.numerator, 6);
  EXPECT_EQ(psych->rate.denominator, 10);
  EXPECT_THAT(psych->rate.value, Optional(60.0));
  EXPECT_THAT(psych->rate.met, Optional(false));
}

TEST(MetricFaceToFace, PhoneOnlyIsNotFaceToFace) {
  const PatientMetrics phone = EvaluatePatient(
      PatientWith({Visit(D(2024, 3, 1), Adherence::kRegular, C::kStable, VisitMode::kPhone)}),
      Year2024());
  EXPECT_FALSE(phone.face_to_face);
  EXPECT_EQ(Note(phone, S::kFaceToFace),
            "本期无门诊或家庭访视 (no clinic or home visit in the period)");
  // A failed home visit is not a face-to-face follow-up.
  const PatientMetrics failed = EvaluatePatient(
      PatientWith({Visit(D(2024, 3, 1), Adherence::kRegular, C::kStable, VisitMode::kPhone),
                   Failed(D(2024, 4, 1))}),
      Year2024());
  EXPECT_FALSE(failed.face_to_face);
  EXPECT_TRUE(EvaluatePatient(PatientWith({Visit(D(2024, 3, 1), Adherence::kRegular, C::kStable,
                                                 VisitMode::kClinic)}),
                              Year2024())
                  .face_to_face);
}

TEST(MetricHealthCheck, CheckInThePeriod) {
  PatientPeriodInput p = PatientWith({Visit(D(2024, 3, 1))});
  p.health_checks = {D(2023, 5, 6), D(2022, 5, 1)};
  PatientMetrics m = EvaluatePatient(p, Year2024());
  EXPECT_FALSE(m.health_checked);
  EXPECT_EQ(Note(m, S::kHealthChecked),
            "本期无体检，末次体检在2023-05-06 (no health check in the period; "
            "the last was on "
            "2023-05-06)");
  p.health_checks.push_back(D(2025, 1, 2));  // after the cut-off
  EXPECT_FALSE(EvaluatePatient(p, Year2024()).health_checked);
  p.health_checks.push_back(D(2024, 12, 31));
  EXPECT_TRUE(EvaluatePatient(p, Year2024()).health_checked);
  EXPECT_EQ(Note(EvaluatePatient(PatientWith({}), Year2024()), S::kHealthChecked),
            "本期无体检 (no health check in the period)");
}

TEST(MetricLost, LostWhenTheLatestRecordIsAFailedVisit) {
  const PatientMetrics lost = EvaluatePatient(
      PatientWith({Visit(D(2024, 3, 1)), Failed(D(2024, 10, 5), LostReason::kMissing)}),
      Year2024());
  EXPECT_TRUE(lost.lost);
  EXPECT_TRUE(lost.managed);
  EXPECT_EQ(Note(lost, S::kLost),
            "末次记录2024-10-05为失访，原因：走失 (the "
            "last record, 2024-10-05, is a failed visit: "
            "missing)");
  const PatientMetrics found =
      EvaluatePatient(PatientWith({Failed(D(2024, 3, 1)), Visit(D(2024, 4, 1))}), Year2024());
  EXPECT_FALSE(found.lost);
  EXPECT_EQ(found.NoteFor(S::kLost), nullptr);
  // Same day: the later-recorded record is the last.
  EXPECT_TRUE(
      EvaluatePatient(PatientWith({Visit(D(2024, 4, 1)), Failed(D(2024, 4, 1))}), Year2024()).lost);
  EXPECT_FALSE(
      EvaluatePatient(PatientWith({Failed(D(2024, 4, 1)), Visit(D(2024, 4, 1))}), Year2024()).lost);
}

TEST(MetricBehaviour, IncidentAndMinorTroubleCounts) {
  VisitFact a = Visit(D(2024, 3, 1));
  a.trouble = 1;
  VisitFact b = Visit(D(2024, 6, 1));
  b.accident = 1;
  b.minor_trouble = 2;
  const PatientMetrics m = EvaluatePatient(PatientWith({a, b}), Year2024());
  EXPECT_TRUE(m.incident);
  EXPECT_TRUE(m.minor_trouble);
  EXPECT_EQ(Note(m, S::kIncident),
            "本期报告肇事1次、肇祸1次 (1 public-order "
            "and 1 criminal incidents reported in the "
            "period)");
  EXPECT_EQ(Note(m, S::kMinorTrouble),
            "本期报告轻度滋事2次 (2 minor disturbances reported in the period)");
  // Counts of the previous year do not count.
  VisitFact old = Visit(D(2023, 12, 1));
  old.trouble = 3;
  const PatientMetrics quiet =
      EvaluatePatient(PatientWith({old, Visit(D(2024, 3, 1))}), Year2024());
  EXPECT_FALSE(quiet.incident);
  EXPECT_FALSE(quiet.minor_trouble);
}

TEST(MetricAssessment, AssessedAndClassified) {
  EXPECT_TRUE(EvaluatePatient(PatientWith({Visit(D(2024, 3, 1))}), Year2024()).assessed_classified);
}

TEST(MetricVisitFact, FromAStoredForm) {
  FollowUpForm f;
  f.visit_date = D(2024, 3, 1);
  f.mode = VisitMode::kHome;
  f.risk_level = 2;
  f.adherence = Adherence::kIntermittent;
  f.hospitalization = Hospitalization::kPreviously;
  f.behaviour.trouble = 1;
  f.behaviour.minor_trouble = 3;
  Assessment a;
  a.final_class = C::kBasicallyStable;
  const VisitFact v = ToVisitFact(f, a);
  EXPECT_EQ(v.date, D(2024, 3, 1));
  EXPECT_EQ(v.final_class, C::kBasicallyStable);
  EXPECT_EQ(v.adherence, Adherence::kIntermittent);
  EXPECT_EQ(v.trouble, 1);
  EXPECT_EQ(v.minor_trouble, 3);
  EXPECT_TRUE(IsValidFollowUp(v));

  FollowUpForm failed;
  failed.visit_date = D(2024, 4, 1);
  failed.lost_reason = LostReason::kOther;
  Assessment fa;
  fa.effective_lost_reason = LostReason::kThreeFailures;
  const VisitFact fv = ToVisitFact(failed, fa);
  EXPECT_EQ(fv.lost_reason, LostReason::kThreeFailures);
  EXPECT_FALSE(IsValidFollowUp(fv));

  VisitFact death = v;
  death.reports_death = true;
  EXPECT_FALSE(IsValidFollowUp(death));
}

// ---------------------------------------------------------------------------------------
// Periods
// ---------------------------------------------------------------------------------------

TEST(MetricPeriod, MonthEndValidation) {
  EXPECT_THAT(PeriodToMonthEnd(2024, 13).status(), IsFieldError("period.month"));
  EXPECT_THAT(PeriodToMonthEnd(2024, 0).status(), IsFieldError("period.month"));
  EXPECT_THAT(PeriodToMonthEnd(1999, 12).status(), IsFieldError("period.year"));
  EXPECT_EQ(PeriodToMonthEnd(2024, 12)->cutoff, D(2024, 12, 31));
  EXPECT_EQ(PeriodToMonthEnd(2024, 4)->cutoff, D(2024, 4, 30));
  EXPECT_EQ(PeriodToMonthEnd(2024, 4)->start(), D(2024, 1, 1));
}

// What a recomputed count reads (store::metric_repo::FactsWindow::FlagsAt,
// docs/metrics.md "Recomputed dates"): on random patients with records over
// three years, the flags from the records dated Jan 1 .. cut-off alone, without
// notes, equal the flags of a full evaluation; and the notes need the rest (a
// failure here means the narrowed read would miscount).
TEST(EvaluatePatientTest, FlagsReadOnlyTheRecordsOfThePeriod) {
  std::mt19937 rng(20261207);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  auto dates = [&](int n) {
    std::vector<absl::CivilDay> out;
    for (int k = 0; k < n; ++k) out.push_back(D(2023, 1, 1) + pick(0, 3 * 365));
    std::sort(out.begin(), out.end());
    return out;
  };
  int notes_differ = 0;
  for (int i = 0; i < 2000; ++i) {
    PatientPeriodInput p;
    p.registered_on = D(2022, 6, 1) + pick(0, 900);
    p.diagnosis = pick(0, 1) ? DiagnosisCategory::kSchizophrenia : DiagnosisCategory::kBipolar;
    if (pick(0, 9) == 0) p.died_on = D(2023, 1, 1) + pick(0, 3 * 365);
    for (absl::CivilDay d : dates(pick(0, 14))) {
      VisitFact v;
      v.date = d;
      v.mode = static_cast<VisitMode>(pick(1, 3));
      v.risk_level = pick(-1, 3);
      if (v.risk_level == -1) v.risk_level.reset();
      v.final_class = static_cast<Classification>(pick(0, 3));
      v.adherence = static_cast<Adherence>(pick(0, 4));
      v.hospitalization = static_cast<Hospitalization>(pick(0, 3));
      if (pick(0, 6) == 0) v.lost_reason = LostReason::kWorkingAway;
      if (pick(0, 9) == 0) v.trouble = 1;
      if (pick(0, 9) == 0) v.minor_trouble = 1;
      p.visits.push_back(v);
    }
    p.health_checks = dates(pick(0, 3));
    p.rehab = dates(pick(0, 3));
    p.psych_support = dates(pick(0, 3));
    const ReportingPeriod period = PeriodAsOf(D(2023, 1, 1) + pick(0, 3 * 365));
    PatientPeriodInput narrow = p;
    auto in_period = [&](absl::CivilDay d) { return d >= period.start() && d <= period.cutoff; };
    narrow.visits.clear();
    for (const VisitFact& v : p.visits) {
      if (in_period(v.date)) narrow.visits.push_back(v);
    }
    for (auto* list : {&narrow.health_checks, &narrow.rehab, &narrow.psych_support}) {
      list->erase(std::remove_if(list->begin(), list->end(),
                                 [&](absl::CivilDay d) { return !in_period(d); }),
                  list->end());
    }
    const PatientMetrics full = EvaluatePatient(p, period);
    const PatientMetrics flags = EvaluatePatient(narrow, period, Notes::kWithout);
    EXPECT_EQ(StatusMask(flags), StatusMask(full)) << "patient " << i;
    EXPECT_TRUE(flags.notes.empty());
    const PatientMetrics narrow_notes = EvaluatePatient(narrow, period);
    EXPECT_EQ(StatusMask(narrow_notes), StatusMask(full));
    bool differ = narrow_notes.notes.size() != full.notes.size();
    for (size_t k = 0; !differ && k < full.notes.size(); ++k) {
      differ = narrow_notes.notes[k].text != full.notes[k].text;
    }
    notes_differ += differ ? 1 : 0;
  }
  // The notes do read earlier records: the narrowed read is for counts only.
  EXPECT_GT(notes_differ, 0);
}

}  // namespace
}  // namespace smd::domain
