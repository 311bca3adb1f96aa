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

TEST(MetricRates, ExternalIndicatorsThroughMakeRate) {
  const IndicatorDef& ack = *FindIndicator(Indicator::kAlertAckTime);
  EXPECT_EQ(ack.denominator_kind, DenominatorKind::kExternal);
  const Rate r = MakeRate(ack, 300, 10);  // 300 minutes over 10 acknowledgements
  EXPECT_THAT(r.value, Optional(30.0));
  EXPECT_FALSE(r.met.has_value());
  // External indicators are not in a computed report.
  const MetricReport report = ComputeRates(StatusCounts{}, std::nullopt, Year2024(), Jiangsu());
  EXPECT_EQ(report.Find(Indicator::kCareTeamCoverage), nullptr);
  EXPECT_THAT(report.rates,
              SizeIs(16));  // 15 of rules.md §5.2 and 心理疏导覆盖率 (issue 14)
  // An empty denominator: no value, not 0%.
  const Rate mgmt = RateOf(report, Indicator::kManagementRate).rate;
  EXPECT_EQ(mgmt.denominator, 0);
  EXPECT_FALSE(mgmt.value.has_value());
  EXPECT_FALSE(mgmt.met.has_value());
}

TEST(MetricRates, ExactTargetBoundary) {
  const IndicatorDef& mgmt = *FindIndicator(Indicator::kManagementRate);
  EXPECT_THAT(MakeRate(mgmt, 97, 100).met, Optional(true));
  EXPECT_THAT(MakeRate(mgmt, 96, 100).met, Optional(false));
  EXPECT_THAT(MakeRate(mgmt, 291, 300).met, Optional(true));   // 97.0% exactly
  EXPECT_THAT(MakeRate(mgmt, 290, 300).met, Optional(false));  // 96.67%
}

// ---------------------------------------------------------------------------------------
// Properties over synthetic populations
// ---------------------------------------------------------------------------------------

// A small deterministic generator (no std::random: the sequence is the same
// everywhere).
class Lcg {
 public:
  explicit Lcg(uint64_t seed) : s_(seed) {}
  int Next(int n) {
    s_ = s_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int>((s_ >> 33) % static_cast<uint64_t>(n));
  }

 private:
  uint64_t s_;
};

PatientPeriodInput RandomPatient(Lcg& g) {
  PatientPeriodInput p;
  p.registered_on = D(2023, 1, 1) + g.Next(730);
  p.diagnosis = static_cast<DiagnosisCategory>(1 + g.Next(6));
  if (g.Next(10) == 0) p.died_on = D(2023, 6, 1) + g.Next(700);
  if (g.Next(10) == 0) p.moved_out_on = D(2023, 6, 1) + g.Next(700);
  const int n = g.Next(8);
  absl::CivilDay d = D(2023, 10, 1) + g.Next(60);
  for (int i = 0; i < n; ++i) {
    d += 10 + g.Next(120);
    VisitFact v;
    v.date = d;
    v.mode = static_cast<VisitMode>(1 + g.Next(3));
    const int kind = g.Next(10);
    if (kind == 0) {
      v.lost_reason = static_cast<LostReason>(1 + g.Next(5));
    } else if (kind == 1) {
      v.hospitalization = Hospitalization::kCurrently;
    } else {
      v.risk_level = g.Next(6);
      v.final_class = static_cast<C>(1 + g.Next(3));
      v.adherence = static_cast<Adherence>(1 + g.Next(4));
      v.hospitalization = static_cast<Hospitalization>(1 + g.Next(3));
      v.trouble = g.Next(20) == 0 ? 1 : 0;
      v.accident = g.Next(40) == 0 ? 1 : 0;
      v.minor_trouble = g.Next(15) == 0 ? 1 : 0;
    }
    p.visits.push_back(v);
  }
  if (g.Next(2) == 0) p.health_checks.push_back(D(2024, 1, 1) + g.Next(400));
  if (g.Next(3) == 0) p.rehab.push_back(D(2024, 1, 1) + g.Next(400));
  if (g.Next(3) == 0) p.psych_support.push_back(D(2024, 1, 1) + g.Next(400));
  return p;
}

// Every numerator is a subset of its denominator under both rule sets and every
// cut-off, every status implies 在册, the counts are plain sums, and evaluation
// is deterministic.
TEST(MetricProperties, NumeratorsAreSubsetsAndCountsAdd) {
  Lcg g(20240531);
  std::vector<PatientPeriodInput> inputs;
  for (int i = 0; i < 600; ++i) inputs.push_back(RandomPatient(g));
  for (int month = 1; month <= 12; ++month) {
    const ReportingPeriod period = *PeriodToMonthEnd(2024, month);
    std::vector<PatientMetrics> all;
    StatusCounts halves[2];
    for (size_t i = 0; i < inputs.size(); ++i) {
      PatientMetrics m = EvaluatePatient(inputs[i], period);
      const PatientMetrics again = EvaluatePatient(inputs[i], period);
      ASSERT_EQ(m.notes.size(), again.notes.size());
      for (size_t k = 0; k < m.notes.size(); ++k) EXPECT_EQ(m.notes[k].text, again.notes[k].text);
      for (int s = 2; s <= kMaxMetricStatus; ++s) {
        if (m.Has(static_cast<S>(s))) {
          EXPECT_TRUE(m.registered);
        }
      }
      EXPECT_TRUE(!m.standard_r1 || m.managed);
      for (const RuleSet* rules : {&Jiangsu(), &National()}) {
        for (const IndicatorDef& d : IndicatorCatalogue()) {
          if (d.denominator_kind != DenominatorKind::kPatients) continue;
          if (m.Has(NumeratorStatus(d, *rules))) {
            EXPECT_TRUE(m.Has(d.denominator)) << d.code << " patient " << i;
          }
        }
      }
      halves[i % 2].Add(m);
      all.push_back(std::move(m));
    }
    StatusCounts merged = halves[1];
    merged.Merge(halves[0]);
    EXPECT_EQ(merged, CountStatuses(all));
    if (month == 12) {  // the generator reaches every status (guards the test itself)
      for (int s = 1; s <= kMaxMetricStatus; ++s) {
        EXPECT_GT(merged.Get(static_cast<S>(s)), 0) << MetricStatusName(static_cast<S>(s));
        EXPECT_LT(merged.Get(static_cast<S>(s)), merged.Get(S::kRegistered) + (s == 1))
            << MetricStatusName(static_cast<S>(s));
      }
    }
  }
}

}  // namespace
}  // namespace smd::domain
