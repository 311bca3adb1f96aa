#include "store/metric_repository.h"

#include <algorithm>
#include <map>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "domain/region.h"
#include "store/errors.h"
#include "store/record_codec.h"
#include "store/internal/pg.h"
#include "store/internal/tx.h"
#include "store/statements.h"

namespace smd::store {
namespace {

using domain::kMaxMetricStatus;

// Beijing calendar day of a timestamptz column.
#define SMD_BJ_DAY(col) "((" col " AT TIME ZONE 'UTC') + interval '8 hours')::date"

constexpr char kPatientColumns[] =
    "id::text, jurisdiction, diagnosis, status, closed_date, " SMD_BJ_DAY("registered_at");
constexpr char kVisitColumns[] =
    "patient_id::text, visit_date, mode, lost_reason, reports_death, risk_level, final_class, "
    "adherence, hospitalization, trouble, accident, minor_trouble";
// The move counts from the transfer's effective date (schema 0017; issue 14), or for rows
// written before it from the day it was accepted.
#define SMD_MOVE_DAY "coalesce(effective_date, " SMD_BJ_DAY("decided_at") ")"
constexpr char kMoveColumns[] =
    "patient_id::text, " SMD_MOVE_DAY ", from_jurisdiction, to_jurisdiction";

constexpr long long kBuildLockKey = 0x736d645f6d747263LL;  // "smd_mtrc"

// Accepted transfers inside the system (TransferStatus ACCEPTED).
constexpr int kTransferAccepted = 2;

std::string SumColumns() {
  std::vector<std::string> cols;
  for (int s = 1; s <= kMaxMetricStatus; ++s) cols.push_back(absl::StrCat("sum(s", s, ")"));
  return absl::StrJoin(cols, ", ");
}

// The upsert of deltas into a rollup table keyed by (year, month, `key`): metric_rollup by
// community, metric_rollup_street by street (schema 0008).
std::string UpsertRollup(const std::string& table, const std::string& key) {
  std::vector<std::string> cols, vals, sets;
  for (int s = 1; s <= kMaxMetricStatus; ++s) {
    cols.push_back(absl::StrCat("s", s));
    vals.push_back(absl::StrCat("d[", s, "]"));
    sets.push_back(absl::StrCat("s", s, " = ", table, ".s", s, " + EXCLUDED.s", s));
  }
  return absl::StrCat(
      "INSERT INTO ", table, " (", key, ", year, month, ", absl::StrJoin(cols, ", "),
      ") SELECT c, $1::smallint, m, ", absl::StrJoin(vals, ", "),
      " FROM (SELECT c, m, d::bigint[] AS d FROM unnest($2::text[], $3::smallint[], $4::text[]) "
      "WITH ORDINALITY AS x(c, m, d, o) ORDER BY o) y "
      "ON CONFLICT (year, month, ", key, ") DO UPDATE SET ", absl::StrJoin(sets, ", "));
}

constexpr size_t kStreetCodeLength = 9;

// The deltas summed by (street, month), in that order: the street rows a writer locks
// after the community rows. All-zero sums are left out.
std::map<std::pair<std::string, int>, std::vector<int64_t>> StreetSums(
    const std::vector<domain::RollupDelta>& deltas) {
  std::map<std::pair<std::string, int>, std::vector<int64_t>> streets;
  for (const auto& d : deltas) {
    std::vector<int64_t>& sum = streets[{d.community.substr(0, kStreetCodeLength), d.month}];
    sum.resize(d.delta.size() - 1);
    for (size_t k = 1; k < d.delta.size(); ++k) sum[k - 1] += d.delta[k];
  }
  std::erase_if(streets, [](const auto& e) {
    return std::all_of(e.second.begin(), e.second.end(), [](int64_t x) { return x == 0; });
  });
  return streets;
}

// A count vector as the quoted array literal element of a text[] parameter.
std::string QuotedCounts(const std::vector<int64_t>& v) {
  std::vector<std::string> parts;
  for (int64_t x : v) parts.push_back(std::to_string(x));
  return absl::StrCat("\"{", absl::StrJoin(parts, ","), "}\"");
}

// The register's part of a patient's facts (one place for both the row and the new
// patient paths).
domain::PatientFacts FactsFromRegister(std::string id, std::string jurisdiction,
                                       domain::DiagnosisCategory diagnosis,
                                       domain::PatientStatus status,
                                       std::optional<absl::CivilDay> closed,
                                       absl::CivilDay registered_on) {
  domain::PatientFacts f;
  f.patient_id = std::move(id);
  f.jurisdiction = std::move(jurisdiction);
  auto& in = f.input;
  in.jurisdiction = f.jurisdiction;
  in.diagnosis = diagnosis;
  if (closed) {
    if (status == domain::PatientStatus::kDeceased) in.died_on = closed;
    if (status == domain::PatientStatus::kMovedOut) in.moved_out_on = closed;
    if (status == domain::PatientStatus::kCancelled) in.deregistered_on = closed;
  }
  in.registered_on = registered_on;
  // 社区康复 and 心理疏导 come from their dated records only (rehab_session, psych_support;
  // issue 14). The register's undated flag (参加社区康复) says nothing about a period, so it
  // is not read here (docs/metrics.md "社区康复 and 心理疏导").
  return f;
}

domain::PatientFacts PatientFromRow(const pqxx::row& r) {
  return FactsFromRegister(r[0].as<std::string>(), r[1].as<std::string>(),
                           static_cast<domain::DiagnosisCategory>(r[2].as<int>()),
                           static_cast<domain::PatientStatus>(r[3].as<int>()),
                           pg::OptDayField(r[4]), pg::DayField(r[5]));
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

domain::JurisdictionMove MoveFromRow(const pqxx::row& r) {
  return {pg::DayField(r[1]), r[2].as<std::string>(), r[3].as<std::string>()};
}

}  // namespace

std::vector<Statement> MetricStatements() {
  static const std::string patient =
      absl::StrCat("SELECT ", kPatientColumns, " FROM patient WHERE id = $1::uuid");
  static const std::string visits =
      absl::StrCat("SELECT ", kVisitColumns,
                   " FROM followup WHERE patient_id = $1::uuid AND current "
                   "ORDER BY visit_date, recorded_at");
  static const std::string moves = absl::StrCat(
      "SELECT ", kMoveColumns, " FROM patient_transfer WHERE patient_id = $1::uuid AND status = ",
      kTransferAccepted, " AND decided_at IS NOT NULL ORDER BY " SMD_MOVE_DAY ", decided_at");
  static const std::string upsert = UpsertRollup("metric_rollup", "community");
  static const std::string upsert_street = UpsertRollup("metric_rollup_street", "street");
  return {
      // Alerts raised in the period (Beijing days) by community prefix, and those that had
      // a required role nobody could take when raised (alert_gap cause 1).
      {"metric.alert_gaps",
       "SELECT substr(a.jurisdiction, 1, $2), count(*), "
       "count(*) FILTER (WHERE EXISTS (SELECT 1 FROM alert_gap g WHERE g.alert_id = a.id "
       "AND g.cause = 1)) FROM alert a WHERE starts_with(a.jurisdiction, $1) "
       "AND a.raised_at >= ($3::date::timestamp - interval '8 hours') AT TIME ZONE 'UTC' "
       "AND a.raised_at < ($4::date::timestamp + interval '16 hours') AT TIME ZONE 'UTC' "
       "GROUP BY 1"},
      {"metric.patient", patient.c_str()},
      {"metric.visits", visits.c_str()},
      {"metric.checks",
       "SELECT patient_id::text, check_date FROM health_check WHERE patient_id = $1::uuid "
       "ORDER BY check_date"},
      {"metric.moves", moves.c_str()},
      {"metric.rehab",
       "SELECT session_date FROM rehab_session WHERE patient_id = $1::uuid ORDER BY session_date"},
      {"metric.psych",
       "SELECT support_date FROM psych_support WHERE patient_id = $1::uuid ORDER BY support_date"},
      {"metric.get_states",
       "SELECT year, masks, communities FROM metric_patient_year WHERE patient_id = $1::uuid"},
      {"metric.put_state",
       "INSERT INTO metric_patient_year (patient_id, year, masks, communities, updated_at) "
       "VALUES ($1::uuid, $2, $3::integer[], $4::text[], now()) ON CONFLICT (patient_id, year) "
       "DO UPDATE SET masks = EXCLUDED.masks, communities = EXCLUDED.communities, "
       "updated_at = EXCLUDED.updated_at"},
      {"metric.apply", upsert.c_str()},
      {"metric.apply_street", upsert_street.c_str()},
      // Writers hold the shared lock from reading the built years to commit; a build holds
      // the exclusive one (docs/metrics.md "How the figures are kept").
      {"metric.lock_shared", "SELECT pg_advisory_xact_lock_shared($1)"},
      {"metric.built",
       "SELECT (SELECT array_agg(year ORDER BY year) FROM metric_year), "
       "(SELECT max(day) FROM metric_day)"},
      {"metric.build_lock", "SELECT pg_advisory_xact_lock($1)"},
  };
}

namespace metric_repo {

domain::PatientFacts FactsOfNewPatient(const domain::Patient& p) {
  return FactsFromRegister(p.id, p.jurisdiction, p.diagnosis, p.status, p.closed_date,
                           absl::ToCivilDay(p.registered_at, absl::FixedTimeZone(8 * 3600)));
}

absl::StatusOr<domain::PatientFacts> LoadFacts(Tx& tx, const std::string& patient_id) {
  return Guard([&]() -> absl::StatusOr<domain::PatientFacts> {
    pqxx::result p = tx.w().exec_prepared("metric.patient", patient_id);
    if (p.empty()) return absl::NotFoundError("patient_id: 患者不存在 (no such patient)");
    domain::PatientFacts f = PatientFromRow(p[0]);
    for (const auto& r : tx.w().exec_prepared("metric.visits", patient_id)) {
      f.input.visits.push_back(VisitFromRow(r));
    }
    for (const auto& r : tx.w().exec_prepared("metric.checks", patient_id)) {
      f.input.health_checks.push_back(pg::DayField(r[1]));
    }
    for (const auto& r : tx.w().exec_prepared("metric.moves", patient_id)) {
      f.moves.push_back(MoveFromRow(r));
    }
    for (const auto& r : tx.w().exec_prepared("metric.rehab", patient_id)) {
      f.input.rehab.push_back(pg::DayField(r[0]));
    }
    for (const auto& r : tx.w().exec_prepared("metric.psych", patient_id)) {
      f.input.psych_support.push_back(pg::DayField(r[0]));
    }
    return f;
  });
}

absl::Status ForEachFacts(Tx& tx, const std::string& prefix,
                          const std::function<absl::Status(domain::PatientFacts&)>& fn) {
  constexpr size_t kChunk = 2000;
  // The region's patient ids first, through the jurisdiction index (a few milliseconds for a
  // district of a province-sized register); then their rows chunk by chunk by id. A keyset
  // walk over the primary key filtered by jurisdiction would read the whole register for
  // every chunk of a small region.
  std::vector<std::string> all_ids;
  RETURN_IF_ERROR(Guard([&]() -> absl::Status {
    for (const auto& r : tx.w().exec_params(
             "SELECT id::text FROM patient WHERE starts_with(jurisdiction, $1) ORDER BY id",
             prefix)) {
      all_ids.push_back(r[0].as<std::string>());
    }
    return absl::OkStatus();
  }));
  for (size_t start = 0; start < all_ids.size(); start += kChunk) {
    std::vector<domain::PatientFacts> chunk;
    RETURN_IF_ERROR(Guard([&]() -> absl::Status {
      const std::vector<std::string> ids(
          all_ids.begin() + static_cast<std::ptrdiff_t>(start),
          all_ids.begin() + static_cast<std::ptrdiff_t>(std::min(all_ids.size(), start + kChunk)));
      const std::string arr = pg::TextArray(ids);
      // Re-checked: a row may have moved out of the region since the id list was read.
      for (const auto& r : tx.w().exec_params(
               absl::StrCat("SELECT ", kPatientColumns,
                            " FROM patient WHERE id = ANY($2::uuid[]) AND "
                            "starts_with(jurisdiction, $1) ORDER BY id"),
               prefix, arr)) {
        chunk.push_back(PatientFromRow(r));
      }
      if (chunk.empty()) return absl::OkStatus();
      std::map<std::string, size_t> index;
      for (size_t i = 0; i < chunk.size(); ++i) index[chunk[i].patient_id] = i;
      for (const auto& r : tx.w().exec_params(
               absl::StrCat("SELECT ", kVisitColumns,
                            " FROM followup WHERE patient_id = ANY($1::uuid[]) AND current "
                            "ORDER BY patient_id, visit_date, recorded_at"),
               arr)) {
        auto it = index.find(r[0].as<std::string>());
        if (it != index.end()) chunk[it->second].input.visits.push_back(VisitFromRow(r));
      }
      for (const auto& r : tx.w().exec_params(
               "SELECT patient_id::text, check_date FROM health_check WHERE patient_id = "
               "ANY($1::uuid[]) ORDER BY patient_id, check_date",
               arr)) {
        auto it = index.find(r[0].as<std::string>());
        if (it != index.end()) chunk[it->second].input.health_checks.push_back(pg::DayField(r[1]));
      }
      for (const auto& r : tx.w().exec_params(
               "SELECT patient_id::text, session_date FROM rehab_session WHERE patient_id = "
               "ANY($1::uuid[]) ORDER BY patient_id, session_date",
               arr)) {
        auto it = index.find(r[0].as<std::string>());
        if (it != index.end()) chunk[it->second].input.rehab.push_back(pg::DayField(r[1]));
      }
      for (const auto& r : tx.w().exec_params(
               "SELECT patient_id::text, support_date FROM psych_support WHERE patient_id = "
               "ANY($1::uuid[]) ORDER BY patient_id, support_date",
               arr)) {
        auto it = index.find(r[0].as<std::string>());
        if (it != index.end()) {
          chunk[it->second].input.psych_support.push_back(pg::DayField(r[1]));
        }
      }
      for (const auto& r : tx.w().exec_params(
               absl::StrCat("SELECT ", kMoveColumns,
                            " FROM patient_transfer WHERE patient_id = ANY($1::uuid[]) AND "
                            "status = ",
                            kTransferAccepted,
                            " AND decided_at IS NOT NULL ORDER BY patient_id, " SMD_MOVE_DAY
                            ", decided_at"),
               arr)) {
        auto it = index.find(r[0].as<std::string>());
        if (it != index.end()) chunk[it->second].moves.push_back(MoveFromRow(r));
      }
      return absl::OkStatus();
    }));
    for (auto& f : chunk) RETURN_IF_ERROR(fn(f));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::map<int, domain::PatientYearState>> GetStates(Tx& tx,
                                                                  const std::string& patient_id) {
  return Guard([&]() -> absl::StatusOr<std::map<int, domain::PatientYearState>> {
    std::map<int, domain::PatientYearState> out;
    for (const auto& r : tx.w().exec_prepared("metric.get_states", patient_id)) {
      domain::PatientYearState st;
      const std::vector<std::string> masks = pg::ParseArray(r[1].as<std::string>());
      const std::vector<std::string> comms = pg::ParseArray(r[2].as<std::string>());
      if (masks.size() != 12 || comms.size() != 12) {
        return absl::DataLossError("metric state malformed");
      }
      for (int m = 0; m < 12; ++m) {
        st.masks[m] = static_cast<uint32_t>(std::stoll(masks[m]));
        st.communities[m] = comms[m] == "\"\"" ? "" : comms[m];
      }
      out[r[0].as<int>()] = st;
    }
    return out;
  });
}

absl::Status PutState(Tx& tx, const std::string& patient_id, int year,
                      const domain::PatientYearState& st) {
  std::vector<std::string> masks, comms;
  for (int m = 0; m < 12; ++m) {
    masks.push_back(std::to_string(st.masks[m]));
    comms.push_back(st.communities[m].empty() ? "\"\"" : st.communities[m]);
  }
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("metric.put_state", patient_id, year, pg::TextArray(masks),
                         pg::TextArray(comms));
    return absl::OkStatus();
  });
}

absl::Status PutStates(Tx& tx, int year,
                       const std::vector<std::pair<std::string, domain::PatientYearState>>& rows) {
  constexpr size_t kChunk = 5000;
  for (size_t start = 0; start < rows.size(); start += kChunk) {
    std::vector<std::string> ids, masks, comms;
    for (size_t i = start; i < std::min(rows.size(), start + kChunk); ++i) {
      const auto& [id, st] = rows[i];
      std::vector<std::string> m, c;
      for (int k = 0; k < 12; ++k) {
        m.push_back(std::to_string(st.masks[k]));
        c.push_back(st.communities[k].empty() ? "\"\"" : st.communities[k]);
      }
      ids.push_back(id);
      // Elements of a text[] whose values are array literals: quoted, inner quotes escaped.
      masks.push_back(absl::StrCat("\"", pg::TextArray(m), "\""));
      std::string lit = pg::TextArray(c);
      std::string escaped;
      for (char ch : lit) {
        if (ch == '"' || ch == '\\') escaped += '\\';
        escaped += ch;
      }
      comms.push_back(absl::StrCat("\"", escaped, "\""));
    }
    RETURN_IF_ERROR(Guard([&]() -> absl::Status {
      tx.w().exec_params(
          "INSERT INTO metric_patient_year (patient_id, year, masks, communities, updated_at) "
          "SELECT p, $1, m::integer[], c::text[], now() FROM unnest($2::uuid[], $3::text[], "
          "$4::text[]) AS x(p, m, c)",
          year, pg::TextArray(ids), pg::TextArray(masks), pg::TextArray(comms));
      return absl::OkStatus();
    }));
  }
  return absl::OkStatus();
}

absl::Status ApplyDeltas(Tx& tx, int year, const std::vector<domain::RollupDelta>& deltas) {
  if (deltas.empty()) return absl::OkStatus();
  // The street rows get the same deltas summed by street, in (street, month) order: every
  // writer locks community rows first, then street rows, each set in key order, so two
  // writers never wait for each other in a cycle.
  const auto streets = StreetSums(deltas);
  auto run = [&](const char* statement, const std::vector<std::string>& keys,
                 const std::vector<std::string>& months, const std::vector<std::string>& counts) {
    return Guard([&]() -> absl::Status {
      tx.w().exec_prepared(statement, year, pg::TextArray(keys), pg::TextArray(months),
                           pg::TextArray(counts));
      return absl::OkStatus();
    });
  };
  std::vector<std::string> keys, months, counts;
  for (const auto& d : deltas) {
    keys.push_back(d.community);
    months.push_back(std::to_string(d.month));
    std::vector<int> v(d.delta.begin() + 1, d.delta.end());
    counts.push_back(absl::StrCat("\"", pg::IntArray(v), "\""));
  }
  RETURN_IF_ERROR(run("metric.apply", keys, months, counts));
  keys.clear();
  months.clear();
  counts.clear();
  for (const auto& [k, sum] : streets) {
    keys.push_back(k.first);
    months.push_back(std::to_string(k.second));
    counts.push_back(QuotedCounts(sum));
  }
  if (keys.empty()) return absl::OkStatus();
  return run("metric.apply_street", keys, months, counts);
}

absl::StatusOr<Built> BuiltFigures(Tx& tx) {
  return Guard([&]() -> absl::StatusOr<Built> {
    // The lock first, in a statement of its own: under READ COMMITTED a statement's
    // snapshot is taken when it starts, so a read in the statement that waited for a build
    // would not see what the build committed (a new year would look unbuilt, and this
    // write would be missing from it).
    tx.w().exec_prepared("metric.lock_shared", kBuildLockKey);
    Built out;
    pqxx::result r = tx.w().exec_prepared("metric.built");
    if (!r[0][0].is_null()) {
      for (const std::string& y : pg::ParseArray(r[0][0].as<std::string>())) {
        out.years.push_back(std::stoi(y));
      }
    }
    if (!r[0][1].is_null()) out.day = pg::DayField(r[0][1]);
    return out;
  });
}

absl::Status LockForBuild(Tx& tx) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("metric.build_lock", kBuildLockKey);
    return absl::OkStatus();
  });
}

absl::Status MarkYearBuilt(Tx& tx, int year) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_params(
        "INSERT INTO metric_year (year, built_at) VALUES ($1, now()) ON CONFLICT DO NOTHING",
        year);
    return absl::OkStatus();
  });
}

absl::Status ClearPatientStates(Tx& tx, int year, const std::string& prefix) {
  return Guard([&]() -> absl::Status {
    // Through the jurisdiction index: a bare DELETE ... WHERE year = $1 would test the
    // row-level policy on every state row of the year, once per district built.
    tx.w().exec_params(
        "DELETE FROM metric_patient_year m USING patient p WHERE m.year = $1 AND "
        "m.patient_id = p.id AND starts_with(p.jurisdiction, $2)",
        year, prefix);
    return absl::OkStatus();
  });
}

absl::Status ClearYear(Tx& tx, int year) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_params("DELETE FROM metric_patient_year WHERE year = $1", year);
    tx.w().exec_params("DELETE FROM metric_rollup WHERE year = $1", year);
    tx.w().exec_params("DELETE FROM metric_rollup_street WHERE year = $1", year);
    tx.w().exec_params("DELETE FROM metric_year WHERE year = $1", year);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<RegionCounts>> Rollup(Tx& tx, const std::string& prefix, int year,
                                                 int month, int child_len) {
  static const std::string sums = SumColumns();
  return Guard([&]() -> absl::StatusOr<std::vector<RegionCounts>> {
    std::vector<RegionCounts> out;
    // Regions down to the district read the street rows (a province's are about a tenth of
    // its community rows); a street or a community reads the community rows.
    const bool by_street = static_cast<size_t>(child_len) <= kStreetCodeLength;
    const std::string sql =
        by_street ? absl::StrCat("SELECT substr(street, 1, $4), ", sums,
                                 " FROM metric_rollup_street WHERE year = $2 AND month = $3 AND "
                                 "starts_with(street, $1) GROUP BY 1 ORDER BY 1")
                  : absl::StrCat("SELECT substr(community, 1, $4), ", sums,
                                 " FROM metric_rollup WHERE year = $2 AND month = $3 AND "
                                 "starts_with(community, $1) GROUP BY 1 ORDER BY 1");
    for (const auto& r : tx.w().exec_params(sql, prefix, year, month, child_len)) {
      RegionCounts rc;
      rc.code = r[0].as<std::string>();
      for (int s = 1; s <= kMaxMetricStatus; ++s) rc.counts.count[s] = r[s].as<int64_t>();
      out.push_back(std::move(rc));
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
    for (const auto& r : tx.w().exec_params("SELECT code, needing, covered FROM "
                                            "smd_team_coverage($1, $2)",
                                            prefix, child_len)) {
      ExternalCounts& c = out[r[0].as<std::string>()];
      c.team_needing = r[1].as<int64_t>();
      c.team_covered = r[2].as<int64_t>();
    }
    // Periods are Beijing calendar days: [from 00:00, to + 1 day 00:00) at UTC+8.
    for (const auto& r : tx.w().exec_params(
             "SELECT substr(a.jurisdiction, 1, $2), "
             "count(r.delivered_at), "
             "coalesce(round(sum(extract(epoch FROM r.delivered_at - a.raised_at)) / 60), 0)::bigint, "
             "count(r.acked_at), "
             "coalesce(round(sum(extract(epoch FROM r.acked_at - a.raised_at)) / 60), 0)::bigint "
             "FROM alert a JOIN alert_recipient r ON r.alert_id = a.id "
             "WHERE starts_with(a.jurisdiction, $1) "
             "AND a.raised_at >= ($3::date::timestamp - interval '8 hours') AT TIME ZONE 'UTC' "
             "AND a.raised_at < ($4::date::timestamp + interval '16 hours') AT TIME ZONE 'UTC' "
             "GROUP BY 1",
             prefix, child_len, pg::Day(from), pg::Day(to))) {
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
    pqxx::result own = tx.w().exec_params(
        "SELECT residents FROM region_population WHERE code = $1 AND year = $2", code, year);
    if (!own.empty()) return own[0][0].as<int64_t>();
    // Children by code shape, not by parent link: a district created before its city has
    // no link but is still the city's.
    const int child_len = domain::ChildCodeLength(code);
    if (child_len == 0) return std::nullopt;
    pqxx::result kids = tx.w().exec_params(
        "SELECT count(*), count(p.residents), coalesce(sum(p.residents), 0) FROM region r "
        "LEFT JOIN region_population p ON p.code = r.code AND p.year = $2 "
        "WHERE starts_with(r.code, $1) AND char_length(r.code) = $3",
        code, year, child_len);
    const int64_t n = kids[0][0].as<int64_t>(), have = kids[0][1].as<int64_t>();
    if (n == 0 || have < n) return std::nullopt;
    return kids[0][2].as<int64_t>();
  });
}

absl::StatusOr<std::vector<std::string>> PatientsWith(Tx& tx, const std::string& prefix, int year,
                                                      int month, domain::MetricStatus base,
                                                      domain::MetricStatus want, bool has,
                                                      const std::string& after_id, int limit) {
  return Guard([&]() -> absl::StatusOr<std::vector<std::string>> {
    std::vector<std::string> out;
    const int64_t base_bit = int64_t{1} << static_cast<int>(base);
    const int64_t want_bit = int64_t{1} << static_cast<int>(want);
    for (const auto& r : tx.w().exec_params(
             "SELECT patient_id::text FROM metric_patient_year WHERE year = $2 "
             "AND starts_with(communities[$3], $1) AND masks[$3] & $4 <> 0 "
             "AND (masks[$3] & $5 <> 0) = $6 AND patient_id > $7::uuid "
             "ORDER BY patient_id LIMIT $8",
             prefix, year, month, base_bit, want_bit, has,
             after_id.empty() ? "00000000-0000-0000-0000-000000000000" : after_id, limit)) {
      out.push_back(r[0].as<std::string>());
    }
    return out;
  });
}

// ---- the "as of today" day ------------------------------------------------------------

absl::StatusOr<domain::PatientYearState> GetDayState(Tx& tx, const std::string& patient_id,
                                                     absl::CivilDay day) {
  return Guard([&]() -> absl::StatusOr<domain::PatientYearState> {
    domain::PatientYearState st;
    pqxx::result r = tx.w().exec_params(
        "SELECT mask, community FROM metric_patient_day WHERE patient_id = $1::uuid AND day = "
        "$2::date",
        patient_id, pg::Day(day));
    if (!r.empty()) {
      st.masks[0] = static_cast<uint32_t>(r[0][0].as<int64_t>());
      st.communities[0] = r[0][1].as<std::string>();
    }
    return st;
  });
}

absl::Status PutDayState(Tx& tx, const std::string& patient_id, absl::CivilDay day,
                         const domain::PatientYearState& st) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_params(
        "INSERT INTO metric_patient_day (patient_id, day, mask, community, updated_at) "
        "VALUES ($1::uuid, $2::date, $3, $4, now()) ON CONFLICT (patient_id) DO UPDATE SET "
        "day = EXCLUDED.day, mask = EXCLUDED.mask, community = EXCLUDED.community, "
        "updated_at = EXCLUDED.updated_at",
        patient_id, pg::Day(day), static_cast<int64_t>(st.masks[0]), st.communities[0]);
    return absl::OkStatus();
  });
}

absl::Status PutDayStates(
    Tx& tx, absl::CivilDay day,
    const std::vector<std::pair<std::string, domain::PatientYearState>>& rows) {
  constexpr size_t kChunk = 5000;
  for (size_t start = 0; start < rows.size(); start += kChunk) {
    std::vector<std::string> ids, masks, comms;
    for (size_t i = start; i < std::min(rows.size(), start + kChunk); ++i) {
      ids.push_back(rows[i].first);
      masks.push_back(std::to_string(rows[i].second.masks[0]));
      comms.push_back(rows[i].second.communities[0]);
    }
    RETURN_IF_ERROR(Guard([&]() -> absl::Status {
      tx.w().exec_params(
          "INSERT INTO metric_patient_day (patient_id, day, mask, community, updated_at) "
          "SELECT p, $1::date, m, c, now() FROM unnest($2::uuid[], $3::integer[], $4::text[]) "
          "AS x(p, m, c)",
          pg::Day(day), pg::TextArray(ids), pg::TextArray(masks), pg::TextArray(comms));
      return absl::OkStatus();
    }));
  }
  return absl::OkStatus();
}

absl::Status ApplyDayDeltas(Tx& tx, absl::CivilDay day,
                            const std::vector<domain::RollupDelta>& deltas) {
  if (deltas.empty()) return absl::OkStatus();
  static const std::string sql = [] {
    std::vector<std::string> cols, vals, sets;
    for (int s = 1; s <= kMaxMetricStatus; ++s) {
      cols.push_back(absl::StrCat("s", s));
      vals.push_back(absl::StrCat("d[", s, "]"));
      sets.push_back(absl::StrCat("s", s, " = metric_rollup_day.s", s, " + EXCLUDED.s", s));
    }
    return absl::StrCat(
        "INSERT INTO metric_rollup_day (code, day, ", absl::StrJoin(cols, ", "),
        ") SELECT c, $1::date, ", absl::StrJoin(vals, ", "),
        " FROM (SELECT c, d::bigint[] AS d FROM unnest($2::text[], $3::text[]) "
        "WITH ORDINALITY AS x(c, d, o) ORDER BY o) y "
        "ON CONFLICT (day, code) DO UPDATE SET ",
        absl::StrJoin(sets, ", "));
  }();
  // Community rows in the deltas' order, then the street rows they sum to, in street order
  // (the same lock order as ApplyDeltas).
  std::vector<std::string> codes, counts;
  for (const auto& d : deltas) {
    codes.push_back(d.community);
    std::vector<int> v(d.delta.begin() + 1, d.delta.end());
    counts.push_back(absl::StrCat("\"", pg::IntArray(v), "\""));
  }
  for (const auto& [k, sum] : StreetSums(deltas)) {  // day deltas all have month 1
    codes.push_back(k.first);
    counts.push_back(QuotedCounts(sum));
  }
  return Guard([&]() -> absl::Status {
    tx.w().exec_params(sql, pg::Day(day), pg::TextArray(codes), pg::TextArray(counts));
    return absl::OkStatus();
  });
}

absl::Status ClearDay(Tx& tx) {
  return Guard([&]() -> absl::Status {
    tx.w().exec("DELETE FROM metric_rollup_day");
    tx.w().exec("DELETE FROM metric_day");
    return absl::OkStatus();
  });
}

absl::Status ClearPatientDayStates(Tx& tx, const std::string& prefix) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_params(
        "DELETE FROM metric_patient_day m USING patient p WHERE m.patient_id = p.id AND "
        "starts_with(p.jurisdiction, $1)",
        prefix);
    return absl::OkStatus();
  });
}

absl::Status MarkDayBuilt(Tx& tx, absl::CivilDay day) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_params("INSERT INTO metric_day (day, built_at) VALUES ($1::date, now())",
                       pg::Day(day));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<RegionCounts>> RollupDay(Tx& tx, const std::string& prefix,
                                                    absl::CivilDay day, int child_len) {
  static const std::string sums = SumColumns();
  return Guard([&]() -> absl::StatusOr<std::vector<RegionCounts>> {
    std::vector<RegionCounts> out;
    // Street rows for a district or above, community rows for a street or a community.
    const int row_len =
        static_cast<size_t>(child_len) <= kStreetCodeLength ? kStreetCodeLength : 12;
    const std::string sql = absl::StrCat(
        "SELECT substr(code, 1, $3), ", sums,
        " FROM metric_rollup_day WHERE day = $2::date AND starts_with(code, $1) "
        "AND char_length(code) = $4 GROUP BY 1 ORDER BY 1");
    for (const auto& r : tx.w().exec_params(sql, prefix, pg::Day(day), child_len, row_len)) {
      RegionCounts rc;
      rc.code = r[0].as<std::string>();
      for (int s = 1; s <= kMaxMetricStatus; ++s) rc.counts.count[s] = r[s].as<int64_t>();
      out.push_back(std::move(rc));
    }
    return out;
  });
}

}  // namespace metric_repo
}  // namespace smd::store
