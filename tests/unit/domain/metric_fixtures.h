#pragma once
// Shared fixtures of the management-rate metric unit tests (metric_*_test.cc):
// synthetic patients and visits, the rules.md §11.2 example populations, and
// small accessors.

#include <string>
#include <utility>
#include <vector>

#include "domain/followup_rules.h"
#include "domain/metrics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "unit/domain/test_helpers.h"

namespace smd::domain::metric_fixtures {

using S = MetricStatus;
using C = Classification;

inline absl::CivilDay D(int y, int m, int d) { return absl::CivilDay(y, m, d); }

// The period of rules.md §11.2: 2024-01-01 → 2024-12-31.
inline ReportingPeriod Year2024() { return PeriodAsOf(D(2024, 12, 31)); }

inline const RuleSet& Jiangsu() { return DefaultRuleSet(); }
inline const RuleSet& National() { return *FindRuleSet("national-2018"); }

// A valid, fully assessed follow-up (synthetic).
inline VisitFact Visit(absl::CivilDay d, Adherence a = Adherence::kRegular, C c = C::kStable,
                       VisitMode mode = VisitMode::kHome,
                       Hospitalization h = Hospitalization::kNever) {
  VisitFact v;
  v.date = d;
  v.mode = mode;
  v.risk_level = c == C::kUnstable ? 3 : (c == C::kBasicallyStable ? 1 : 0);
  v.final_class = c;
  v.adherence = a;
  v.hospitalization = h;
  return v;
}

// A record that says only "目前正在住院" (no risk assessment): counts as 在管
// (rules.md S7).
inline VisitFact InHospital(absl::CivilDay d) {
  VisitFact v;
  v.date = d;
  v.mode = VisitMode::kPhone;
  v.hospitalization = Hospitalization::kCurrently;
  return v;
}

inline VisitFact Failed(absl::CivilDay d, LostReason r = LostReason::kWorkingAway) {
  VisitFact v;
  v.date = d;
  v.mode = VisitMode::kHome;
  v.lost_reason = r;
  return v;
}

inline PatientPeriodInput PatientWith(std::vector<VisitFact> visits,
                                      absl::CivilDay registered = D(2020, 5, 1)) {
  PatientPeriodInput p;
  p.registered_on = registered;
  p.diagnosis = DiagnosisCategory::kBipolar;
  p.jurisdiction = "320106001003";
  p.visits = std::move(visits);
  return p;
}

// Visits on the given dates of 2024, all valid.
inline PatientPeriodInput VisitsOn(std::vector<std::pair<int, int>> month_days) {
  std::vector<VisitFact> v;
  for (auto [m, d] : month_days) v.push_back(Visit(D(2024, m, d)));
  return PatientWith(std::move(v));
}

inline std::string Note(const PatientMetrics& m, S s) {
  const StatusNote* n = m.NoteFor(s);
  return n == nullptr ? "<none>" : n->text;
}

// A copy, so that it may be taken from a temporary report.
inline IndicatorRate RateOf(const MetricReport& r, Indicator id) {
  const IndicatorRate* ir = r.Find(id);
  EXPECT_NE(ir, nullptr);
  return ir == nullptr ? IndicatorRate{} : *ir;
}

// M3 patients A-E.
inline std::vector<PatientPeriodInput> M3Patients() {
  return {
      VisitsOn({{1, 15}, {4, 10}, {7, 8}, {10, 20}}),           // A
      VisitsOn({{2, 5}, {5, 6}, {8, 7}, {12, 1}}),              // B
      VisitsOn({{3, 20}, {6, 18}, {9, 16}, {12, 16}}),          // C
      VisitsOn({{1, 10}, {3, 10}, {5, 10}, {7, 10}, {9, 10}}),  // D
      VisitsOn({{2, 1}, {8, 1}}),                               // E
  };
}

}  // namespace smd::domain::metric_fixtures
