#include "domain/metric_rates.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace smd::domain {
namespace {

int64_t Scale(RateUnit u) {
  switch (u) {
    case RateUnit::kPercent:
      return 100;
    case RateUnit::kPerMille:
      return 1000;
    case RateUnit::kMinutes:
      break;
  }
  return 1;
}

}  // namespace

Rate MakeRate(const IndicatorDef& def, int64_t numerator, std::optional<int64_t> denominator) {
  Rate r;
  r.numerator = numerator;
  r.denominator = denominator.value_or(0) > 0 ? *denominator : 0;
  r.target = def.target;
  if (r.denominator == 0) return r;  // unavailable, not zero (decisions "Resident population")
  const int64_t scale = Scale(def.unit);
  r.value = static_cast<double>(numerator) * static_cast<double>(scale) /
            static_cast<double>(r.denominator);
  if (def.target) {
    // value >= target/10  <=>  numerator * scale * 10 >= target.tenths *
    // denominator, in integers. No overflow below 9e14 patients or 2e17
    // residents.
    const int64_t lhs = numerator * scale * 10;
    const int64_t rhs = def.target->tenths * r.denominator;
    r.met = def.lower_is_better ? lhs <= rhs : lhs >= rhs;
  }
  return r;
}

int64_t StatusCounts::Get(MetricStatus s) const {
  return IsKnownMetricStatus(s) ? count[static_cast<int>(s)] : 0;
}

void StatusCounts::Add(const PatientMetrics& p) {
  for (int i = 1; i <= kMaxMetricStatus; ++i) {
    if (p.Has(static_cast<MetricStatus>(i))) ++count[i];
  }
}

void StatusCounts::Merge(const StatusCounts& other) {
  for (int i = 1; i <= kMaxMetricStatus; ++i) count[i] += other.count[i];
}

StatusCounts CountStatuses(const std::vector<PatientMetrics>& patients) {
  StatusCounts c;
  for (const PatientMetrics& p : patients) c.Add(p);
  return c;
}

const IndicatorRate* MetricReport::Find(Indicator id) const {
  for (const IndicatorRate& r : rates) {
    if (r.indicator == id) return &r;
  }
  return nullptr;
}

MetricReport ComputeRates(const StatusCounts& counts, std::optional<int64_t> resident_population,
                          const ReportingPeriod& period, const RuleSet& rules) {
  MetricReport report;
  report.period = period;
  report.rule_set = rules.name;
  for (const IndicatorDef& def : IndicatorCatalogue()) {
    if (def.denominator_kind == DenominatorKind::kExternal) continue;
    IndicatorRate ir;
    ir.indicator = def.id;
    ir.numerator = NumeratorStatus(def, rules);
    ir.denominator = def.denominator;
    const std::optional<int64_t> den = def.denominator_kind == DenominatorKind::kResidentPopulation
                                           ? resident_population
                                           : std::optional<int64_t>(counts.Get(def.denominator));
    ir.rate = MakeRate(def, counts.Get(ir.numerator), den);
    report.rates.push_back(ir);
  }
  return report;
}

MetricReport AggregateRates(const std::vector<PatientMetrics>& patients,
                            std::optional<int64_t> resident_population,
                            const ReportingPeriod& period, const RuleSet& rules) {
  return ComputeRates(CountStatuses(patients), resident_population, period, rules);
}

}  // namespace smd::domain
