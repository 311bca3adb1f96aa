#pragma once
// Management-rate metrics, part 3 of 4: rates from counts. StatusCounts are
// plain sums, so counts of regions and of patients can be added in any order;
// ComputeRates turns them into the rates of one rule set (rules.md §5.2;
// decisions "Resident population"). Pure.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/followup_rules.h"
#include "domain/metric_catalogue.h"
#include "domain/metric_status.h"

namespace smd::domain {

// ---------------------------------------------------------------------------------------
// Rates and aggregation (the plain-recomputation baseline)
// ---------------------------------------------------------------------------------------

struct Rate {
  int64_t numerator = 0;
  int64_t denominator = 0;      // 0 when unknown (no resident population)
  std::optional<double> value;  // in the unit; nullopt when the denominator is 0 or unknown
  std::optional<Target> target;
  // Whether value meets target (>= target; <= target when lower_is_better);
  // nullopt when there is no target or no value. Compared in integers:
  // numerator * scale * 10 against target.tenths * denominator.
  std::optional<bool> met;
};

// The rate `numerator` / `denominator` of indicator `def`. A missing or
// non-positive denominator gives no value: "unavailable", never 0 (decisions
// "Resident population"). Expects 0 <= numerator; numerator <= denominator
// holds for kPatients indicators.
Rate MakeRate(const IndicatorDef& def, int64_t numerator, std::optional<int64_t> denominator);

// How many patients hold each status. Plain sums: adding patients, or merging
// the counts of disjoint groups (regions), in any order gives the same counts.
struct StatusCounts {
  std::array<int64_t, kMaxMetricStatus + 1> count{};  // index: MetricStatus; [0] unused

  int64_t Get(MetricStatus s) const;  // 0 for kUnspecified or an unknown value
  void Add(const PatientMetrics& p);
  void Merge(const StatusCounts& other);
  bool operator==(const StatusCounts&) const = default;
};

StatusCounts CountStatuses(const std::vector<PatientMetrics>& patients);

struct IndicatorRate {
  Indicator indicator = Indicator::kUnspecified;
  MetricStatus numerator = MetricStatus::kUnspecified;    // as chosen by the rule set
  MetricStatus denominator = MetricStatus::kUnspecified;  // kUnspecified: population
  Rate rate;
};

// The rates of one period under one rule set. Every computed rate records the
// rule set that produced it (rules.md "Product decisions").
struct MetricReport {
  ReportingPeriod period;
  std::string rule_set;  // RuleSet::name
  std::vector<IndicatorRate> rates;

  // The rate of `id`, or nullptr when it is not in the report.
  const IndicatorRate* Find(Indicator id) const;
};

// The rate of every kPatients and kResidentPopulation indicator, in catalogue
// order, from `counts` (kExternal indicators are left out: their counts live
// elsewhere; use MakeRate). `resident_population` is the 常住人口 of the same
// region and year; when it is nullopt or not positive, 报告患病率 has numerator
// 在册, denominator 0 and no value.
MetricReport ComputeRates(const StatusCounts& counts, std::optional<int64_t> resident_population,
                          const ReportingPeriod& period, const RuleSet& rules);

// CountStatuses then ComputeRates: the plain recomputation from per-patient
// results.
MetricReport AggregateRates(const std::vector<PatientMetrics>& patients,
                            std::optional<int64_t> resident_population,
                            const ReportingPeriod& period, const RuleSet& rules);

}  // namespace smd::domain
