// Upkeep of the kept figures (store/metric_repository.h "Upkeep"): a patient's state in
// each kept set rewritten as the difference against the stored one, and the rollups moved
// by it. Shared by the refresh of a call's marked patients and the steps of a build.
#include <algorithm>
#include <map>
#include <pqxx/pqxx>
#include <tuple>

#include "common/status_macros.h"
#include "store/errors.h"
#include "store/internal/metric_rows.h"
#include "store/internal/pg.h"
#include "store/internal/tx.h"
#include "store/metric_repository.h"
#include "store/statements.h"

namespace smd::store {
namespace {

using domain::FigureSet;
using domain::kMaxMetricStatus;
using domain::PatientFacts;
using domain::PatientYearState;

// Advisory lock class of the per-patient upkeep locks (the second key is hashtext of the
// patient id): "smdf". Migration 0021's triggers on metric_state take the same lock by the
// same two keys (shared to copy a patient's codes, exclusive to move them): keep them equal.
constexpr int kPatientLockClass = 0x736d6466;
constexpr size_t kStreetCodeLength = 9;
constexpr size_t kChunk = 2000;

// A state's first `slots` entries as array literals ("" for an empty community).
std::string MasksLiteral(const PatientYearState& st, int slots) {
  std::vector<std::string> v;
  for (int k = 0; k < slots; ++k) v.push_back(std::to_string(st.masks[k]));
  return pg::TextArray(v);
}
std::string CommunitiesLiteral(const PatientYearState& st, int slots) {
  std::vector<std::string> v;
  for (int k = 0; k < slots; ++k)
    v.push_back(st.communities[k].empty() ? "\"\"" : st.communities[k]);
  return pg::TextArray(v);
}
// An array literal as an element of a text[] literal: quoted, inner quotes escaped.
std::string AsElement(const std::string& literal) {
  std::string out = "\"";
  for (char ch : literal) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

// One rollup row's change: (set key, slot, community or street code) -> counts by status.
using RollupKey = std::tuple<int, int, std::string>;
using RollupSums = std::map<RollupKey, std::array<int64_t, kMaxMetricStatus + 1>>;

void AddDeltas(RollupSums& sums, int key, const std::vector<domain::RollupDelta>& deltas) {
  for (const auto& d : deltas) {
    for (const std::string& code :
         {d.community, d.community.substr(0, kStreetCodeLength)}) {  // community, its street
      auto& sum = sums[{key, d.month, code}];
      for (size_t s = 1; s < d.delta.size(); ++s) sum[s] += d.delta[s];
    }
  }
}

// Moves the rollups by `sums`, in key order: every writer locks rollup rows in one order,
// so two never wait for each other in a cycle.
void ApplySums(Tx& tx, const RollupSums& sums) {
  std::vector<std::string> keys, slots, codes, counts;
  for (const auto& [k, sum] : sums) {
    if (std::all_of(sum.begin(), sum.end(), [](int64_t x) { return x == 0; })) continue;
    keys.push_back(std::to_string(std::get<0>(k)));
    slots.push_back(std::to_string(std::get<1>(k)));
    codes.push_back(std::get<2>(k));
    std::vector<std::string> v;
    for (size_t s = 1; s < sum.size(); ++s) v.push_back(std::to_string(sum[s]));
    counts.push_back(AsElement(pg::TextArray(v)));
  }
  if (keys.empty()) return;
  tx.w().exec_prepared("metric.apply", pg::TextArray(keys), pg::TextArray(slots),
                       pg::TextArray(codes), pg::TextArray(counts));
}

// Rewrites the states of `facts` in `sets` as the difference against the stored ones and
// moves the rollups by it. Returns how many patients have a status in some set.
int Reconcile(Tx& tx, const std::vector<PatientFacts>& facts, const std::vector<FigureSet>& sets) {
  if (facts.empty() || sets.empty()) return 0;
  std::vector<std::string> ids, keys;
  for (const auto& f : facts) ids.push_back(f.patient_id);
  for (const auto& s : sets) keys.push_back(std::to_string(s.Key()));
  std::map<std::pair<std::string, int>, PatientYearState> stored;
  for (const auto& r :
       tx.w().exec_prepared("metric.states", pg::TextArray(ids), pg::TextArray(keys))) {
    PatientYearState st;
    const std::vector<std::string> masks = pg::ParseArray(r[2].as<std::string>());
    const std::vector<std::string> comms = pg::ParseArray(r[3].as<std::string>());
    for (size_t k = 0; k < masks.size() && k < comms.size() && k < 12; ++k) {
      st.masks[k] = static_cast<uint32_t>(std::stoll(masks[k]));
      st.communities[k] = comms[k] == "\"\"" ? "" : comms[k];
    }
    stored[{r[0].as<std::string>(), r[1].as<int>()}] = st;
  }
  std::vector<std::string> put_ids, put_keys, put_masks, put_comms;
  RollupSums sums;
  int counted = 0;
  for (const auto& f : facts) {
    bool any = false;
    for (const FigureSet& set : sets) {
      const PatientYearState after = domain::ComputeState(f, set);
      any = any || !after.empty();
      auto it = stored.find({f.patient_id, set.Key()});
      const PatientYearState before = it == stored.end() ? PatientYearState{} : it->second;
      if (after == before) continue;
      put_ids.push_back(f.patient_id);
      put_keys.push_back(std::to_string(set.Key()));
      put_masks.push_back(AsElement(MasksLiteral(after, set.Slots())));
      put_comms.push_back(AsElement(CommunitiesLiteral(after, set.Slots())));
      AddDeltas(sums, set.Key(), domain::StateDeltas(before, after));
    }
    counted += any ? 1 : 0;
  }
  if (!put_ids.empty()) {
    tx.w().exec_prepared("metric.put_states", pg::TextArray(put_ids), pg::TextArray(put_keys),
                         pg::TextArray(put_masks), pg::TextArray(put_comms));
  }
  ApplySums(tx, sums);
  return counted;
}

}  // namespace

std::vector<Statement> MetricUpkeepStatements() {
  return {
      // ---- states and rollups (Reconcile) ----
      // By the primary key (patient_id, set_key) only: `set_key + 0` keeps set_key from
      // leading an index, so the policy's range can never steer this read to
      // metric_state_by_jurisdiction (set_key, patient_jurisdiction), which reads every state
      // of the scope. That plan is what a generic plan (the refresh runs on them, below)
      // picked on a table without statistics: an import's batch read 2,000 states of a
      // district for 1,000 new patients: 84 ms, against 1 with this guard (5 when custom).
      {"metric.states",
       "SELECT patient_id::text, set_key, masks, communities FROM metric_state "
       "WHERE patient_id = ANY($1::uuid[]) AND set_key + 0 = ANY($2::integer[])"},
      {"metric.put_states",
       "INSERT INTO metric_state (patient_id, set_key, masks, communities) "
       "SELECT p, k, m::integer[], c::text[] FROM unnest($1::uuid[], $2::integer[], $3::text[], "
       "$4::text[]) AS x(p, k, m, c) ON CONFLICT (patient_id, set_key) DO UPDATE SET "
       "masks = EXCLUDED.masks, communities = EXCLUDED.communities"},
      // Rows in the order given (ApplySums: key order); counts added element by element.
      {"metric.apply",
       "INSERT INTO metric_rollup AS r (set_key, slot, code, counts) "
       "SELECT k, s, c, d::bigint[] FROM unnest($1::integer[], $2::smallint[], $3::text[], "
       "$4::text[]) WITH ORDINALITY AS x(k, s, c, d, o) ORDER BY o "
       "ON CONFLICT (set_key, slot, (char_length(code)), code) DO UPDATE SET counts = "
       "(SELECT array_agg(coalesce(a, 0) + coalesce(b, 0) ORDER BY i) "
       "FROM unnest(r.counts, EXCLUDED.counts) WITH ORDINALITY AS u(a, b, i))"},
      // A refresh holds the shared lock of each patient it refreshes, a build step the
      // exclusive lock of each patient of its chunk (docs/metrics.md "Building online"), in
      // key order so that two never wait for each other in a cycle.
      //
      // The same statement switches the rest of the transaction (SET LOCAL) to generic plans
      // without bitmap scans. The refresh's reads name their patients as `= ANY($n)`, which
      // a generic plan costs as ten patients, so PostgreSQL kept planning them anew on every
      // execution: as the server's role, whose policies make planning 3-4 times dearer,
      // 0.5 ms of a RecordFollowUp's 2.7 ms went to planning three reads whose execution
      // takes 0.06 ms (pg_stat_statements, docs/performance.md "Session 10"). A generic plan
      // stays with the connection whatever scope comes next, so every read after this point
      // must be served by its patient key. The policy's OR of two code ranges can reach an
      // index only through a bitmap scan (BitmapOr); with bitmap scans off it cannot, and
      // each read takes its index led by patient_id (metric.states also needs `set_key + 0`,
      // above). What follows in a call is the refresh's writes, the audit row and COMMIT.
      // MetricsTest.TheRefreshReadsByThePatientKeyOnGenericPlans checks every read.
      {"metric.lock_patients_shared",
       "SELECT pg_advisory_xact_lock_shared($1, k) FROM (SELECT DISTINCT hashtext(p) AS k "
       "FROM unnest($2::text[]) AS x(p) ORDER BY 1) s, "
       "set_config('plan_cache_mode', 'force_generic_plan', true) g, "
       "set_config('enable_bitmapscan', 'off', true) b"},
      {"metric.lock_patients",
       "SELECT pg_advisory_xact_lock($1, k) FROM (SELECT DISTINCT hashtext(p) AS k "
       "FROM unnest($2::text[]) AS x(p) ORDER BY 1) s"},
  };
}

namespace metric_repo {

void MarkPatient(Tx& tx, const std::string& patient_id) { tx.figure_marks().insert(patient_id); }

absl::Status RefreshMarked(Tx& tx) {
  if (tx.figure_marks().empty()) return absl::OkStatus();
  const std::vector<std::string> marked(tx.figure_marks().begin(), tx.figure_marks().end());
  tx.figure_marks().clear();
  return Guard([&]() -> absl::Status {
    // The patients' locks first, each statement after in a snapshot of its own (READ
    // COMMITTED): what a build step this waited for committed is seen.
    tx.w().exec_prepared("metric.lock_patients_shared", kPatientLockClass, pg::TextArray(marked));
    std::vector<FigureSet> sets;
    for (const auto& r : tx.w().exec_prepared("metric.sets")) {
      if (auto s = FigureSet::FromKey(r[0].as<int>())) sets.push_back(*s);
    }
    std::vector<PatientFacts> facts;
    for (size_t start = 0; start < marked.size(); start += kChunk) {
      const std::vector<std::string> ids(
          marked.begin() + static_cast<std::ptrdiff_t>(start),
          marked.begin() + static_cast<std::ptrdiff_t>(std::min(marked.size(), start + kChunk)));
      // The records the sets' states read (no notes are kept), not every record.
      for (auto& f : LoadFactsOf(tx, "", ids, FactsWindow::ForSets(sets))) {
        facts.push_back(std::move(f));
      }
    }
    if (facts.size() != marked.size()) {
      return absl::InternalError(
          "metric upkeep: a marked patient is not visible in the transaction's scope");
    }
    Reconcile(tx, facts, sets);
    return absl::OkStatus();
  });
}

absl::StatusOr<int> BuildPatients(Tx& tx, const FigureSet& set, const std::string& district,
                                  const std::vector<std::string>& ids) {
  return Guard([&]() -> absl::StatusOr<int> {
    tx.w().exec_prepared("metric.lock_patients", kPatientLockClass, pg::TextArray(ids));
    // Those still in the district: one that moved since the ids were read was refreshed by
    // the move's own write (writes keep every set, built or building).
    return Reconcile(tx, LoadFactsOf(tx, district, ids, FactsWindow::ForSets({set})), {set});
  });
}

}  // namespace metric_repo
}  // namespace smd::store
