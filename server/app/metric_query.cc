#include "app/metric_query.h"

#include "common/status_macros.h"
#include "domain/access_policy.h"
#include "domain/dates.h"
#include "domain/errors.h"
#include "domain/region.h"
#include "store/metric_repository.h"
#include "store/scope.h"

namespace smd::app::metric_query {
namespace {

using domain::FieldError;

absl::CivilDay MonthEnd(int year, int month) {
  return absl::CivilDay(absl::CivilMonth(year, month) + 1) - 1;
}

// The kept set and cut-off slot that answer `r`, if a set can: a month end of a year, or
// today (docs/metrics.md "How the figures are kept").
std::optional<std::pair<domain::FigureSet, int>> SetFor(const Resolved& r, absl::CivilDay today) {
  if (r.month != 0) return std::make_pair(domain::FigureSet::Year(r.year), r.month);
  if (r.period.cutoff == today) return std::make_pair(domain::FigureSet::Day(today), 1);
  return std::nullopt;
}

}  // namespace

absl::CivilDay TodayBeijing(const Deps& deps) {
  return absl::ToCivilDay(deps.clock.Now(), absl::FixedTimeZone(8 * 3600));
}

absl::StatusOr<Resolved> ResolvePeriod(const MetricsQuery& q, absl::CivilDay today) {
  Resolved r;
  if (q.as_of) {
    const absl::CivilDay d = *q.as_of;
    if (d < domain::kEarliestRecordDate || d > today) {
      return FieldError("period.as_of", "统计截止日期须在2000-01-01至今天之间",
                        "must be between 2000-01-01 and today");
    }
    if (q.year != 0 && q.year != d.year()) {
      return FieldError("period.year", "与截止日期的年份不一致",
                        "differs from the as-of date's year");
    }
    r.period = domain::PeriodAsOf(d);
    r.year = static_cast<int>(d.year());
    r.month = (d + 1).month() != d.month() ? d.month() : 0;
    return r;
  }
  if (q.year < domain::kEarliestRecordDate.year() || q.year > today.year()) {
    return FieldError("period.year", "统计年份须在2000年至今年之间",
                      "must be between 2000 and the current year");
  }
  if (q.month < 0 || q.month > 12) {
    return FieldError("period.month", "月份须为1-12（0表示全年）",
                      "must be 1..12 (0: the whole year)");
  }
  r.year = q.year;
  r.month = q.month == 0 ? 12 : q.month;
  r.period = domain::PeriodAsOf(MonthEnd(r.year, r.month));
  return r;
}

absl::StatusOr<std::string> CheckRegion(const domain::Principal& who, const std::string& asked,
                                        domain::Action action) {
  const std::string region = asked.empty() ? who.jurisdiction : asked;
  RETURN_IF_ERROR(domain::CheckRegionCode("region", region, domain::RegionLevel::kInvalid));
  RETURN_IF_ERROR(domain::Authorize(who, action, region));
  return region;
}

domain::RuleSet CallRules(const Deps& deps, const MetricsQuery& q) {
  return domain::WithMetricChoice(deps.rules, q.variant);
}

absl::StatusOr<SetState> KeptSetFor(const Deps& deps, store::Tx& tx, const Resolved& r) {
  SetState out;
  const auto want = SetFor(r, TodayBeijing(deps));
  if (!want) return out;
  ASSIGN_OR_RETURN(std::vector<store::metric_repo::KeptSet> sets, store::metric_repo::ListSets(tx));
  for (const auto& k : sets) {
    if (!(k.set == want->first)) continue;
    if (k.built) out.kept = want;
    out.building = !k.built;
  }
  return out;
}

absl::StatusOr<Counted> Count(const Deps& deps, store::Tx& tx, const std::string& region,
                              const Resolved& r) {
  Counted out;
  const int child_len = domain::ChildCodeLength(region);
  ASSIGN_OR_RETURN(SetState st, KeptSetFor(deps, tx, r));
  if (st.kept) {
    ASSIGN_OR_RETURN(auto rows, store::metric_repo::Rollup(
                                    tx, st.kept->first, st.kept->second, region,
                                    child_len ? child_len : static_cast<int>(region.size())));
    for (const auto& row : rows) {
      out.total.Merge(row.counts);
      if (child_len) out.children[row.code].Merge(row.counts);
    }
    return out;
  }
  out.building = st.building;
  // The plain recomputation: every patient now in the region, evaluated at the cut-off.
  // (A patient who moved out of the region during the year is counted where they are.)
  // The rows are read under the region's own row-level scope: the caller was authorized
  // for metrics.read on `region` and gets counts only, whatever its own scope (the health
  // committee's is empty: it may not read patients). Patient-reading statements after this
  // one in the call see the region's rows too, so Count is the call's last patient read.
  out.recomputed = true;
  RETURN_IF_ERROR(store::SetScope(tx, region));
  // Counts read the flags only: no notes, and only the records the flags read
  // (FactsWindow::FlagsAt; docs/metrics.md "Recomputed dates").
  RETURN_IF_ERROR(store::metric_repo::ForEachFacts(
      tx, region,
      [&](domain::PatientFacts& f) -> absl::StatusOr<bool> {
        const domain::PatientMetrics pm =
            domain::EvaluatePatient(f.input, r.period, domain::Notes::kWithout);
        if (!pm.registered) return true;
        const std::string community = domain::CommunityAt(f, r.period.cutoff);
        if (community.rfind(region, 0) != 0) return true;
        out.total.Add(pm);
        if (child_len) out.children[community.substr(0, child_len)].Add(pm);
        return true;
      },
      "", store::metric_repo::FactsWindow::FlagsAt(r.period.cutoff)));
  return out;
}

}  // namespace smd::app::metric_query
