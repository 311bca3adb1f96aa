#pragma once
// Management-rate metrics (MetricsService; rules.md §5; docs/metrics.md). The per-patient
// state and the rollups by community are kept current in the transaction of every write
// that changes them (RefreshPatientMetrics), so a month-end report is a sum over rollup
// rows; an as-of date, or a year not built, is recomputed from the records. Thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "app/call.h"
#include "app/context.h"
#include "domain/metrics.h"
#include "domain/network.h"
#include "domain/rule_options.h"

namespace smd::app {

// Rewrites the stored metric state of `patient_id` for every built year and adds the
// difference to the rollups, in the caller's transaction, whose scope must see the
// patient. Called by every write that changes what the metrics read: registration,
// follow-ups and their corrections, health checks, transfers, closure, diagnosis changes.
absl::Status RefreshPatientMetrics(const Deps& deps, store::Tx& tx, const std::string& patient_id);

// The same for many patients registered in the caller's transaction (a bulk import): their
// state is computed from the register alone, inserted in chunks, and the rollups changed
// once per (community, month) instead of once per patient.
absl::Status AddNewPatientsToMetrics(const Deps& deps, store::Tx& tx,
                                     const std::vector<domain::Patient>& patients);

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

  // Server-level (no caller): (re)builds the stored state and rollups of `year` for every
  // patient, in one transaction, district by district. Returns the number of patients.
  absl::StatusOr<int> BuildYear(int year);
  // Builds the current year (Beijing) when it is not built yet: at startup and when the
  // year turns. Returns true when it built.
  absl::StatusOr<bool> EnsureCurrentYear();
  // Server-level: (re)builds the "as of today" state and rollups of `day` for every patient
  // (schema 0009), replacing the previous day's. Returns the number of patients.
  absl::StatusOr<int> BuildDay(absl::CivilDay day);
  // Builds today (Beijing) when it is not the built day: at startup and by the housekeeping
  // after midnight. Returns true when it built.
  absl::StatusOr<bool> EnsureToday();
  // BuildDay of today (Beijing, by the server's clock).
  absl::StatusOr<int> BuildToday();

 private:
  const Deps& deps_;
};

}  // namespace smd::app
