#pragma once
// The kept figures (schema 0020; docs/metrics.md "How the figures are kept"): per patient
// and figure set (domain::FigureSet: a year or the current day) the statuses at each
// cut-off, and their rollups by community and street. Stateless; every call runs in the
// caller's transaction (whose row-level scope must see the patients concerned).
//
// Upkeep is in one place. A repository that writes something the metrics read (a patient,
// an accepted transfer, a follow-up, a health check, a rehabilitation session or
// psychological support) marks the patient on the transaction (MarkPatient); the call
// frame (app/call.cc) refreshes what was marked once per call (RefreshMarked), and a
// transaction that commits with marks left refreshes them itself (store/db.cc), so a new
// write path cannot leave the figures behind. The service network's rates are computed at
// read time from the register (app/network_use_cases.h): nothing of it is kept.
//
// Concurrency: a set is built online, district by district, in steps of a few hundred
// patients, each step one short transaction holding its patients' exclusive locks
// (BuildPatients); a refresh takes the shared locks of the patients it refreshes. Every
// refresh and every build step rewrites a patient's state as the difference against the
// stored one, so the rollups stay the sum of the stored states whichever comes first, and
// writes keep every set from the moment it exists, built or building.
//
// Implemented in three files, one concern each: store/metric_facts.cc (the records the
// metrics read), store/metric_upkeep.cc (refresh and build steps) and
// store/metric_repository.cc (sets and reads).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
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

// ---- The records the metrics read -----------------------------------------------------

// Which dated records a read loads: visits, health checks, rehabilitation sessions and
// psychological support dated in [from, to]. The register row and every accepted move are
// read whatever their dates (domain::CommunityAt looks past the cut-off). All(): every date.
struct FactsWindow {
  std::optional<absl::CivilDay> from, to;  // nullopt: unbounded
  static FactsWindow All() { return {}; }
  // What domain::EvaluatePatient's flags (not its notes) read at `cutoff`: the records of
  // the period, Jan 1 of the cut-off's year to the cut-off (docs/metrics.md "Recomputed
  // dates").
  static FactsWindow FlagsAt(absl::CivilDay cutoff);
  // FlagsAt of every cut-off of `sets` at once (what domain::ComputeState reads): from the
  // first set's Jan 1 to the last cut-off. All() when `sets` is empty.
  static FactsWindow ForSets(const std::vector<domain::FigureSet>& sets);
};

// Everything the metrics need about each of `ids` (all years) that is visible, in id
// order: one query per table, whatever the number of ids.
absl::StatusOr<std::vector<domain::PatientFacts>> LoadFacts(Tx& tx,
                                                            const std::vector<std::string>& ids);

// The facts of every patient whose current jurisdiction starts with `prefix`, streamed in
// patient-id order (a few queries per chunk of patients, not one per patient; the first
// chunks are small, so a reader that stops early reads little), from the first id after
// `after_id` ("" = from the start), with the dated records of `window` only. `fn` returns
// false to stop.
absl::Status ForEachFacts(Tx& tx, const std::string& prefix,
                          const std::function<absl::StatusOr<bool>(domain::PatientFacts&)>& fn,
                          const std::string& after_id = "",
                          const FactsWindow& window = FactsWindow::All());
// Tests only: makes ForEachFacts read every chunk by id range (true) or by ids (false)
// whatever the region's share of the register; nullopt restores the choice. Both give the
// same facts; the randomized comparison runs under each.
void SetDenseFactsReadsForTest(std::optional<bool> dense);

// ---- Upkeep ---------------------------------------------------------------------------

// Marks the patient's figures for refresh before the transaction commits.
void MarkPatient(Tx& tx, const std::string& patient_id);
// Rewrites the state of every marked patient in every kept set (built or building) and
// moves the rollups by the difference; clears the marks. INTERNAL if a marked patient is
// not visible in the transaction's scope (its figures could not be kept).
absl::Status RefreshMarked(Tx& tx);

// ---- Sets -------------------------------------------------------------------------------

struct KeptSet {
  domain::FigureSet set;
  bool built = false;  // false: building (reads recompute)
};
// Every kept set, by key.
absl::StatusOr<std::vector<KeptSet>> ListSets(Tx& tx);
// Starts keeping `set` (building, from now on kept current by every write). Idempotent for
// a set being built; `rebuild` restarts a built or building set (its districts redone).
absl::Status StartSet(Tx& tx, const domain::FigureSet& set, absl::Time now, bool rebuild);
// The districts of a building set already done.
absl::StatusOr<std::vector<std::string>> DistrictsDone(Tx& tx, const domain::FigureSet& set);
// The ids of the patients whose jurisdiction starts with `prefix`, in id order.
absl::StatusOr<std::vector<std::string>> PatientsIn(Tx& tx, const std::string& prefix);
// One build step: rewrites the state in `set` of those of `ids` still in `district` (the
// transaction's scope must be the district), holding their exclusive locks to the end of
// the transaction. Returns how many have a status in the set.
absl::StatusOr<int> BuildPatients(Tx& tx, const domain::FigureSet& set, const std::string& district,
                                  const std::vector<std::string>& ids);
// Records the district done for a building set.
absl::Status DistrictDone(Tx& tx, const domain::FigureSet& set, const std::string& district);
// Marks the set built.
absl::Status FinishSet(Tx& tx, const domain::FigureSet& set, absl::Time now);
// Stops keeping `set` and removes its states and rollups (a day that is over).
absl::Status DropSet(Tx& tx, const domain::FigureSet& set);

// ---- Reads --------------------------------------------------------------------------

// Sums of the rollups of `set` at cut-off `slot` under region `prefix`, grouped by the
// first `child_len` characters of the community code (child_len = prefix length: the
// region itself). Regions without patients are absent.
absl::StatusOr<std::vector<RegionCounts>> Rollup(Tx& tx, const domain::FigureSet& set, int slot,
                                                 const std::string& prefix, int child_len);

// Patients whose state at `slot` of `set` counts in `prefix` and whose mask has (`has` =
// true) or lacks (`has` = false) status `want` while having `base`; keyset by patient id
// after `after_id`.
absl::StatusOr<std::vector<std::string>> PatientsWith(Tx& tx, const domain::FigureSet& set,
                                                      int slot, const std::string& prefix,
                                                      domain::MetricStatus base,
                                                      domain::MetricStatus want, bool has,
                                                      const std::string& after_id, int limit);

// Counts of the indicators that do not come from the patient state, per region.
struct ExternalCounts {
  int64_t team_needing = 0;      // patients who need a 关爱帮扶小组 (now)
  int64_t team_covered = 0;      // ... and have a doctor, a police officer and a grid worker
  int64_t delivered = 0;         // alert copies raised in the period and delivered
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

}  // namespace metric_repo
}  // namespace smd::store
