// Why a patient misses an indicator (domain/metric_reasons.h): a reason for
// every patient in a denominator and not in the numerator, F20 indicators and
// adverse ones included.

#include "domain/metric_reasons.h"

#include <random>
#include <string>
#include <vector>

#include "domain/followup_rules.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace smd::domain {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using S = MetricStatus;

absl::CivilDay D(int y, int m, int d) { return absl::CivilDay(y, m, d); }

VisitFact Visit(absl::CivilDay d, Adherence a) {
  VisitFact v;
  v.date = d;
  v.mode = VisitMode::kHome;
  v.risk_level = 0;
  v.final_class = Classification::kStable;
  v.adherence = a;
  v.hospitalization = Hospitalization::kNever;
  return v;
}

PatientPeriodInput F20(std::vector<VisitFact> visits) {
  PatientPeriodInput p;
  p.registered_on = D(2020, 5, 1);
  p.diagnosis = DiagnosisCategory::kSchizophrenia;
  p.visits = std::move(visits);
  return p;
}

const ReportingPeriod kYear = PeriodAsOf(D(2024, 12, 31));

// 精神分裂症服药率: an F20 patient 在管 whose last visit records 不服药 misses
// it. The F20 statuses have no note of their own; the reason is the 服药 note.
TEST(MissingReasonTest, SchizophreniaMedicationNamesTheLastVisit) {
  const PatientMetrics m = EvaluatePatient(
      F20({Visit(D(2024, 3, 1), Adherence::kRegular), Visit(D(2024, 9, 1), Adherence::kNotTaking)}),
      kYear);
  ASSERT_TRUE(m.schizophrenia_managed);
  ASSERT_FALSE(m.schizophrenia_on_medication_last);
  EXPECT_EQ(m.NoteFor(S::kSchizophreniaOnMedicationLast), nullptr) << "the old gap";
  EXPECT_THAT(MissingReason(m, S::kSchizophreniaOnMedicationLast),
              HasSubstr("末次随访2024-09-01记录为不服药"));
  // Any record: the March visit was 规律, so the patient is counted under that
  // rule.
  EXPECT_TRUE(m.schizophrenia_on_medication_any);
  EXPECT_THAT(MissingReason(m, S::kSchizophreniaOnMedicationAny), IsEmpty());
  // 治疗率 (last visit): its own note.
  EXPECT_THAT(MissingReason(m, S::kSchizophreniaTreatedLast), HasSubstr("本期无住院"));
}

TEST(MissingReasonTest, AdverseStatusesSayWhatWasRecorded) {
  const PatientMetrics reached =
      EvaluatePatient(F20({Visit(D(2024, 3, 1), Adherence::kRegular)}), kYear);
  EXPECT_EQ(MissingReason(reached, S::kLost),
            "本期末次随访已访到患者 (the latest follow-up in the period "
            "reached the patient)");
  EXPECT_THAT(MissingReason(reached, S::kIncident), HasSubstr("未报告肇事或肇祸"));
  EXPECT_THAT(MissingReason(reached, S::kMinorTrouble), HasSubstr("未报告轻度滋事"));
  const PatientMetrics none = EvaluatePatient(F20({}), kYear);
  EXPECT_THAT(MissingReason(none, S::kLost), HasSubstr("本期无随访记录"));
}

TEST(MissingReasonTest, NotRegisteredAndNotF20) {
  PatientPeriodInput dead = F20({});
  dead.died_on = D(2023, 6, 1);
  const PatientMetrics d = EvaluatePatient(dead, kYear);
  EXPECT_EQ(MissingReason(d, S::kManaged), d.NoteFor(S::kRegistered)->text);
  PatientPeriodInput other = F20({Visit(D(2024, 3, 1), Adherence::kRegular)});
  other.diagnosis = DiagnosisCategory::kBipolar;
  EXPECT_THAT(MissingReason(EvaluatePatient(other, kYear), S::kSchizophreniaRegistered),
              HasSubstr("不是精神分裂症"));
}

// Random patients: for every patient indicator under both rule sets, every
// patient in the denominator and not in the numerator has a reason, and a
// counted one has none.
TEST(MissingReasonTest, EveryMissingPatientHasAReason) {
  std::mt19937 rng(20261206);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int checked = 0;
  for (int i = 0; i < 400; ++i) {
    PatientPeriodInput p;
    p.registered_on = D(2023, 1, 1) + pick(0, 700);
    p.diagnosis = pick(0, 1) ? DiagnosisCategory::kSchizophrenia : DiagnosisCategory::kBipolar;
    if (pick(0, 9) == 0) p.died_on = D(2024, 1, 1) + pick(0, 365);
    const int n = pick(0, 6);
    for (int v = 0; v < n; ++v) {
      VisitFact f = Visit(D(2024, 1, 1) + pick(-60, 365), static_cast<Adherence>(pick(1, 4)));
      switch (pick(0, 6)) {
        case 0:
          f.lost_reason = LostReason::kWorkingAway;
          f.risk_level = -1;
          f.final_class = Classification::kNone;
          break;
        case 1:
          f.hospitalization = Hospitalization::kCurrently;
          break;
        case 2:
          f.final_class = Classification::kBasicallyStable;
          f.risk_level = 1;
          break;
        case 3:
          f.trouble = 1;
          break;
        default:
          break;
      }
      p.visits.push_back(f);
    }
    if (pick(0, 3) == 0) p.health_checks.push_back(D(2024, 1, 1) + pick(0, 365));
    const ReportingPeriod period = PeriodAsOf(D(2024, pick(1, 12), 28));
    const PatientMetrics m = EvaluatePatient(p, period);
    for (const RuleSet* rules : {&DefaultRuleSet(), FindRuleSet("national-2018")}) {
      for (const IndicatorDef& def : IndicatorCatalogue()) {
        if (def.denominator_kind == DenominatorKind::kExternal) continue;
        const S num = NumeratorStatus(def, *rules);
        const S den = def.denominator == S::kUnspecified ? S::kRegistered : def.denominator;
        if (!m.Has(den)) continue;
        if (m.Has(num)) {
          EXPECT_THAT(MissingReason(m, num), IsEmpty());
        } else {
          EXPECT_FALSE(MissingReason(m, num).empty()) << def.code << " patient " << i;
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 1000);
}

}  // namespace
}  // namespace smd::domain
