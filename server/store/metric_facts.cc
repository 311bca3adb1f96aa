// The records the metrics read (store/metric_repository.h "The records the metrics read"):
// a patient's register row, visits, health checks, rehabilitation, psychological support
// and accepted moves, read set-wise (one query per table for a chunk of patients).
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string_view>

#include "absl/time/civil_time.h"
#include "common/status_macros.h"
#include "store/errors.h"
#include "store/internal/metric_rows.h"
#include "store/internal/pg.h"
#include "store/internal/tx.h"
#include "store/metric_repository.h"
#include "store/record_codec.h"
#include "store/statements.h"

namespace smd::store {
namespace {

using domain::PatientFacts;

// Beijing calendar day of a timestamptz column.
#define SMD_BJ_DAY(col) "((" col " AT TIME ZONE 'UTC') + interval '8 hours')::date"
// The move counts from the transfer's effective date (schema 0017; issue 14), or for rows
// written before it from the day it was accepted.
#define SMD_MOVE_DAY "coalesce(effective_date, " SMD_BJ_DAY("decided_at") ")"
// Accepted transfers inside the system (TransferStatus ACCEPTED = 2).
#define SMD_ACCEPTED "status = 2 AND decided_at IS NOT NULL"
#define SMD_PATIENT_COLUMNS \
  "id::text, jurisdiction, diagnosis, status, closed_date, " SMD_BJ_DAY("registered_at")
#define SMD_VISIT_COLUMNS                                                                     \
  "patient_id::text, visit_date, mode, lost_reason, reports_death, risk_level, final_class, " \
  "adherence, hospitalization, trouble, accident, minor_trouble"
#define SMD_MOVE_COLUMNS "patient_id::text, " SMD_MOVE_DAY ", from_jurisdiction, to_jurisdiction"

// SetDenseFactsReadsForTest: -1 decide by the region's share, 0 by ids, 1 by range.
std::atomic<int> g_dense_for_test{-1};

constexpr size_t kFirstChunk = 125;
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

}  // namespace

namespace metric_repo {

std::vector<PatientFacts> LoadFactsOf(Tx& tx, const std::string& prefix,
                                      const std::vector<std::string>& ids,
                                      const FactsWindow& window, bool dense) {
  std::vector<PatientFacts> out;
  if (ids.empty()) return out;
  // The statements' "_range" forms read every patient between the first and the last id
  // (the ids are in order); the register rows read are then kept for `ids` only, so both
  // forms give the same facts, and the records of patients not kept are passed over by the
  // merge below.
  const std::string arr = dense ? pg::TextArray({ids.front(), ids.back()}) : pg::TextArray(ids);
  auto statement = [dense](const std::string& name) { return dense ? name + "_range" : name; };
  for (const auto& r : tx.w().exec_prepared(statement("metric.facts_patients"), arr, prefix)) {
    if (dense && !std::binary_search(ids.begin(), ids.end(), std::string_view(r[0].c_str()))) {
      continue;
    }
    out.push_back(PatientFromRow(r));
  }
  if (out.empty()) return out;
  // The window's bounds as date literals PostgreSQL reads ('-infinity' and 'infinity' when
  // unbounded).
  const std::string from =
      window.from ? absl::FormatCivilTime(*window.from) : std::string("-infinity");
  const std::string to = window.to ? absl::FormatCivilTime(*window.to) : std::string("infinity");
  // Every statement returns its rows in patient-id order, as `out` is (uuid order is the
  // text order of uuid::text), so the rows are matched to their patient by one merge.
  auto merge = [&](const pqxx::result& rows,
                   const std::function<void(PatientFacts&, const pqxx::row&)>& add) {
    size_t i = 0;
    for (const auto& r : rows) {
      const std::string_view id(r[0].c_str(), r[0].size());
      while (i < out.size() && std::string_view(out[i].patient_id) < id) ++i;
      if (i == out.size()) break;
      if (out[i].patient_id == id) add(out[i], r);
    }
  };
  auto dated = [&](const char* name,
                   const std::function<void(PatientFacts&, const pqxx::row&)>& add) {
    merge(tx.w().exec_prepared(statement(name), arr, from, to), add);
  };
  dated("metric.facts_visits",
        [](PatientFacts& f, const pqxx::row& r) { f.input.visits.push_back(VisitFromRow(r)); });
  dated("metric.facts_checks", [](PatientFacts& f, const pqxx::row& r) {
    f.input.health_checks.push_back(pg::DayField(r[1]));
  });
  dated("metric.facts_rehab",
        [](PatientFacts& f, const pqxx::row& r) { f.input.rehab.push_back(pg::DayField(r[1])); });
  dated("metric.facts_psych", [](PatientFacts& f, const pqxx::row& r) {
    f.input.psych_support.push_back(pg::DayField(r[1]));
  });
  merge(tx.w().exec_prepared(statement("metric.facts_moves"), arr),
        [](PatientFacts& f, const pqxx::row& r) {
          f.moves.push_back({pg::DayField(r[1]), r[2].as<std::string>(), r[3].as<std::string>()});
        });
  return out;
}

}  // namespace metric_repo

// Each records statement in two forms with the same parameters: $1 an array of patient ids,
// $2 and $3 the window's bounds (the moves take $1 only). The "ids" form reads the patients
// of $1 (one index descent each); the "range" form reads every patient from $1[1] to $1[2]
// (one descent, then the index in order), for a chunk of a region that holds most of the
// register, whose ids are then dense in the id order (LoadFactsOf).
// clang-format off
#define SMD_BY_IDS(col) col " = ANY($1::uuid[])"
#define SMD_BY_RANGE(col) col " BETWEEN ($1::uuid[])[1] AND ($1::uuid[])[2]"
// Ordered by the uuid column, not by the text output column of the same name, so the
// index's order serves the ORDER BY (the same order: uuid order is the text order of
// uuid::text).
#define SMD_FACTS_PATIENTS(by)                                                      \
  "SELECT " SMD_PATIENT_COLUMNS " FROM patient WHERE " by("id") " AND "            \
  "starts_with(jurisdiction, $2) ORDER BY patient.id"
#define SMD_FACTS_VISITS(by)                                                        \
  "SELECT " SMD_VISIT_COLUMNS " FROM followup WHERE " by("patient_id") " AND current " \
  "AND visit_date BETWEEN $2::date AND $3::date "                                   \
  "ORDER BY followup.patient_id, visit_date, recorded_at"
#define SMD_FACTS_MOVES(by)                                                          \
  "SELECT " SMD_MOVE_COLUMNS " FROM patient_transfer WHERE " by("patient_id") " AND " \
  SMD_ACCEPTED " ORDER BY patient_transfer.patient_id, " SMD_MOVE_DAY ", decided_at"
#define SMD_FACTS_DATED_BY(by, table, col)                                        \
  "SELECT patient_id::text, " col " FROM " table " WHERE " by("patient_id") " AND " col \
  " BETWEEN $2::date AND $3::date ORDER BY " table ".patient_id, " col
// clang-format on

std::vector<Statement> MetricFactStatements() {
  return {
      // ---- the records (LoadFactsOf; the patient list of ForEachFacts) ----
      {"metric.region_patients",
       "SELECT id::text FROM patient WHERE starts_with(jurisdiction, $1) ORDER BY patient.id"},
      // The register's row count as of the last ANALYZE (not a count: no scan, and the
      // same whatever the caller's row-level scope); -1 before the first.
      {"metric.register_estimate",
       "SELECT reltuples::bigint FROM pg_class WHERE oid = 'patient'::regclass"},
      {"metric.facts_patients", SMD_FACTS_PATIENTS(SMD_BY_IDS)},
      {"metric.facts_patients_range", SMD_FACTS_PATIENTS(SMD_BY_RANGE)},
      {"metric.facts_visits", SMD_FACTS_VISITS(SMD_BY_IDS)},
      {"metric.facts_visits_range", SMD_FACTS_VISITS(SMD_BY_RANGE)},
      {"metric.facts_checks", SMD_FACTS_DATED_BY(SMD_BY_IDS, "health_check", "check_date")},
      {"metric.facts_checks_range", SMD_FACTS_DATED_BY(SMD_BY_RANGE, "health_check", "check_date")},
      {"metric.facts_rehab", SMD_FACTS_DATED_BY(SMD_BY_IDS, "rehab_session", "session_date")},
      {"metric.facts_rehab_range",
       SMD_FACTS_DATED_BY(SMD_BY_RANGE, "rehab_session", "session_date")},
      {"metric.facts_psych", SMD_FACTS_DATED_BY(SMD_BY_IDS, "psych_support", "support_date")},
      {"metric.facts_psych_range",
       SMD_FACTS_DATED_BY(SMD_BY_RANGE, "psych_support", "support_date")},
      {"metric.facts_moves", SMD_FACTS_MOVES(SMD_BY_IDS)},
      {"metric.facts_moves_range", SMD_FACTS_MOVES(SMD_BY_RANGE)},
  };
}

namespace metric_repo {

absl::StatusOr<std::vector<PatientFacts>> LoadFacts(Tx& tx, const std::vector<std::string>& ids) {
  return Guard(
      [&]() -> absl::StatusOr<std::vector<PatientFacts>> { return LoadFactsOf(tx, "", ids); });
}

FactsWindow FactsWindow::FlagsAt(absl::CivilDay cutoff) {
  // domain::EvaluatePatient reads, for its flags: visits dated in [Jan 1, cut-off] (earlier
  // valid visits only name the date in a note; later ones are not yet made), health checks,
  // rehabilitation and psychological support in the same period (InPeriod), and the
  // register row. The first-visit anchor (the later of Jan 1 and registration) and the
  // stability window (three months back from the cut-off) are read from visits of the
  // period only: the stability window asks for the last valid visit *of the period*.
  return FactsWindow{absl::CivilDay(cutoff.year(), 1, 1), cutoff};
}

FactsWindow FactsWindow::ForSets(const std::vector<domain::FigureSet>& sets) {
  FactsWindow w;
  for (const domain::FigureSet& set : sets) {
    const FactsWindow one = FlagsAt(set.Cutoff(set.Slots()));  // the set's last cut-off
    if (!w.from || *one.from < *w.from) w.from = one.from;
    if (!w.to || *one.to > *w.to) w.to = one.to;
  }
  return w;
}

absl::Status ForEachFacts(Tx& tx, const std::string& prefix,
                          const std::function<absl::StatusOr<bool>(PatientFacts&)>& fn,
                          const std::string& after_id, const FactsWindow& window) {
  // The region's patient ids first, through the jurisdiction index (a few milliseconds for a
  // district of a province-sized register); then their rows chunk by chunk by id. A keyset
  // walk over the primary key filtered by jurisdiction would read the whole register for
  // every chunk of a small region.
  ASSIGN_OR_RETURN(const std::vector<std::string> all_ids, PatientsIn(tx, prefix));
  // A region holding at least half the register (a province on a province's server) has
  // dense ids: its chunks are read by id range, one index descent per table and chunk
  // rather than one per patient (LoadFactsOf). Ids are random (uuid v4), so a region's
  // share of any id range is about its share of the register.
  bool dense = false;
  RETURN_IF_ERROR(Guard([&]() -> absl::Status {
    const pqxx::result est = tx.w().exec_prepared("metric.register_estimate");
    const int64_t register_rows = est.empty() ? -1 : est[0][0].as<int64_t>(-1);
    dense = register_rows > 0 && static_cast<int64_t>(all_ids.size()) * 2 >= register_rows;
    return absl::OkStatus();
  }));
  if (const int forced = g_dense_for_test.load(); forced >= 0) dense = forced == 1;
  // Chunks grow from kFirstChunk to kFactsChunk: a reader that stops early (a page of a
  // patient list) reads few patients, a reader of the whole region few queries per patient.
  // Ids come in uuid order, which is their text order (fixed-width lowercase hex).
  const size_t first =
      after_id.empty()
          ? 0
          : static_cast<size_t>(std::upper_bound(all_ids.begin(), all_ids.end(), after_id) -
                                all_ids.begin());
  size_t chunk_size = kFirstChunk;
  for (size_t start = first; start < all_ids.size();
       start += chunk_size, chunk_size = std::min(chunk_size * 4, kFactsChunk)) {
    const std::vector<std::string> ids(all_ids.begin() + static_cast<std::ptrdiff_t>(start),
                                       all_ids.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                             all_ids.size(), start + chunk_size)));
    std::vector<PatientFacts> chunk;
    // Re-checked by prefix: a row may have moved out of the region since the ids were read.
    RETURN_IF_ERROR(Guard([&]() -> absl::Status {
      chunk = LoadFactsOf(tx, prefix, ids, window, dense);
      return absl::OkStatus();
    }));
    for (auto& f : chunk) {
      ASSIGN_OR_RETURN(const bool more, fn(f));
      if (!more) return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

void SetDenseFactsReadsForTest(std::optional<bool> dense) {
  g_dense_for_test.store(dense ? (*dense ? 1 : 0) : -1);
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

}  // namespace metric_repo
}  // namespace smd::store
