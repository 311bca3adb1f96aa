#pragma once
// Metric state and rollups (schema 0005; docs/metrics.md "How the figures are kept").
// Stateless; every call runs in the caller's transaction (whose row-level scope must see
// the patient for the per-patient calls).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "domain/metric_state.h"
#include "domain/metrics.h"
#include "domain/types.h"

namespace smd::store {

class Tx;

// Counts of each status in one child region (or the region itself).
struct RegionCounts {
  std::string code;
  domain::StatusCounts counts;
};

namespace metric_repo {

// The facts of a patient who has only just been registered (no records, no transfers):
// what LoadFacts would return, without reading the database.
domain::PatientFacts FactsOfNewPatient(const domain::Patient& p);

// Everything the metrics need about one patient (all years). NOT_FOUND if invisible.
absl::StatusOr<domain::PatientFacts> LoadFacts(Tx& tx, const std::string& patient_id);

// The facts of every patient whose current jurisdiction starts with `prefix`, streamed in
// patient-id order (set-based reads: a few queries per 2,000 patients, not one per
// patient). For the plain recomputation and for (re)building a year.
absl::Status ForEachFacts(Tx& tx, const std::string& prefix,
                          const std::function<absl::Status(domain::PatientFacts&)>& fn);

// The stored states of a patient, by year.
absl::StatusOr<std::map<int, domain::PatientYearState>> GetStates(Tx& tx,
                                                                  const std::string& patient_id);
absl::Status PutState(Tx& tx, const std::string& patient_id, int year,
                      const domain::PatientYearState& state);
// Inserts the states of many patients for one year (a build: the year was cleared), a few
// thousand rows per statement.
absl::Status PutStates(Tx& tx, int year,
                       const std::vector<std::pair<std::string, domain::PatientYearState>>& rows);
// Adds the deltas to the rollup rows of `year` (rows created as needed). Deltas must be in
// StateDeltas order (community, month) so that writers lock rows in one order.
absl::Status ApplyDeltas(Tx& tx, int year, const std::vector<domain::RollupDelta>& deltas);

// What is built: the years whose state rows exist for every patient (ascending) and the
// "as of today" day, if any (schema 0009).
struct Built {
  std::vector<int> years;
  std::optional<absl::CivilDay> day;
};
// Takes the shared build lock until the transaction ends (a concurrent build waits for
// this transaction; this call waits for a running build), then reads what is built.
absl::StatusOr<Built> BuiltFigures(Tx& tx);
absl::Status MarkYearBuilt(Tx& tx, int year);
// The exclusive build lock: waits for every transaction that read the built years.
absl::Status LockForBuild(Tx& tx);
// Removes the year's states of the patients whose current jurisdiction starts with
// `prefix` (and are visible in the transaction's scope).
absl::Status ClearPatientStates(Tx& tx, int year, const std::string& prefix);
// Removes a year's rollups and its "built" mark, and the states visible in the scope
// (before a rebuild).
absl::Status ClearYear(Tx& tx, int year);

// Sums of the rollups of `year`, `month` under region `prefix`, grouped by the first
// `child_len` characters of the community code (child_len = prefix length: the region
// itself). Regions without patients are absent.
absl::StatusOr<std::vector<RegionCounts>> Rollup(Tx& tx, const std::string& prefix, int year,
                                                 int month, int child_len);

// Counts of the indicators that do not come from the patient state, per region.
struct ExternalCounts {
  int64_t team_needing = 0;   // patients who need a 关爱帮扶小组 (now)
  int64_t team_covered = 0;   // ... and have a doctor, a police officer and a grid worker
  int64_t delivered = 0;      // alert copies raised in the period and delivered
  int64_t delivery_minutes = 0;  // their total raise-to-delivery time, in minutes
  int64_t acknowledged = 0;
  int64_t ack_minutes = 0;
  int64_t alerts_raised = 0;    // alerts raised in the period
  int64_t alerts_with_gap = 0;  // ... that missed a required role when raised (alert_gap)
  void Merge(const ExternalCounts& o);
};
// By the first `child_len` characters of the patient's community, under `prefix`. Team
// coverage is the register's current state (it has no history); alert times are those of
// copies raised from `from` to the end of `to` (Beijing days). Through a definer function
// for the teams: counts only, whatever the caller's row-level scope.
absl::StatusOr<std::map<std::string, ExternalCounts>> External(Tx& tx, const std::string& prefix,
                                                               int child_len, absl::CivilDay from,
                                                               absl::CivilDay to);

// 常住人口 of `code` in `year`: its own figure, else the sum of its children's when every
// child region has one; nullopt otherwise (prevalence "unavailable").
absl::StatusOr<std::optional<int64_t>> Population(Tx& tx, const std::string& code, int year);

// Patients whose state at the end of `month` counts in `prefix` and whose mask has
// (`has` = true) or lacks (`has` = false) status `want` while having `base`; keyset by
// patient id after `after_id`.
absl::StatusOr<std::vector<std::string>> PatientsWith(Tx& tx, const std::string& prefix, int year,
                                                      int month, domain::MetricStatus base,
                                                      domain::MetricStatus want, bool has,
                                                      const std::string& after_id, int limit);

// ---- The "as of today" day (schema 0009; docs/metrics.md "As of today") ----------------
// Its state rows hold slot 0 of a PatientYearState (domain::ComputeDayState); its rollup
// deltas are StateDeltas' month-1 rows.

// The patient's stored state for `day` (empty when there is none).
absl::StatusOr<domain::PatientYearState> GetDayState(Tx& tx, const std::string& patient_id,
                                                     absl::CivilDay day);
absl::Status PutDayState(Tx& tx, const std::string& patient_id, absl::CivilDay day,
                         const domain::PatientYearState& state);
// Inserts the states of many patients (a build: they were cleared).
absl::Status PutDayStates(
    Tx& tx, absl::CivilDay day,
    const std::vector<std::pair<std::string, domain::PatientYearState>>& rows);
// Adds the deltas (StateDeltas order) to the day's rollup rows.
absl::Status ApplyDayDeltas(Tx& tx, absl::CivilDay day,
                            const std::vector<domain::RollupDelta>& deltas);
// Removes every day rollup and the built mark (before a build).
absl::Status ClearDay(Tx& tx);
// Removes the day states of the patients whose jurisdiction starts with `prefix`.
absl::Status ClearPatientDayStates(Tx& tx, const std::string& prefix);
absl::Status MarkDayBuilt(Tx& tx, absl::CivilDay day);
// As Rollup, for the built day.
absl::StatusOr<std::vector<RegionCounts>> RollupDay(Tx& tx, const std::string& prefix,
                                                    absl::CivilDay day, int child_len);

}  // namespace metric_repo
}  // namespace smd::store
