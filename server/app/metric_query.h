#pragma once
// What every metrics call shares (app/metric_use_cases.h): the period as asked, resolved
// against rules.md "Reporting period"; the checked region; the call's rules; and the
// counts of a region and its children at the period's cut-off, from the kept rollups when
// a built set answers, else recomputed from the records (docs/metrics.md "How the figures
// are kept"). Used inside one RunCall transaction.

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "app/context.h"
#include "app/metric_use_cases.h"
#include "domain/access_policy.h"
#include "domain/metric_state.h"
#include "domain/metrics.h"

namespace smd::store {
class Tx;
}

namespace smd::app::metric_query {

// Today in Beijing, by the injected clock.
absl::CivilDay TodayBeijing(const Deps& deps);

struct Resolved {
  domain::ReportingPeriod period;
  int year = 0;
  int month = 0;  // the cut-off's month when it is a month end; 0 for a mid-month as-of
};
// rules.md "Reporting period": the year cumulative to a month end, or to an as-of date.
// INVALID_ARGUMENT on period.year, period.month, period.as_of.
absl::StatusOr<Resolved> ResolvePeriod(const MetricsQuery& q, absl::CivilDay today);

// The checked region (default: the caller's jurisdiction) after `action` on it.
absl::StatusOr<std::string> CheckRegion(const domain::Principal& who, const std::string& asked,
                                        domain::Action action);

// The rules of one metrics call: the deployment's, with the call's metric variant
// (docs/metrics.md "Variants per call"). Every status is kept under both variants, so the
// same rollups or recomputation serve either; only the choice of numerator differs.
domain::RuleSet CallRules(const Deps& deps, const MetricsQuery& q);

// The built set and cut-off slot that answer `r` (a month end of a year, or today), and
// whether the set that would answer is still being built (the answer, recomputed, says so).
struct SetState {
  std::optional<std::pair<domain::FigureSet, int>> kept;  // set only when built
  bool building = false;
};
absl::StatusOr<SetState> KeptSetFor(const Deps& deps, store::Tx& tx, const Resolved& r);

// Counts of the region and of each child (by the first ChildCodeLength(region) characters
// of the community counted in), from the rollups or recomputed.
struct Counted {
  domain::StatusCounts total;
  std::map<std::string, domain::StatusCounts> children;
  bool recomputed = false;
  bool building = false;
};
// A recomputation reads the region's rows under the region's own row-level scope (counts
// only, whatever the caller's scope): call it after the call's other patient reads.
absl::StatusOr<Counted> Count(const Deps& deps, store::Tx& tx, const std::string& region,
                              const Resolved& r);

}  // namespace smd::app::metric_query
