#include "store/metric_repository.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "domain/region.h"
#include "store/errors.h"
#include "store/internal/pg.h"
#include "store/internal/tx.h"
#include "store/record_codec.h"
#include "store/statements.h"

namespace smd::store {
namespace {

using domain::FigureSet;
using domain::kMaxMetricStatus;
using domain::PatientFacts;
using domain::PatientYearState;

// Beijing calendar day of a timestamptz column.
#define SMD_BJ_DAY(col) "((" col " AT TIME ZONE 'UTC') + interval '8 hours')::date"
// The move counts from the transfer's effective date (schema 0017; issue 14), or for rows
// written before it from the day it was accepted.
#define SMD_MOVE_DAY "coalesce(effective_date, " SMD_BJ_DAY("decided_at") ")"
// Accepted transfers inside the system (TransferStatus ACCEPTED = 2).
#define SMD_ACCEPTED "status = 2 AND decided_at IS NOT NULL"
#define SMD_PATIENT_COLUMNS \
  "id::text, jurisdiction, diagnosis, status, closed_date, " SMD_BJ_DAY("registered_at")
#define SMD_VISIT_COLUMNS                                                                  \
  "patient_id::text, visit_date, mode, lost_reason, reports_death, risk_level, final_class, " \
  "adherence, hospitalization, trouble, accident, minor_trouble"
#define SMD_MOVE_COLUMNS "patient_id::text, " SMD_MOVE_DAY ", from_jurisdiction, to_jurisdiction"

// Advisory lock class of the per-patient upkeep locks (the second key is hashtext of the
// patient id): "smdf".
constexpr int kPatientLockClass = 0x736d6466;
constexpr size_t kStreetCodeLength = 9;
constexpr size_t kFactsChunk = 2000;

// The register's part of a patient's facts.
PatientFacts PatientFromRow(const pqxx::row& r) {
  PatientFacts f;
  f.patient_id = r[0].as<std::string>();
  f.jurisdiction = r[1].as<std::string>();
  auto& in = f.input;
  in.jurisdiction = f.jurisdiction;
  in.diagnosis = static_cast<domain::DiagnosisCategory>(r[2].as<int>());
  const auto status = static_cast<domain::PatientStatus>(r[3].as<int>());
  if (const std::optional<absl::CivilDay> closed = pg::OptDayField(r[4])) {
    if (status == domain::PatientStatus::kDeceased) in.died_on = closed;
    if (status == domain::PatientStatus::kMovedOut) in.moved_out_on = closed;
    if (status == domain::PatientStatus::kCancelled) in.deregistered_on = closed;
  }
  in.registered_on = pg::DayField(r[5]);
  // 社区康复 and 心理疏导 come from their dated records only (rehab_session, psych_support;
  // issue 14). The register's undated flag (参加社区康复) says nothing about a period, so it
  // is not read here (docs/metrics.md "社区康复 and 心理疏导").
  return f;
}

domain::VisitFact VisitFromRow(const pqxx::row& r) {
  domain::VisitFact v;
  v.date = pg::DayField(r[1]);
  v.mode = static_cast<domain::VisitMode>(r[2].as<int>());
  v.lost_reason = static_cast<domain::LostReason>(r[3].as<int>());
  v.reports_death = r[4].as<bool>();
  v.risk_level = RiskFromColumn(r[5].as<int>());
  v.final_class = static_cast<domain::Classification>(r[6].as<int>());
  v.adherence = static_cast<domain::Adherence>(r[7].as<int>());
  v.hospitalization = static_cast<domain::Hospitalization>(r[8].as<int>());
  v.trouble = r[9].as<int>();
  v.accident = r[10].as<int>();
  v.minor_trouble = r[11].as<int>();
  return v;
}

// The facts of the patients `ids` whose jurisdiction starts with `prefix` ("" = any), in
// id order: one query per table.
std::vector<PatientFacts> LoadFactsOf(Tx& tx, const std::string& prefix,
                                      const std::vector<std::string>& ids) {
  std::vector<PatientFacts> out;
  const std::string arr = pg::TextArray(ids);
  for (const auto& r : tx.w().exec_prepared("metric.facts_patients", prefix, arr)) {
    out.push_back(PatientFromRow(r));
  }
  if (out.empty()) return out;
  std::map<std::string, PatientFacts*> index;
  for (PatientFacts& f : out) index[f.patient_id] = &f;
  auto each = [&](const char* statement, const std::function<void(PatientFacts&,
                                                                   const pqxx::row&)>& add) {
    for (const auto& r : tx.w().exec_prepared(statement, arr)) {
      auto it = index.find(r[0].as<std::string>());
      if (it != index.end()) add(*it->second, r);
    }
  };
  each("metric.facts_visits",
       [](PatientFacts& f, const pqxx::row& r) { f.input.visits.push_back(VisitFromRow(r)); });
  each("metric.facts_checks", [](PatientFacts& f, const pqxx::row& r) {
    f.input.health_checks.push_back(pg::DayField(r[1]));
  });
  each("metric.facts_rehab",
       [](PatientFacts& f, const pqxx::row& r) { f.input.rehab.push_back(pg::DayField(r[1])); });
  each("metric.facts_psych", [](PatientFacts& f, const pqxx::row& r) {
    f.input.psych_support.push_back(pg::DayField(r[1]));
  });
  each("metric.facts_moves", [](PatientFacts& f, const pqxx::row& r) {
    f.moves.push_back({pg::DayField(r[1]), r[2].as<std::string>(), r[3].as<std::string>()});
  });
  return out;
}

// A state's first `slots` entries as array literals ("" for an empty community).
std::string MasksLiteral(const PatientYearState& st, int slots) {
  std::vector<std::string> v;
  for (int k = 0; k < slots; ++k) v.push_back(std::to_string(st.masks[k]));
  return pg::TextArray(v);
}
std::string CommunitiesLiteral(const PatientYearState& st, int slots) {
  std::vector<std::string> v;
  for (int k = 0; k < slots; ++k) v.push_back(st.communities[k].empty() ? "\"\"" : st.communities[k]);
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
  for (const auto& r : tx.w().exec_prepared("metric.states", pg::TextArray(ids),
                                            pg::TextArray(keys))) {
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

std::vector<Statement> MetricStatements() {
  // The sums per status, element by element (counts[1] .. counts[kMaxMetricStatus]): about
  // three times faster than unnesting the arrays (docs/performance.md "Metrics").
  static const std::string rollup = [] {
    std::vector<std::string> sums;
    for (int s = 1; s <= kMaxMetricStatus; ++s) sums.push_back(absl::StrCat("sum(counts[", s, "])"));
    return absl::StrCat("SELECT substr(code, 1, $5), ", absl::StrJoin(sums, ", "),
                        " FROM metric_rollup WHERE set_key = $1 AND slot = $2 "
                        "AND char_length(code) = $3 AND code ~>=~ $4 AND code ~<~ ($4 || ':') "
                        "GROUP BY 1 ORDER BY 1");
  }();
  return {
      // ---- the records (LoadFactsOf; the patient list of ForEachFacts) ----
      {"metric.region_patients",
       "SELECT id::text FROM patient WHERE starts_with(jurisdiction, $1) ORDER BY id"},
      {"metric.facts_patients",
       "SELECT " SMD_PATIENT_COLUMNS " FROM patient WHERE id = ANY($2::uuid[]) AND "
       "starts_with(jurisdiction, $1) ORDER BY id"},
      {"metric.facts_visits",
       "SELECT " SMD_VISIT_COLUMNS " FROM followup WHERE patient_id = ANY($1::uuid[]) AND "
       "current ORDER BY patient_id, visit_date, recorded_at"},
      {"metric.facts_checks",
       "SELECT patient_id::text, check_date FROM health_check WHERE patient_id = "
       "ANY($1::uuid[]) ORDER BY patient_id, check_date"},
      {"metric.facts_rehab",
       "SELECT patient_id::text, session_date FROM rehab_session WHERE patient_id = "
       "ANY($1::uuid[]) ORDER BY patient_id, session_date"},
      {"metric.facts_psych",
       "SELECT patient_id::text, support_date FROM psych_support WHERE patient_id = "
       "ANY($1::uuid[]) ORDER BY patient_id, support_date"},
      {"metric.facts_moves",
       "SELECT " SMD_MOVE_COLUMNS " FROM patient_transfer WHERE patient_id = ANY($1::uuid[]) "
       "AND " SMD_ACCEPTED " ORDER BY patient_id, " SMD_MOVE_DAY ", decided_at"},
      // ---- states and rollups (Reconcile) ----
      {"metric.states",
       "SELECT patient_id::text, set_key, masks, communities FROM metric_state "
       "WHERE patient_id = ANY($1::uuid[]) AND set_key = ANY($2::integer[])"},
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
      {"metric.lock_patients_shared",
       "SELECT pg_advisory_xact_lock_shared($1, k) FROM (SELECT DISTINCT hashtext(p) AS k "
       "FROM unnest($2::text[]) AS x(p) ORDER BY 1) s"},
      {"metric.lock_patients",
       "SELECT pg_advisory_xact_lock($1, k) FROM (SELECT DISTINCT hashtext(p) AS k "
       "FROM unnest($2::text[]) AS x(p) ORDER BY 1) s"},
      // ---- sets ----
      {"metric.sets", "SELECT set_key, built_at IS NOT NULL FROM metric_set ORDER BY set_key"},
      {"metric.start_set",
       "INSERT INTO metric_set (set_key, started_at) VALUES ($1, $2::timestamptz) "
       "ON CONFLICT (set_key) DO UPDATE SET started_at = EXCLUDED.started_at, built_at = NULL "
       "WHERE $3"},
      {"metric.reset_districts", "DELETE FROM metric_set_district WHERE set_key = $1 AND $2"},
      {"metric.districts_done", "SELECT district FROM metric_set_district WHERE set_key = $1"},
      {"metric.district_done",
       "INSERT INTO metric_set_district (set_key, district) VALUES ($1, $2) "
       "ON CONFLICT DO NOTHING"},
      {"metric.finish_set",
       "UPDATE metric_set SET built_at = $2::timestamptz WHERE set_key = $1"},
      {"metric.drop_set", "DELETE FROM metric_set WHERE set_key = $1"},
      // States of a dropped set under every scope (definer function, schema 0020).
      {"metric.drop_states", "SELECT smd_metric_drop_states($1)"},
      {"metric.drop_rollups", "DELETE FROM metric_rollup WHERE set_key = $1"},
      // ---- reads ----
      {"metric.rollup", rollup.c_str()},
      {"metric.patients_with",
       "SELECT patient_id::text FROM metric_state WHERE set_key = $1 "
       "AND starts_with(communities[$2], $3) AND masks[$2] & $4 <> 0 "
       "AND (masks[$2] & $5 <> 0) = $6 AND patient_id > $7::uuid "
       "ORDER BY patient_id LIMIT $8"},
      {"metric.team_coverage", "SELECT code, needing, covered FROM smd_team_coverage($1, $2)"},
      // Alert copies raised in the period (Beijing days: [from 00:00, to + 1 day 00:00) at
      // UTC+8) by community prefix: delivery and acknowledgement times.
      {"metric.alert_times",
       "SELECT substr(a.jurisdiction, 1, $2), count(r.delivered_at), "
       "coalesce(round(sum(extract(epoch FROM r.delivered_at - a.raised_at)) / 60), 0)::bigint, "
       "count(r.acked_at), "
       "coalesce(round(sum(extract(epoch FROM r.acked_at - a.raised_at)) / 60), 0)::bigint "
       "FROM alert a JOIN alert_recipient r ON r.alert_id = a.id "
       "WHERE starts_with(a.jurisdiction, $1) "
       "AND a.raised_at >= ($3::date::timestamp - interval '8 hours') AT TIME ZONE 'UTC' "
       "AND a.raised_at < ($4::date::timestamp + interval '16 hours') AT TIME ZONE 'UTC' "
       "GROUP BY 1"},
      // Alerts raised in the period by community prefix, and those that had a required role
      // nobody could take when raised (alert_gap cause 1).
      {"metric.alert_gaps",
       "SELECT substr(a.jurisdiction, 1, $2), count(*), "
       "count(*) FILTER (WHERE EXISTS (SELECT 1 FROM alert_gap g WHERE g.alert_id = a.id "
       "AND g.cause = 1)) FROM alert a WHERE starts_with(a.jurisdiction, $1) "
       "AND a.raised_at >= ($3::date::timestamp - interval '8 hours') AT TIME ZONE 'UTC' "
       "AND a.raised_at < ($4::date::timestamp + interval '16 hours') AT TIME ZONE 'UTC' "
       "GROUP BY 1"},
      {"metric.population",
       "SELECT residents FROM region_population WHERE code = $1 AND year = $2"},
      // Children by code shape, not by parent link: a district created before its city has
      // no link but is still the city's.
      {"metric.population_children",
       "SELECT count(*), count(p.residents), coalesce(sum(p.residents), 0) FROM region r "
       "LEFT JOIN region_population p ON p.code = r.code AND p.year = $2 "
       "WHERE starts_with(r.code, $1) AND char_length(r.code) = $3"},
  };
}

namespace metric_repo {

absl::StatusOr<PatientFacts> LoadFacts(Tx& tx, const std::string& patient_id) {
  return Guard([&]() -> absl::StatusOr<PatientFacts> {
    std::vector<PatientFacts> f = LoadFactsOf(tx, "", {patient_id});
    if (f.empty()) return absl::NotFoundError("patient_id: 患者不存在 (no such patient)");
    return std::move(f[0]);
  });
}

absl::Status ForEachFacts(Tx& tx, const std::string& prefix,
                          const std::function<absl::Status(PatientFacts&)>& fn) {
  // The region's patient ids first, through the jurisdiction index (a few milliseconds for a
  // district of a province-sized register); then their rows chunk by chunk by id. A keyset
  // walk over the primary key filtered by jurisdiction would read the whole register for
  // every chunk of a small region.
  std::vector<std::string> all_ids;
  RETURN_IF_ERROR(Guard([&]() -> absl::Status {
    for (const auto& r : tx.w().exec_prepared("metric.region_patients", prefix)) {
      all_ids.push_back(r[0].as<std::string>());
    }
    return absl::OkStatus();
  }));
  for (size_t start = 0; start < all_ids.size(); start += kFactsChunk) {
    const std::vector<std::string> ids(
        all_ids.begin() + static_cast<std::ptrdiff_t>(start),
        all_ids.begin() + static_cast<std::ptrdiff_t>(std::min(all_ids.size(), start + kFactsChunk)));
    std::vector<PatientFacts> chunk;
    // Re-checked by prefix: a row may have moved out of the region since the ids were read.
    RETURN_IF_ERROR(Guard([&]() -> absl::Status {
      chunk = LoadFactsOf(tx, prefix, ids);
      return absl::OkStatus();
    }));
    for (auto& f : chunk) RETURN_IF_ERROR(fn(f));
  }
  return absl::OkStatus();
}

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
    for (size_t start = 0; start < marked.size(); start += kFactsChunk) {
      const std::vector<std::string> ids(
          marked.begin() + static_cast<std::ptrdiff_t>(start),
          marked.begin() + static_cast<std::ptrdiff_t>(std::min(marked.size(), start + kFactsChunk)));
      for (auto& f : LoadFactsOf(tx, "", ids)) facts.push_back(std::move(f));
    }
    if (facts.size() != marked.size()) {
      return absl::InternalError(
          "metric upkeep: a marked patient is not visible in the transaction's scope");
    }
    Reconcile(tx, facts, sets);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<KeptSet>> ListSets(Tx& tx) {
  return Guard([&]() -> absl::StatusOr<std::vector<KeptSet>> {
    std::vector<KeptSet> out;
    for (const auto& r : tx.w().exec_prepared("metric.sets")) {
      if (auto s = FigureSet::FromKey(r[0].as<int>())) out.push_back({*s, r[1].as<bool>()});
    }
    return out;
  });
}

absl::Status StartSet(Tx& tx, const FigureSet& set, absl::Time now, bool rebuild) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("metric.start_set", set.Key(), pg::Time(now), rebuild);
    tx.w().exec_prepared("metric.reset_districts", set.Key(), rebuild);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<std::string>> DistrictsDone(Tx& tx, const FigureSet& set) {
  return Guard([&]() -> absl::StatusOr<std::vector<std::string>> {
    std::vector<std::string> out;
    for (const auto& r : tx.w().exec_prepared("metric.districts_done", set.Key())) {
      out.push_back(r[0].as<std::string>());
    }
    return out;
  });
}

absl::StatusOr<std::vector<std::string>> PatientsIn(Tx& tx, const std::string& prefix) {
  return Guard([&]() -> absl::StatusOr<std::vector<std::string>> {
    std::vector<std::string> ids;
    for (const auto& r : tx.w().exec_prepared("metric.region_patients", prefix)) {
      ids.push_back(r[0].as<std::string>());
    }
    return ids;
  });
}

absl::StatusOr<int> BuildPatients(Tx& tx, const FigureSet& set, const std::string& district,
                                  const std::vector<std::string>& ids) {
  return Guard([&]() -> absl::StatusOr<int> {
    tx.w().exec_prepared("metric.lock_patients", kPatientLockClass, pg::TextArray(ids));
    // Those still in the district: one that moved since the ids were read was refreshed by
    // the move's own write (writes keep every set, built or building).
    return Reconcile(tx, LoadFactsOf(tx, district, ids), {set});
  });
}

absl::Status DistrictDone(Tx& tx, const FigureSet& set, const std::string& district) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("metric.district_done", set.Key(), district);
    return absl::OkStatus();
  });
}

absl::Status FinishSet(Tx& tx, const FigureSet& set, absl::Time now) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("metric.finish_set", set.Key(), pg::Time(now));
    return absl::OkStatus();
  });
}

absl::Status DropSet(Tx& tx, const FigureSet& set) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("metric.drop_set", set.Key());
    tx.w().exec_prepared("metric.drop_states", set.Key());
    tx.w().exec_prepared("metric.drop_rollups", set.Key());
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<RegionCounts>> Rollup(Tx& tx, const FigureSet& set, int slot,
                                                 const std::string& prefix, int child_len) {
  return Guard([&]() -> absl::StatusOr<std::vector<RegionCounts>> {
    // Regions down to the district read the street rows (a province's are about a tenth of
    // its community rows); a street or a community reads the community rows.
    const int row_len = static_cast<size_t>(child_len) <= kStreetCodeLength
                            ? static_cast<int>(kStreetCodeLength)
                            : 12;
    std::vector<RegionCounts> out;
    for (const auto& r :
         tx.w().exec_prepared("metric.rollup", set.Key(), slot, row_len, prefix, child_len)) {
      RegionCounts rc;
      rc.code = r[0].as<std::string>();
      // A status added after the row was written has no element yet: NULL, i.e. 0.
      for (int s = 1; s <= kMaxMetricStatus; ++s) {
        rc.counts.count[s] = r[s].is_null() ? 0 : r[s].as<int64_t>();
      }
      out.push_back(std::move(rc));
    }
    return out;
  });
}

absl::StatusOr<std::vector<std::string>> PatientsWith(Tx& tx, const FigureSet& set, int slot,
                                                      const std::string& prefix,
                                                      domain::MetricStatus base,
                                                      domain::MetricStatus want, bool has,
                                                      const std::string& after_id, int limit) {
  return Guard([&]() -> absl::StatusOr<std::vector<std::string>> {
    std::vector<std::string> out;
    const int64_t base_bit = int64_t{1} << static_cast<int>(base);
    const int64_t want_bit = int64_t{1} << static_cast<int>(want);
    for (const auto& r : tx.w().exec_prepared(
             "metric.patients_with", set.Key(), slot, prefix, base_bit, want_bit, has,
             after_id.empty() ? "00000000-0000-0000-0000-000000000000" : after_id, limit)) {
      out.push_back(r[0].as<std::string>());
    }
    return out;
  });
}

void ExternalCounts::Merge(const ExternalCounts& o) {
  team_needing += o.team_needing;
  team_covered += o.team_covered;
  delivered += o.delivered;
  delivery_minutes += o.delivery_minutes;
  acknowledged += o.acknowledged;
  ack_minutes += o.ack_minutes;
  alerts_raised += o.alerts_raised;
  alerts_with_gap += o.alerts_with_gap;
}

absl::StatusOr<std::map<std::string, ExternalCounts>> External(Tx& tx, const std::string& prefix,
                                                               int child_len, absl::CivilDay from,
                                                               absl::CivilDay to) {
  return Guard([&]() -> absl::StatusOr<std::map<std::string, ExternalCounts>> {
    std::map<std::string, ExternalCounts> out;
    for (const auto& r : tx.w().exec_prepared("metric.team_coverage", prefix, child_len)) {
      ExternalCounts& c = out[r[0].as<std::string>()];
      c.team_needing = r[1].as<int64_t>();
      c.team_covered = r[2].as<int64_t>();
    }
    for (const auto& r : tx.w().exec_prepared("metric.alert_times", prefix, child_len, pg::Day(from), pg::Day(to))) {
      ExternalCounts& c = out[r[0].as<std::string>()];
      c.delivered = r[1].as<int64_t>();
      c.delivery_minutes = r[2].as<int64_t>();
      c.acknowledged = r[3].as<int64_t>();
      c.ack_minutes = r[4].as<int64_t>();
    }
    for (const auto& r : tx.w().exec_prepared("metric.alert_gaps", prefix, child_len,
                                              pg::Day(from), pg::Day(to))) {
      ExternalCounts& c = out[r[0].as<std::string>()];
      c.alerts_raised = r[1].as<int64_t>();
      c.alerts_with_gap = r[2].as<int64_t>();
    }
    return out;
  });
}

absl::StatusOr<std::optional<int64_t>> Population(Tx& tx, const std::string& code, int year) {
  return Guard([&]() -> absl::StatusOr<std::optional<int64_t>> {
    pqxx::result own = tx.w().exec_prepared("metric.population", code, year);
    if (!own.empty()) return own[0][0].as<int64_t>();
    const int child_len = domain::ChildCodeLength(code);
    if (child_len == 0) return std::nullopt;
    pqxx::result kids = tx.w().exec_prepared("metric.population_children", code, year, child_len);
    const int64_t n = kids[0][0].as<int64_t>(), have = kids[0][1].as<int64_t>();
    if (n == 0 || have < n) return std::nullopt;
    return kids[0][2].as<int64_t>();
  });
}

}  // namespace metric_repo
}  // namespace smd::store
