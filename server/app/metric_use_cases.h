#pragma once
// Management-rate metrics (MetricsService; rules.md §5; docs/metrics.md). The per-patient
// state and the rollups of each kept figure set (a year, today) are kept current in the
// transaction of every write that changes them (store/metric_repository.h "Upkeep"), so a
// month-end or today's report is a sum over rollup rows; any other date, a set not kept,
// or one still building, is recomputed from the records. Thread-safe.

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "app/call.h"
#include "app/context.h"
#include "app/region_tree_cache.h"
#include "domain/metric_state.h"
#include "domain/metrics.h"
#include "domain/network.h"
#include "domain/rule_options.h"

namespace smd::app {

// A period as asked: the year cumulative to the end of `month` (0 = the whole year), or
// to `as_of`; and the metric variant of the call (unset: the deployment's rules).
struct MetricsQuery {
  std::string region;  // "" = the caller's jurisdiction
  int year = 0;
  int month = 0;
  std::optional<absl::CivilDay> as_of;
  domain::MetricRuleChoice variant;
};

struct RegionMetricsRow {
  std::string code;
  std::string name;
  std::optional<int64_t> population;
  domain::MetricReport report;
  // The service network's coverage rates at the period's cut-off (docs/metrics.md
  // "Service network"; app/network_use_cases.h), in NetworkIndicatorCatalogue order.
  std::vector<domain::NetworkRate> network;
};

struct MetricsResult {
  RegionMetricsRow region;
  std::vector<RegionMetricsRow> children;
  domain::ReportingPeriod period;
  domain::RuleSet rules;    // the deployment's with the call's variant; rules.name is canonical
  bool recomputed = false;  // false: from the rollups
  bool building = false;    // recomputed because the period's kept set is being built
};

struct TrendResult {
  std::string region;
  const domain::IndicatorDef* indicator = nullptr;
  std::vector<std::pair<int, domain::IndicatorRate>> points;  // (month, rate)
  domain::RuleSet rules;  // as MetricsResult::rules
};

struct MetricPatientRow {
  std::string patient_id;
  std::string name;
  std::string jurisdiction;
  std::string reason;
  bool name_unreadable = false;  // the patient's record did not decrypt: name is empty
};

struct MetricPatientsPage {
  std::vector<MetricPatientRow> patients;
  std::string next_page_token;
  int unreadable = 0;  // rows with name_unreadable on this page
  domain::RuleSet rules;    // as MetricsResult::rules
  bool recomputed = false;  // false: chosen from the kept per-patient state
  bool building = false;    // as MetricsResult::building
};

class MetricUseCases {
 public:
  explicit MetricUseCases(const Deps& deps) : deps_(deps) {}

  // Action metrics.read on `region` (inside the caller's jurisdiction). Errors:
  // INVALID_ARGUMENT on region, period.year, period.month, period.as_of;
  // PERMISSION_DENIED.
  absl::StatusOr<MetricsResult> Get(const CallMeta& meta, const MetricsQuery& q);
  // One indicator, January to the period's month (to the current month in the current
  // year). Errors as Get, and INVALID_ARGUMENT on indicator.
  absl::StatusOr<TrendResult> Trend(const CallMeta& meta, const MetricsQuery& q,
                                    const std::string& indicator);
  // Patients in the indicator's denominator who are (missing = false) or are not (true) in
  // its numerator under the call's variant, by patient id, with the reason each misses
  // (domain::MissingReason: never empty for a missing patient). Needs patient.read too:
  // the health committee gets PERMISSION_DENIED. Any period Get answers: a month end of a
  // built year reads the kept per-patient state; any other period (a year not built, an
  // as-of date) is recomputed from the records of the region's patients, the same
  // evaluation Get's recomputation counts, so the list matches the figures. A patient whose
  // record does not decrypt is listed with name_unreadable (no name), counted, logged by id
  // and audited as `unreadable=<n>`.
  absl::StatusOr<MetricPatientsPage> Patients(const CallMeta& meta, const MetricsQuery& q,
                                              const std::string& indicator, bool missing,
                                              int page_size, const std::string& page_token);
  // The Get table as CSV (UTF-8 with BOM, Chinese headers; the 规则集 column names the
  // rules). `rule_set`, when given, receives the same name.
  absl::StatusOr<std::string> ExportCsv(const CallMeta& meta, const MetricsQuery& q,
                                        std::string* filename, std::string* rule_set = nullptr);

  // Server-level (no caller): builds the kept figures of `set` online, district by
  // district in steps of a few hundred patients, each one short transaction
  // (store::metric_repo::BuildPatients);
  // writes go on meanwhile and reads of the set recompute until it is built. Resumes a set
  // whose build was interrupted; `rebuild` redoes every district of a built set. Builds
  // in this process run one at a time. Returns the number of patients with a status.
  absl::StatusOr<int> BuildSet(const domain::FigureSet& set, bool rebuild);
  // Keeps the current year and today (Beijing, by the injected clock) built, and drops the
  // days that are over: at start and every minute, on the background thread of
  // FigureKeeper. Returns true when it built something.
  absl::StatusOr<bool> KeepCurrent();
  // Today in Beijing, by the injected clock (the day a day set keeps).
  absl::CivilDay Today() const;
  // Ends running and later builds between two districts (CANCELLED): server shutdown.
  void StopBuilds() { stop_builds_ = true; }
  // Called after each district of a build, on the building thread (tests: writes during
  // a build).
  void SetAfterDistrictForTest(std::function<void(const std::string& district)> fn) {
    after_district_for_test_ = std::move(fn);
  }

 private:
  const Deps& deps_;
  RegionTreeCache region_tree_;  // the region tree GetMetrics and Trend read
  std::mutex build_mu_;
  std::atomic<bool> stop_builds_{false};
  std::function<void(const std::string&)> after_district_for_test_;
};

}  // namespace smd::app
