#include <cstdint>
#include <set>
#include <string>
#include <vector>

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

TEST(MetricNotes, NotesUnderPickTheRuleSetsVariants) {
  const PatientMetrics e = EvaluatePatient(M3Patients()[4], Year2024());  // E: R1 ✗, R2 ✗
  auto statuses = [&](const RuleSet& rules) {
    std::set<S> out;
    for (const StatusNote* n : NotesUnder(e, rules)) out.insert(n->status);
    return out;
  };
  const std::set<S> js = statuses(Jiangsu());
  const std::set<S> nat = statuses(National());
  EXPECT_TRUE(js.count(S::kStandardR1));
  EXPECT_FALSE(js.count(S::kStandardR2));
  EXPECT_TRUE(nat.count(S::kStandardR2));
  EXPECT_FALSE(nat.count(S::kStandardR1));
  EXPECT_TRUE(js.count(S::kHealthChecked));
}

TEST(MetricNotes, ACompletePatientHasNoNotes) {
  PatientPeriodInput p = VisitsOn({{1, 15}, {3, 15}, {5, 15}, {7, 15}, {9, 15}, {11, 15}});
  p.health_checks = {D(2024, 6, 1)};
  p.rehab = {D(2024, 6, 2)};
  p.psych_support = {D(2024, 6, 3)};
  p.diagnosis = DiagnosisCategory::kSchizophrenia;
  const PatientMetrics m = EvaluatePatient(p, Year2024());
  EXPECT_THAT(m.notes, IsEmpty());
  for (S s : {S::kRegistered,
              S::kManaged,
              S::kStandardR1,
              S::kStandardR2,
              S::kOnMedicationLast,
              S::kOnMedicationAny,
              S::kRegularMedication,
              S::kAtHome,
              S::kHomeStable,
              S::kFaceToFace,
              S::kHealthChecked,
              S::kAssessedClassified,
              S::kCommunityRehab,
              S::kSchizophreniaRegistered,
              S::kSchizophreniaManaged,
              S::kSchizophreniaOnMedicationLast,
              S::kSchizophreniaOnMedicationAny,
              S::kSchizophreniaTreatedLast,
              S::kSchizophreniaTreatedAny,
              S::kPsychSupport}) {
    EXPECT_TRUE(m.Has(s)) << MetricStatusName(s);
  }
  EXPECT_FALSE(m.lost);
  EXPECT_FALSE(m.hospitalised);
}

// A visit entered with a date before the registration date (a late registration
// entry) makes the patient 在管 but gives R1 no visit after its start anchor:
// the note says so instead of naming no gap.
TEST(MetricNotes, R1WithOnlyAVisitBeforeRegistration) {
  const PatientMetrics m =
      EvaluatePatient(PatientWith({Visit(D(2024, 3, 1))}, D(2024, 6, 1)), Year2024());
  EXPECT_TRUE(m.managed);
  EXPECT_FALSE(m.standard_r1);
  EXPECT_EQ(Note(m, S::kStandardR1), "建档后无有效随访 (no valid follow-up since registration)");
}

}  // namespace
}  // namespace smd::domain
