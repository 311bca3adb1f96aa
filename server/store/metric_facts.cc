// The records the metrics read (store/metric_repository.h "The records the metrics read"):
// a patient's register row, visits, health checks, rehabilitation, psychological support
// and accepted moves, read set-wise (one query per table for a chunk of patients).
#include <algorithm>
#include <string_view>
#include <pqxx/pqxx>

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
                                      const FactsWindow& window) {
  std::vector<PatientFacts> out;
  const std::string arr = pg::TextArray(ids);
  for (const auto& r : tx.w().exec_prepared("metric.facts_patients", prefix, arr)) {
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
  auto dated = [&](const char* statement,
                   const std::function<void(PatientFacts&, const pqxx::row&)>& add) {
    merge(tx.w().exec_prepared(statement, arr, from, to), add);
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
  merge(tx.w().exec_prepared("metric.facts_moves", arr), [](PatientFacts& f, const pqxx::row& r) {
    f.moves.push_back({pg::DayField(r[1]), r[2].as<std::string>(), r[3].as<std::string>()});
  });
  return out;
}

}  // namespace metric_repo

std::vector<Statement> MetricFactStatements() {
  return {
      // ---- the records (LoadFactsOf; the patient list of ForEachFacts) ----
      {"metric.region_patients",
       "SELECT id::text FROM patient WHERE starts_with(jurisdiction, $1) ORDER BY patient.id"},
      {"metric.facts_patients",
       "SELECT " SMD_PATIENT_COLUMNS " FROM patient WHERE id = ANY($2::uuid[]) AND "
       "starts_with(jurisdiction, $1) ORDER BY patient.id"},
      // The dated records of the window [$2, $3] (FactsWindow). Ordered by the uuid column, not
      // by the text output column of the same name, so the index's order serves the ORDER BY
      // (the same order: uuid order is the text order of uuid::text).
      {"metric.facts_visits",
       "SELECT " SMD_VISIT_COLUMNS " FROM followup WHERE patient_id = ANY($1::uuid[]) AND "
       "current AND visit_date BETWEEN $2::date AND $3::date "
       "ORDER BY followup.patient_id, visit_date, recorded_at"},
      {"metric.facts_checks",
       "SELECT patient_id::text, check_date FROM health_check WHERE patient_id = "
       "ANY($1::uuid[]) AND check_date BETWEEN $2::date AND $3::date "
       "ORDER BY health_check.patient_id, check_date"},
      {"metric.facts_rehab",
       "SELECT patient_id::text, session_date FROM rehab_session WHERE patient_id = "
       "ANY($1::uuid[]) AND session_date BETWEEN $2::date AND $3::date "
       "ORDER BY rehab_session.patient_id, session_date"},
      {"metric.facts_psych",
       "SELECT patient_id::text, support_date FROM psych_support WHERE patient_id = "
       "ANY($1::uuid[]) AND support_date BETWEEN $2::date AND $3::date "
       "ORDER BY psych_support.patient_id, support_date"},
      {"metric.facts_moves",
       "SELECT " SMD_MOVE_COLUMNS " FROM patient_transfer WHERE patient_id = ANY($1::uuid[]) "
       "AND " SMD_ACCEPTED " ORDER BY patient_transfer.patient_id, " SMD_MOVE_DAY ", decided_at"},
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

absl::Status ForEachFacts(Tx& tx, const std::string& prefix,
                          const std::function<absl::StatusOr<bool>(PatientFacts&)>& fn,
                          const std::string& after_id, const FactsWindow& window) {
  // The region's patient ids first, through the jurisdiction index (a few milliseconds for a
  // district of a province-sized register); then their rows chunk by chunk by id. A keyset
  // walk over the primary key filtered by jurisdiction would read the whole register for
  // every chunk of a small region.
  ASSIGN_OR_RETURN(const std::vector<std::string> all_ids, PatientsIn(tx, prefix));
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
      chunk = LoadFactsOf(tx, prefix, ids, window);
      return absl::OkStatus();
    }));
    for (auto& f : chunk) {
      ASSIGN_OR_RETURN(const bool more, fn(f));
      if (!more) return absl::OkStatus();
    }
  }
  return absl::OkStatus();
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
