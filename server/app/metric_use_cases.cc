#include "app/metric_use_cases.h"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "app/admin_use_cases.h"
#include "app/network_use_cases.h"
#include "app/patient_access.h"
#include "common/status_macros.h"
#include "common/telemetry.h"
#include "domain/access_policy.h"
#include "domain/dates.h"
#include "domain/errors.h"
#include "domain/metric_reasons.h"
#include "domain/metric_state.h"
#include "domain/region.h"
#include "store/metric_repository.h"
#include "store/region_repository.h"
#include "store/scope.h"

namespace smd::app {
namespace {

using domain::FieldError;

absl::CivilDay TodayBeijing(const Deps& deps) {
  return absl::ToCivilDay(deps.clock.Now(), absl::FixedTimeZone(8 * 3600));
}

absl::CivilDay MonthEnd(int year, int month) {
  return absl::CivilDay(absl::CivilMonth(year, month) + 1) - 1;
}

struct Resolved {
  domain::ReportingPeriod period;
  int year = 0;
  int month = 0;  // the cut-off's month when it is a month end; 0 for a mid-month as-of
};

// rules.md "Reporting period": the year cumulative to a month end, or to an as-of date.
absl::StatusOr<Resolved> ResolvePeriod(const MetricsQuery& q, absl::CivilDay today) {
  Resolved r;
  if (q.as_of) {
    const absl::CivilDay d = *q.as_of;
    if (d < domain::kEarliestRecordDate || d > today) {
      return FieldError("period.as_of", "统计截止日期须在2000-01-01至今天之间",
                        "must be between 2000-01-01 and today");
    }
    if (q.year != 0 && q.year != d.year()) {
      return FieldError("period.year", "与截止日期的年份不一致", "differs from the as-of date's year");
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
    return FieldError("period.month", "月份须为1-12（0表示全年）", "must be 1..12 (0: the whole year)");
  }
  r.year = q.year;
  r.month = q.month == 0 ? 12 : q.month;
  r.period = domain::PeriodAsOf(MonthEnd(r.year, r.month));
  return r;
}

int ChildLength(const std::string& region) { return domain::ChildCodeLength(region); }

// The checked region (default: the caller's jurisdiction) after metrics.read.
absl::StatusOr<std::string> CheckRegion(const domain::Principal& who, const std::string& asked,
                                        domain::Action action) {
  const std::string region = asked.empty() ? who.jurisdiction : asked;
  RETURN_IF_ERROR(domain::CheckRegionCode("region", region, domain::RegionLevel::kInvalid));
  RETURN_IF_ERROR(domain::Authorize(who, action, region));
  return region;
}

// Counts of the region and of each child, from the rollups or recomputed.
struct Counted {
  domain::StatusCounts total;
  std::map<std::string, domain::StatusCounts> children;
  bool recomputed = false;
  bool building = false;
};

// The kept set and cut-off slot that answer `r`, if a set can: a month end of a year, or
// today (docs/metrics.md "How the figures are kept").
std::optional<std::pair<domain::FigureSet, int>> SetFor(const Resolved& r, absl::CivilDay today) {
  if (r.month != 0) return std::make_pair(domain::FigureSet::Year(r.year), r.month);
  if (r.period.cutoff == today) return std::make_pair(domain::FigureSet::Day(today), 1);
  return std::nullopt;
}

// Whether the set that answers `r` is built (the rollups answer) and, if not, whether it
// is being built (the answer, recomputed, says so).
struct SetState {
  std::optional<std::pair<domain::FigureSet, int>> kept;  // set only when built
  bool building = false;
};
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
  const int child_len = ChildLength(region);
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
  RETURN_IF_ERROR(store::metric_repo::ForEachFacts(
      tx, region, [&](domain::PatientFacts& f) -> absl::Status {
        const domain::PatientMetrics pm = domain::EvaluatePatient(f.input, r.period);
        const std::string community = domain::CommunityAt(f, r.period.cutoff);
        if (!pm.registered || community.rfind(region, 0) != 0) return absl::OkStatus();
        out.total.Add(pm);
        if (child_len) out.children[community.substr(0, child_len)].Add(pm);
        return absl::OkStatus();
      }));
  return out;
}

absl::StatusOr<RegionMetricsRow> Row(store::Tx& tx, const domain::RuleSet& rules,
                                     const std::string& code, const std::string& name,
                                     const domain::StatusCounts& counts, const Resolved& r) {
  RegionMetricsRow row;
  row.code = code;
  row.name = name;
  ASSIGN_OR_RETURN(row.population, store::metric_repo::Population(tx, code, r.year));
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

// The rules of one metrics call: the deployment's, with the call's metric variant
// (docs/metrics.md "Variants per call"). Every status is kept under both variants, so the
// same rollups or recomputation serve either; only the choice of numerator differs.
domain::RuleSet CallRules(const Deps& deps, const MetricsQuery& q) {
  return domain::WithMetricChoice(deps.rules, q.variant);
}

absl::StatusOr<MetricsResult> Compute(const Deps& deps, store::Tx& tx, const std::string& region,
                                      const Resolved& r, const domain::RuleSet& rules) {
  MetricsResult res;
  res.period = r.period;
  res.rules = rules;
  ASSIGN_OR_RETURN(Counted counted, Count(deps, tx, region, r));
  res.recomputed = counted.recomputed;
  res.building = counted.building;
  const int child_len = ChildLength(region);
  ASSIGN_OR_RETURN(std::vector<store::RegionRow> regions,
                   store::ListRegionSubtree(tx, region,
                                            child_len ? child_len : static_cast<int>(region.size())));
  std::string own_name;
  for (const auto& reg : regions) {
    if (reg.code == region) own_name = reg.name;
  }
  ASSIGN_OR_RETURN(res.region, Row(tx, rules, region, own_name, counted.total, r));
  ASSIGN_OR_RETURN(auto external,
                   store::metric_repo::External(
                       tx, region, child_len ? child_len : static_cast<int>(region.size()),
                       r.period.start(), r.period.cutoff));
  store::metric_repo::ExternalCounts total;
  for (const auto& [code, c] : external) total.Merge(c);
  AddExternal(res.region.report, total);
  // Every child region, with or without patients: a street with none shows zeros.
  for (const auto& reg : regions) {
    if (static_cast<int>(reg.code.size()) != child_len) continue;
    auto it = counted.children.find(reg.code);
    ASSIGN_OR_RETURN(RegionMetricsRow row,
                     Row(tx, rules, reg.code, reg.name,
                         it == counted.children.end() ? domain::StatusCounts{} : it->second, r));
    auto ext = external.find(reg.code);
    AddExternal(row.report, ext == external.end() ? store::metric_repo::ExternalCounts{} : ext->second);
    res.children.push_back(std::move(row));
  }
  // The service network (issue 14 point 5): sites active at the cut-off, the year's
  // entered counts and the year's targets; not patient data, so the same for every reader.
  ASSIGN_OR_RETURN(NetworkInputs net, LoadNetworkInputs(tx, region));
  res.region.network = domain::ComputeNetworkRates(region, net.regions, net.sites, net.counts,
                                                   net.targets, r.period.cutoff);
  for (RegionMetricsRow& child : res.children) {
    child.network = domain::ComputeNetworkRates(child.code, net.regions, net.sites, net.counts,
                                                net.targets, r.period.cutoff);
  }
  return res;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string FormatValue(const domain::Rate& r, const domain::IndicatorDef& def) {
  if (!r.value) return "";
  return absl::StrFormat(def.unit == domain::RateUnit::kMinutes ? "%.1f" : "%.2f", *r.value);
}

std::string_view UnitText(domain::RateUnit u) {
  switch (u) {
    case domain::RateUnit::kPercent:
      return "%";
    case domain::RateUnit::kPerMille:
      return "‰";
    case domain::RateUnit::kMinutes:
      return "min";
  }
  return "";
}

}  // namespace

absl::StatusOr<MetricsResult> MetricUseCases::Get(const CallMeta& meta, const MetricsQuery& q) {
  MetricsResult out;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    ASSIGN_OR_RETURN(std::string region, CheckRegion(who, q.region, domain::Action::kMetricsRead));
    ASSIGN_OR_RETURN(Resolved r, ResolvePeriod(q, TodayBeijing(deps_)));
    ASSIGN_OR_RETURN(out, Compute(deps_, tx, region, r, CallRules(deps_, q)));
    note.detail = absl::StrCat("region=", region, " cutoff=", absl::FormatCivilTime(r.period.cutoff),
                               out.recomputed ? " recomputed" : " rollup",
                               " rule_set=", out.rules.name);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<TrendResult> MetricUseCases::Trend(const CallMeta& meta, const MetricsQuery& q,
                                                  const std::string& code) {
  TrendResult out;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    ASSIGN_OR_RETURN(std::string region, CheckRegion(who, q.region, domain::Action::kMetricsRead));
    const domain::IndicatorDef* def = domain::FindIndicatorByCode(code);
    if (def == nullptr || def->denominator_kind == domain::DenominatorKind::kExternal) {
      return FieldError("indicator", "未知指标", "unknown indicator");
    }
    const absl::CivilDay today = TodayBeijing(deps_);
    MetricsQuery mq = q;
    mq.as_of.reset();
    if (mq.month == 0) mq.month = mq.year == today.year() ? today.month() : 12;
    ASSIGN_OR_RETURN(Resolved last, ResolvePeriod(mq, today));
    out.region = region;
    out.indicator = def;
    out.rules = CallRules(deps_, q);
    for (int m = 1; m <= last.month; ++m) {
      MetricsQuery one = mq;
      one.month = m;
      ASSIGN_OR_RETURN(Resolved r, ResolvePeriod(one, today));
      ASSIGN_OR_RETURN(Counted c, Count(deps_, tx, region, r));
      ASSIGN_OR_RETURN(std::optional<int64_t> pop,
                       store::metric_repo::Population(tx, region, r.year));
      const domain::MetricReport rep = domain::ComputeRates(c.total, pop, r.period, out.rules);
      if (const domain::IndicatorRate* ir = rep.Find(def->id)) out.points.push_back({m, *ir});
    }
    note.detail = absl::StrCat("region=", region, " indicator=", code, " year=", last.year,
                               " rule_set=", out.rules.name);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<MetricPatientsPage> MetricUseCases::Patients(const CallMeta& meta,
                                                            const MetricsQuery& q,
                                                            const std::string& code, bool missing,
                                                            int page_size,
                                                            const std::string& page_token) {
  MetricPatientsPage out;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    out = MetricPatientsPage{};
    ASSIGN_OR_RETURN(std::string region, CheckRegion(who, q.region, domain::Action::kMetricsRead));
    // The health committee sees aggregates only (rules.md §8): names need patient.read.
    RETURN_IF_ERROR(domain::Authorize(who, domain::Action::kPatientRead, region));
    const domain::IndicatorDef* def = domain::FindIndicatorByCode(code);
    if (def == nullptr) return FieldError("indicator", "未知指标", "unknown indicator");
    if (def->denominator_kind != domain::DenominatorKind::kPatients &&
        def->id != domain::Indicator::kReportedPrevalence) {
      return FieldError("indicator", "该指标没有患者名单", "this indicator has no patient list");
    }
    ASSIGN_OR_RETURN(int limit, PageSize(page_size));
    if (!page_token.empty()) RETURN_IF_ERROR(CheckUuid("page.page_token", page_token));
    ASSIGN_OR_RETURN(Resolved r, ResolvePeriod(q, TodayBeijing(deps_)));
    out.rules = CallRules(deps_, q);
    ASSIGN_OR_RETURN(SetState st, KeptSetFor(deps_, tx, r));
    const domain::MetricStatus num = domain::NumeratorStatus(*def, out.rules);
    const domain::MetricStatus den = def->denominator == domain::MetricStatus::kUnspecified
                                         ? domain::MetricStatus::kRegistered
                                         : def->denominator;
    std::vector<std::string> ids;
    // The evaluation of each listed patient, when the recomputation made it already.
    std::map<std::string, domain::PatientMetrics> evaluated;
    if (st.kept) {
      ASSIGN_OR_RETURN(ids, store::metric_repo::PatientsWith(tx, st.kept->first, st.kept->second,
                                                             region, den, num, !missing,
                                                             page_token, limit + 1));
    } else {
      // No built set for the period (any other date, a set building): the patients now in
      // the region, evaluated at the
      // cut-off and placed where they count then, as Count's recomputation does (so the
      // list is the one behind the recomputed figure). The caller's scope covers the region
      // (patient.read above). Ids come in order, so the page token is the last id given.
      out.recomputed = true;
      out.building = st.building;
      RETURN_IF_ERROR(store::metric_repo::ForEachFacts(
          tx, region, [&](domain::PatientFacts& f) -> absl::Status {
            if (static_cast<int>(ids.size()) > limit) return absl::OkStatus();
            if (!page_token.empty() && f.patient_id <= page_token) return absl::OkStatus();
            domain::PatientMetrics pm = domain::EvaluatePatient(f.input, r.period);
            if (!pm.Has(den) || pm.Has(num) == missing) return absl::OkStatus();
            if (domain::CommunityAt(f, r.period.cutoff).rfind(region, 0) != 0) {
              return absl::OkStatus();
            }
            ids.push_back(f.patient_id);
            evaluated.emplace(f.patient_id, std::move(pm));
            return absl::OkStatus();
          }));
    }
    if (static_cast<int>(ids.size()) > limit) {
      ids.resize(limit);
      out.next_page_token = ids.back();
    }
    for (const auto& id : ids) {
      MetricPatientRow row{id, "", "", ""};
      absl::StatusOr<std::optional<domain::Patient>> p = deps_.patients.Get(tx, id);
      if (absl::IsDataLoss(p.status())) {
        // A record that does not decrypt does not fail the list: the row is kept with its
        // plaintext jurisdiction and reason, without the name (docs/api.md "Unreadable
        // records").
        ASSIGN_OR_RETURN(std::optional<std::string> where, deps_.patients.JurisdictionOf(tx, id));
        if (!where) continue;
        LogUnreadableRow(meta, "patient", id);
        row.jurisdiction = *where;
        row.name_unreadable = true;
        ++out.unreadable;
      } else {
        RETURN_IF_ERROR(p.status());
        if (!*p) continue;
        row.name = (*p)->name;
        row.jurisdiction = (*p)->jurisdiction;
      }
      domain::PatientMetrics pm;
      if (auto it = evaluated.find(id); it != evaluated.end()) {
        pm = std::move(it->second);
      } else {
        ASSIGN_OR_RETURN(domain::PatientFacts f, store::metric_repo::LoadFacts(tx, id));
        pm = domain::EvaluatePatient(f.input, r.period);
      }
      if (missing) {
        row.reason = domain::MissingReason(pm, num);
      } else if (const domain::StatusNote* n = pm.NoteFor(num)) {
        row.reason = n->text;  // 失访, 肇事肇祸, 轻度滋事: what was recorded
      }
      out.patients.push_back(std::move(row));
      note.patient_ids.push_back(id);
    }
    note.detail = absl::StrCat("region=", region, " indicator=", code,
                               missing ? " missing" : " counted", " returned=", out.patients.size(),
                               out.recomputed ? " recomputed" : " rollup",
                               " rule_set=", out.rules.name);
    if (out.unreadable > 0) absl::StrAppend(&note.detail, " unreadable=", out.unreadable);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::string> MetricUseCases::ExportCsv(const CallMeta& meta, const MetricsQuery& q,
                                                      std::string* filename,
                                                      std::string* rule_set) {
  ASSIGN_OR_RETURN(MetricsResult res, Get(meta, q));
  if (rule_set != nullptr) *rule_set = res.rules.name;
  std::string csv = "\xEF\xBB\xBF";  // BOM: Excel reads the file as UTF-8
  csv += "地区代码,地区名称,指标代码,指标,分子,分母,值,单位,目标,是否达标,统计截止,规则集\r\n";
  const std::string cutoff = absl::FormatCivilTime(res.period.cutoff);
  auto emit = [&](const RegionMetricsRow& row) {
    for (const auto& ir : row.report.rates) {
      const domain::IndicatorDef* def = domain::FindIndicator(ir.indicator);
      if (def == nullptr) continue;
      const domain::Rate& rt = ir.rate;
      csv += absl::StrCat(
          CsvField(row.code), ",", CsvField(row.name), ",", std::string(def->code), ",", std::string(def->name_zh), ",",
          rt.numerator, ",", rt.denominator, ",", FormatValue(rt, *def), ",", std::string(UnitText(def->unit)),
          ",", rt.target ? absl::StrFormat("%s%.1f", def->lower_is_better ? "<=" : ">=", rt.target->value()) : "",
          ",", rt.met ? (*rt.met ? "达标" : "未达标") : "", ",", cutoff, ",", res.rules.name, "\r\n");
    }
    // The service network's rates (percent; targets by plan year).
    for (const auto& nr : row.network) {
      const domain::Rate& rt = nr.rate;
      csv += absl::StrCat(
          CsvField(row.code), ",", CsvField(row.name), ",", std::string(nr.def->code), ",",
          CsvField(std::string(nr.def->name_zh)), ",", rt.numerator, ",", rt.denominator, ",",
          rt.value ? absl::StrFormat("%.2f", *rt.value) : "", ",%,",
          rt.target ? absl::StrFormat(">=%.1f", rt.target->value()) : "", ",",
          rt.met ? (*rt.met ? "达标" : "未达标") : "", ",", cutoff, ",", res.rules.name, "\r\n");
    }
  };
  emit(res.region);
  for (const auto& c : res.children) emit(c);
  *filename = absl::StrCat("metrics-", res.region.code, "-", cutoff, ".csv");
  return csv;
}

// Patients per build step (one transaction): small enough that a write waiting for a
// step waits tens of milliseconds (docs/performance.md "Metrics").
constexpr size_t kBuildStep = 100;

absl::StatusOr<int> MetricUseCases::BuildSet(const domain::FigureSet& set, bool rebuild) {
  std::lock_guard<std::mutex> one_build(build_mu_);
  // Seen by the monitoring endpoint as a build in progress (docs/operations.md "Monitoring").
  auto running = common::telemetry::InFlight::Begin(deps_.metric_builds, set.day ? "day" : "year");
  std::vector<std::string> districts, done;
  RETURN_IF_ERROR(deps_.db.InTransaction([&](store::Tx& tx) -> absl::Status {
    RETURN_IF_ERROR(store::metric_repo::StartSet(tx, set, deps_.clock.Now(), rebuild));
    ASSIGN_OR_RETURN(std::vector<store::RegionRow> regions, store::ListRegionSubtree(tx, "", 6));
    districts.clear();
    for (const auto& d : regions) {
      // Each district once (provinces and cities are listed too; their scope would repeat it).
      if (domain::LevelOf(d.code) == domain::RegionLevel::kDistrict) districts.push_back(d.code);
    }
    ASSIGN_OR_RETURN(done, store::metric_repo::DistrictsDone(tx, set));
    return absl::OkStatus();
  }));
  int patients = 0;
  for (const std::string& d : districts) {
    if (std::find(done.begin(), done.end(), d) != done.end()) continue;
    if (stop_builds_) return absl::CancelledError("metrics: the server is stopping");
    // Row-level security shows a district's rows under its own scope.
    std::vector<std::string> ids;
    RETURN_IF_ERROR(deps_.db.InTransaction([&](store::Tx& tx) -> absl::Status {
      RETURN_IF_ERROR(store::SetScope(tx, d));
      ASSIGN_OR_RETURN(ids, store::metric_repo::PatientsIn(tx, d));
      return absl::OkStatus();
    }));
    // Steps of kBuildStep patients, each one short transaction: a write waits for one step
    // at most (its patients' locks, the rollup rows the step moved).
    for (size_t start = 0; start < ids.size(); start += kBuildStep) {
      if (stop_builds_) return absl::CancelledError("metrics: the server is stopping");
      const std::vector<std::string> step(
          ids.begin() + static_cast<std::ptrdiff_t>(start),
          ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), start + kBuildStep)));
      RETURN_IF_ERROR(deps_.db.InTransaction([&](store::Tx& tx) -> absl::Status {
        RETURN_IF_ERROR(store::SetScope(tx, d));
        ASSIGN_OR_RETURN(int n, store::metric_repo::BuildPatients(tx, set, d, step));
        patients += n;
        return absl::OkStatus();
      }));
    }
    RETURN_IF_ERROR(deps_.db.InTransaction(
        [&](store::Tx& tx) { return store::metric_repo::DistrictDone(tx, set, d); }));
    if (after_district_for_test_) after_district_for_test_(d);
  }
  RETURN_IF_ERROR(deps_.db.InTransaction([&](store::Tx& tx) -> absl::Status {
    // Built only when every district is done (another server may have restarted the set).
    ASSIGN_OR_RETURN(std::vector<std::string> now_done, store::metric_repo::DistrictsDone(tx, set));
    for (const std::string& d : districts) {
      if (std::find(now_done.begin(), now_done.end(), d) == now_done.end()) {
        return absl::AbortedError("metrics: a district of the set was restarted meanwhile");
      }
    }
    return store::metric_repo::FinishSet(tx, set, deps_.clock.Now());
  }));
  running.Succeeded();
  return patients;
}

absl::CivilDay MetricUseCases::Today() const { return TodayBeijing(deps_); }

absl::StatusOr<bool> MetricUseCases::KeepCurrent() {
  const absl::CivilDay today = TodayBeijing(deps_);
  const domain::FigureSet wanted[] = {domain::FigureSet::Year(static_cast<int>(today.year())),
                                      domain::FigureSet::Day(today)};
  std::vector<store::metric_repo::KeptSet> sets;
  RETURN_IF_ERROR(deps_.db.InTransaction([&](store::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(sets, store::metric_repo::ListSets(tx));
    return absl::OkStatus();
  }));
  bool built = false;
  for (const domain::FigureSet& want : wanted) {
    const bool ready = std::any_of(sets.begin(), sets.end(), [&](const auto& k) {
      return k.set == want && k.built;
    });
    if (ready) continue;
    RETURN_IF_ERROR(BuildSet(want, /*rebuild=*/false).status());
    built = true;
  }
  // Days that are over: today's set answers from now on.
  for (const auto& k : sets) {
    if (!k.set.day || *k.set.day == today) continue;
    RETURN_IF_ERROR(deps_.db.InTransaction(
        [&](store::Tx& tx) { return store::metric_repo::DropSet(tx, k.set); }));
  }
  return built;
}

}  // namespace smd::app
