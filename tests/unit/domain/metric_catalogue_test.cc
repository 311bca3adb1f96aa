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

// ---------------------------------------------------------------------------------------
// The catalogue
// ---------------------------------------------------------------------------------------

TEST(MetricCatalogue, EveryIndicatorOnceInOrderWithUniqueCodes) {
  const std::vector<IndicatorDef>& c = IndicatorCatalogue();
  ASSERT_THAT(c, SizeIs(kMaxIndicator));
  std::set<std::string_view> codes;
  for (int i = 1; i <= kMaxIndicator; ++i) {
    const IndicatorDef& d = c[i - 1];
    EXPECT_EQ(static_cast<int>(d.id), i);
    EXPECT_TRUE(codes.insert(d.code).second) << d.code;
    EXPECT_FALSE(d.name_zh.empty());
    EXPECT_FALSE(d.name_en.empty());
    EXPECT_FALSE(d.definition.empty());
    EXPECT_EQ(d.source.substr(0, 8), "rules.md") << d.code;
    EXPECT_EQ(FindIndicator(d.id), &d);
    EXPECT_EQ(FindIndicatorByCode(d.code), &d);
    for (char ch : d.code) {
      EXPECT_TRUE((ch >= 'a' && ch <= 'z') || ch == '_') << d.code;
    }
    if (d.denominator_kind == DenominatorKind::kPatients) {
      EXPECT_NE(d.denominator, S::kUnspecified) << d.code;
      EXPECT_NE(d.numerator, S::kUnspecified) << d.code;
    }
    if (d.variant == MetricVariant::kNone) {
      EXPECT_EQ(d.numerator, d.numerator_variant) << d.code;
    }
  }
  EXPECT_EQ(FindIndicator(Indicator::kUnspecified), nullptr);
  EXPECT_EQ(FindIndicatorByCode("nope"), nullptr);
}

TEST(MetricCatalogue, PlanTargets) {
  auto target = [](Indicator id) { return FindIndicator(id)->target; };
  EXPECT_THAT(target(Indicator::kReportedPrevalence), Optional(Target{45}));
  EXPECT_EQ(FindIndicator(Indicator::kReportedPrevalence)->unit, RateUnit::kPerMille);
  EXPECT_THAT(target(Indicator::kManagementRate), Optional(Target{970}));
  EXPECT_THAT(target(Indicator::kStandardizedManagementRate), Optional(Target{950}));
  EXPECT_THAT(target(Indicator::kSchizophreniaTreatmentRate), Optional(Target{850}));
  EXPECT_THAT(target(Indicator::kAssessmentCoverage), Optional(Target{950}));
  EXPECT_THAT(target(Indicator::kCommunityRehabRate), Optional(Target{700}));
  EXPECT_THAT(target(Indicator::kPsychSupportCoverage), Optional(Target{700}));
  EXPECT_EQ(FindIndicatorByCode("psych_support_coverage")->id, Indicator::kPsychSupportCoverage);
  EXPECT_FALSE(target(Indicator::kMedicationRate).has_value());
  EXPECT_TRUE(FindIndicator(Indicator::kLostRate)->lower_is_better);
}

TEST(MetricCatalogue, RuleSetsChooseTheVariants) {
  const IndicatorDef& std_rate = *FindIndicator(Indicator::kStandardizedManagementRate);
  EXPECT_EQ(NumeratorStatus(std_rate, Jiangsu()), S::kStandardR1);
  EXPECT_EQ(NumeratorStatus(std_rate, National()), S::kStandardR2);
  const IndicatorDef& f20 = *FindIndicator(Indicator::kSchizophreniaMedicationRate);
  EXPECT_EQ(NumeratorStatus(f20, Jiangsu()), S::kSchizophreniaOnMedicationLast);
  EXPECT_EQ(NumeratorStatus(f20, National()), S::kSchizophreniaOnMedicationAny);
  EXPECT_EQ(f20.denominator, S::kSchizophreniaManaged);
  const IndicatorDef& mgmt = *FindIndicator(Indicator::kManagementRate);
  EXPECT_EQ(NumeratorStatus(mgmt, National()), S::kManaged);
}

TEST(MetricCatalogue, StatusNames) {
  for (int i = 1; i <= kMaxMetricStatus; ++i) {
    EXPECT_FALSE(MetricStatusName(static_cast<S>(i)).empty()) << i;
    EXPECT_FALSE(MetricStatusNameZh(static_cast<S>(i)).empty()) << i;
  }
  EXPECT_EQ(MetricStatusName(S::kStandardR1), "standard_r1");
  EXPECT_EQ(MetricStatusNameZh(S::kManaged), "在管");
  EXPECT_EQ(MetricStatusName(S::kUnspecified), "");
  EXPECT_EQ(MetricStatusName(static_cast<S>(99)), "");
}

}  // namespace
}  // namespace smd::domain
