#include "app/metric_use_cases.h"

// MetricUseCases::Get and Trend: the figures of a region and its children
// (app/metric_use_cases.h). The patient list, the CSV export and the builds are in
// app/metric_patient_list.cc, app/metric_csv.cc and app/metric_builds.cc.
#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "app/metric_query.h"
#include "app/network_use_cases.h"
#include "common/status_macros.h"
#include "domain/errors.h"
#include "domain/region.h"
#include "store/metric_repository.h"
#include "store/region_repository.h"

namespace smd::app {
namespace {

using domain::FieldError;
using metric_query::Counted;
using metric_query::Resolved;

int ChildLength(const std::string& region) { return domain::ChildCodeLength(region); }

// 常住人口 of `code` in `year`, from `subtree` (which holds the code and its children): its
// own figure, else the sum of its children's when every child region has one; nullopt
// otherwise (prevalence "unavailable"). Children by code shape, not by parent link: a
// district created before its city has no link but is still the city's.
std::optional<int64_t> Population(const std::vector<store::RegionRow>& subtree,
                                  const std::string& code, int year) {
  auto in_year = [year](const store::RegionRow& r) -> std::optional<int64_t> {
    for (const auto& [y, residents] : r.population) {
      if (y == year) return residents;
    }
    return std::nullopt;
  };
  const size_t child_len = static_cast<size_t>(domain::ChildCodeLength(code));
  int64_t children = 0, sum = 0;
  bool every_child = true;
  for (const store::RegionRow& r : subtree) {
    if (r.code == code) {
      if (const auto own = in_year(r)) return own;
    } else if (r.code.size() == child_len && r.code.compare(0, code.size(), code) == 0) {
      ++children;
      const auto c = in_year(r);
      every_child = every_child && c.has_value();
      sum += c.value_or(0);
    }
  }
  if (child_len == 0 || children == 0 || !every_child) return std::nullopt;
  return sum;
}

RegionMetricsRow Row(const std::vector<store::RegionRow>& subtree, const domain::RuleSet& rules,
                     const store::RegionRow& region, const domain::StatusCounts& counts,
                     const Resolved& r) {
  RegionMetricsRow row;
  row.code = region.code;
  row.name = region.name;
  row.population = Population(subtree, region.code, r.year);
  row.report = domain::ComputeRates(counts, row.population, r.period, rules);
  return row;
}

// The indicators counted outside the patient state (docs/metrics.md): care-team coverage
// (current state) and the mean alert delivery and acknowledgement times in the period.
void AddExternal(domain::MetricReport& report, const store::metric_repo::ExternalCounts& c) {
  auto add = [&](domain::Indicator id, int64_t num, int64_t den) {
    const domain::IndicatorDef* def = domain::FindIndicator(id);
    if (def == nullptr) return;
    domain::IndicatorRate ir;
    ir.indicator = id;
    ir.rate = domain::MakeRate(*def, num, den);
    report.rates.push_back(ir);
  };
  add(domain::Indicator::kCareTeamCoverage, c.team_covered, c.team_needing);
  add(domain::Indicator::kAlertDeliveryTime, c.delivery_minutes, c.delivered);
  add(domain::Indicator::kAlertAckTime, c.ack_minutes, c.acknowledged);
  add(domain::Indicator::kAlertGapRate, c.alerts_with_gap, c.alerts_raised);
}

absl::StatusOr<MetricsResult> Compute(const Deps& deps, RegionTreeCache& tree, store::Tx& tx,
                                      const std::string& region, const Resolved& r,
                                      const domain::RuleSet& rules) {
  MetricsResult res;
  res.period = r.period;
  res.rules = rules;
  ASSIGN_OR_RETURN(Counted counted, metric_query::Count(deps, tx, region, r));
  res.recomputed = counted.recomputed;
  res.building = counted.building;
  const int child_len = ChildLength(region);
  // The region's subtree once, to its communities (names, populations, and the network's
  // region counts).
  ASSIGN_OR_RETURN(const RegionTreeCache::Rows rows, tree.Subtree(tx, region, 12));
  const std::vector<store::RegionRow>& subtree = *rows;
  store::RegionRow own{region, "", 0, "", {}};
  for (const auto& reg : subtree) {
    if (reg.code == region) own = reg;
  }
  res.region = Row(subtree, rules, own, counted.total, r);
  ASSIGN_OR_RETURN(auto external,
                   store::metric_repo::External(
                       tx, region, child_len ? child_len : static_cast<int>(region.size()),
                       r.period.start(), r.period.cutoff));
  store::metric_repo::ExternalCounts total;
  for (const auto& [code, c] : external) total.Merge(c);
  AddExternal(res.region.report, total);
  // The service network (issue 14 point 5): sites active at the cut-off, the year's
  // entered counts and the year's targets; not patient data, so the same for every reader.
  ASSIGN_OR_RETURN(NetworkInputs net, LoadNetworkInputs(tx, region, subtree));
  // The region counts of the region and of every child in one walk of the subtree, not
  // one walk per child (issue 15: a province's ~14 children each walked ~12,000 codes).
  const domain::SubtreeLevelCounts levels = domain::CountRegionLevels(region, net.regions);
  res.region.network = domain::ComputeNetworkRates(region, levels.total, net.sites, net.counts,
                                                   net.targets, r.period.cutoff);
  // Every child region, with or without patients: a street with none shows zeros.
  for (const auto& reg : subtree) {
    if (static_cast<int>(reg.code.size()) != child_len) continue;
    auto it = counted.children.find(reg.code);
    RegionMetricsRow row = Row(
        subtree, rules, reg, it == counted.children.end() ? domain::StatusCounts{} : it->second, r);
    auto ext = external.find(reg.code);
    AddExternal(row.report,
                ext == external.end() ? store::metric_repo::ExternalCounts{} : ext->second);
    row.network = domain::ComputeNetworkRates(reg.code, levels.Child(reg.code), net.sites,
                                              net.counts, net.targets, r.period.cutoff);
    res.children.push_back(std::move(row));
  }
  return res;
}

}  // namespace

absl::StatusOr<MetricsResult> MetricUseCases::Get(const CallMeta& meta, const MetricsQuery& q) {
  MetricsResult out;
  RETURN_IF_ERROR(RunCall(
      deps_, meta,
      [&](store::Tx& tx, const domain::Principal& who, AuditNote& note) -> absl::Status {
        ASSIGN_OR_RETURN(std::string region,
                         metric_query::CheckRegion(who, q.region, domain::Action::kMetricsRead));
        ASSIGN_OR_RETURN(Resolved r,
                         metric_query::ResolvePeriod(q, metric_query::TodayBeijing(deps_)));
        ASSIGN_OR_RETURN(
            out, Compute(deps_, region_tree_, tx, region, r, metric_query::CallRules(deps_, q)));
        note.detail =
            absl::StrCat("region=", region, " cutoff=", absl::FormatCivilTime(r.period.cutoff),
                         out.recomputed ? " recomputed" : " rollup", " rule_set=", out.rules.name);
        return absl::OkStatus();
      }));
  return out;
}

absl::StatusOr<TrendResult> MetricUseCases::Trend(const CallMeta& meta, const MetricsQuery& q,
                                                  const std::string& code) {
  TrendResult out;
  RETURN_IF_ERROR(RunCall(
      deps_, meta,
      [&](store::Tx& tx, const domain::Principal& who, AuditNote& note) -> absl::Status {
        ASSIGN_OR_RETURN(std::string region,
                         metric_query::CheckRegion(who, q.region, domain::Action::kMetricsRead));
        const domain::IndicatorDef* def = domain::FindIndicatorByCode(code);
        if (def == nullptr || def->denominator_kind == domain::DenominatorKind::kExternal) {
          return FieldError("indicator", "未知指标", "unknown indicator");
        }
        const absl::CivilDay today = metric_query::TodayBeijing(deps_);
        MetricsQuery mq = q;
        mq.as_of.reset();
        if (mq.month == 0) mq.month = mq.year == today.year() ? today.month() : 12;
        ASSIGN_OR_RETURN(Resolved last, metric_query::ResolvePeriod(mq, today));
        out.region = region;
        out.indicator = def;
        out.rules = metric_query::CallRules(deps_, q);
        ASSIGN_OR_RETURN(
            const RegionTreeCache::Rows rows,
            region_tree_.Subtree(tx, region,
                                 std::max<int>(domain::ChildCodeLength(region), region.size())));
        const std::vector<store::RegionRow>& subtree = *rows;
        for (int m = 1; m <= last.month; ++m) {
          MetricsQuery one = mq;
          one.month = m;
          ASSIGN_OR_RETURN(Resolved r, metric_query::ResolvePeriod(one, today));
          ASSIGN_OR_RETURN(Counted c, metric_query::Count(deps_, tx, region, r));
          const domain::MetricReport rep = domain::ComputeRates(
              c.total, Population(subtree, region, r.year), r.period, out.rules);
          if (const domain::IndicatorRate* ir = rep.Find(def->id)) out.points.push_back({m, *ir});
        }
        note.detail = absl::StrCat("region=", region, " indicator=", code, " year=", last.year,
                                   " rule_set=", out.rules.name);
        return absl::OkStatus();
      }));
  return out;
}

}  // namespace smd::app
