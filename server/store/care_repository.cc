#include "store/care_repository.h"

#include <pqxx/pqxx>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "crypto/blind_index.h"
#include "store/cipher_cells.h"
#include "store/errors.h"
#include "store/internal/pg.h"
#include "store/internal/tx.h"
#include "store/metric_repository.h"
#include "store/record_codec.h"
#include "store/statements.h"

namespace smd::store {
namespace {

// Columns 16.. are the form's facts kept in typed columns: what a visit whose form_enc
// does not decrypt is still listed with (domain::FormFromFacts).
constexpr char kFollowUpColumns[] =
    "id::text, visit_id::text, version, current, patient_id::text, form_enc, computed_class, "
    "final_class, actions::text, next_due, next_is_review, rule_set, author_id::text, "
    "correction_reason, recorded_at, lost_reason, visit_date, mode, failed, reports_death, "
    "risk_level, adherence, hospitalization, minor_trouble, trouble, accident";

std::optional<double> OptDouble(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<double>();
}

std::optional<int> OptInt(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<int>();
}

// The worklists (CareRepository::Worklist), one named statement per kind. Parameters: $1
// the region prefix, $2 today, $3 the days ahead, $4..$6 the keyset (urgency, due date,
// patient id; $4 NULL on the first page), $7 the limit.
//
// Urgency: unstable first, then basically stable, then the rest (rules.md §4.2: the
// unstable are due within 2 weeks and need referral); within a level, the earliest due
// date (the most overdue) first, then the patient id.
//
// The page is chosen from patient_schedule alone: it carries the patient's jurisdiction
// and status (kept by triggers in the patient's own transaction, migrations 0024 and
// 0025), so the region is an index range ([$1, smd_prefix_end($1)), usable in a generic
// plan) and no patient row is read before the LIMIT. Only the page's patients are then
// read (name, risk level), and only their names decrypted. A schedule row is visible
// exactly when its patient is (the same policy on the same codes), so the join keeps
// every row of the page.
std::string WorklistSql(WorklistKind kind) {
  std::string filter;
  switch (kind) {
    case WorklistKind::kOverdue:
      filter = "s.next_due < $2::date";
      break;
    case WorklistKind::kDueSoon:
      filter = "s.next_due >= $2::date AND s.next_due <= $2::date + $3::int";
      break;
    case WorklistKind::kUnstableNotSeen:
      filter = "s.last_class = 1 AND (s.last_valid_visit IS NULL OR "
               "s.last_valid_visit < $2::date - 14)";
      break;
    case WorklistKind::kDischargedNotSeen:
      filter = "s.discharged_on IS NOT NULL";
      break;
    case WorklistKind::kTwoWeekReview:
      filter = "s.due_kind = 2 AND s.next_due <= $2::date + $3::int";
      break;
  }
  static constexpr char kUrgency[] = "CASE s.last_class WHEN 1 THEN 0 WHEN 2 THEN 1 ELSE 2 END";
  return absl::StrCat(
      "SELECT p.id::text, p.name_enc, p.jurisdiction, p.risk_level, w.last_class, w.next_due, "
      "w.last_valid_visit, w.discharged_on, w.due_kind, w.urgency, p.enc_version FROM (",
      "SELECT s.patient_id, s.last_class, s.next_due, s.last_valid_visit, s.discharged_on, "
      "s.due_kind, ", kUrgency, " AS urgency, "
      // Types $2 and $3 in the lists that do not filter on them (PostgreSQL infers
      // every parameter's type from the statement).
      "$2::date AS today, $3::int AS days FROM patient_schedule s "
      "WHERE s.patient_jurisdiction >= ($1::text COLLATE \"C\") "
      "AND s.patient_jurisdiction < smd_prefix_end($1::text) "
      "AND s.patient_status = 1 AND ", filter,
      " AND ($4::int IS NULL OR (", kUrgency, ", coalesce(s.next_due, 'infinity'::date), "
      "s.patient_id) > ($4::int, coalesce($5::date, 'infinity'::date), $6::uuid)) "
      "ORDER BY urgency, s.next_due NULLS LAST, s.patient_id LIMIT $7) w "
      "JOIN patient p ON p.id = w.patient_id "
      "ORDER BY w.urgency, w.next_due NULLS LAST, w.patient_id");
}

const char* WorklistStatement(WorklistKind kind) {
  switch (kind) {
    case WorklistKind::kOverdue:
      return "worklist.overdue";
    case WorklistKind::kDueSoon:
      return "worklist.due_soon";
    case WorklistKind::kUnstableNotSeen:
      return "worklist.unstable_not_seen";
    case WorklistKind::kDischargedNotSeen:
      return "worklist.discharged_not_seen";
    case WorklistKind::kTwoWeekReview:
      return "worklist.two_week_review";
  }
  return "worklist.overdue";
}

constexpr WorklistKind kWorklistKinds[] = {
    WorklistKind::kOverdue, WorklistKind::kDueSoon, WorklistKind::kUnstableNotSeen,
    WorklistKind::kDischargedNotSeen, WorklistKind::kTwoWeekReview};

}  // namespace

std::vector<Statement> CareStatements() {
  static const std::string current = std::string("SELECT ") + kFollowUpColumns +
                                     " FROM followup WHERE visit_id = $1::uuid AND current "
                                     "FOR UPDATE";
  static const std::string list = std::string("SELECT ") + kFollowUpColumns +
                                  " FROM followup WHERE patient_id = $1::uuid AND "
                                  "($2 OR current) ORDER BY visit_date DESC, recorded_at DESC, "
                                  "version DESC OFFSET $3 LIMIT $4";
  static const std::string last_valid =
      std::string("SELECT ") + kFollowUpColumns +
      " FROM followup WHERE patient_id = $1::uuid AND current AND NOT failed AND NOT "
      "reports_death AND risk_level >= 0 ORDER BY visit_date DESC, recorded_at DESC LIMIT 1";
  static const std::vector<std::string> worklists = [] {
    std::vector<std::string> v;
    for (WorklistKind k : kWorklistKinds) v.push_back(WorklistSql(k));
    return v;
  }();
  std::vector<Statement> out = {
      {"followup.insert",
       "INSERT INTO followup (id, visit_id, version, current, patient_id, visit_date, mode, "
       "failed, lost_reason, reports_death, risk_level, computed_class, final_class, adherence, "
       "hospitalization, trouble, accident, minor_trouble, rehab, actions, next_due, "
       "next_is_review, rule_set, form_enc, author_id, correction_reason, recorded_at) VALUES "
       "($1::uuid, $2::uuid, $3, true, $4::uuid, $5::date, $6, $7, $8, $9, $10, $11, $12, $13, "
       "$14, $15, $16, $17, $18, $19::smallint[], $20::date, $21, $22, $23, $24::uuid, $25, "
       "$26::timestamptz)"},
      {"followup.original",
       "SELECT recorded_at, author_id::text FROM followup WHERE visit_id = $1::uuid "
       "AND version = 1"},
      {"followup.retire", "UPDATE followup SET current = false WHERE visit_id = $1::uuid"},
      {"followup.current", current.c_str()},
      {"followup.list", list.c_str()},
      {"followup.last_valid", last_valid.c_str()},
      {"followup.history",
       "SELECT id::text, visit_id::text, version, visit_date, failed, reports_death, "
       "final_class, risk_level, next_due, next_is_review, recorded_at FROM followup "
       "WHERE patient_id = $1::uuid AND current ORDER BY visit_date, recorded_at"},
      {"schedule.get",
       "SELECT next_due, due_kind, last_visit, last_valid_visit, last_class, trailing_failed, "
       "discharged_on, first_due FROM patient_schedule WHERE patient_id = $1::uuid"},
      // The schedule row and the latest discharge in one round trip (typed columns only,
      // so a damaged summary cannot stop the schedule): one row, NULLs for what is absent
      // (the first column tells a missing schedule from NULL columns).
      {"schedule.get_inputs",
       "SELECT s.patient_id IS NOT NULL, s.next_due, s.due_kind, s.last_visit, "
       "s.last_valid_visit, s.last_class, s.trailing_failed, s.discharged_on, s.first_due, "
       "d.discharged_on, d.first_due FROM (SELECT $1::uuid AS id) one "
       "LEFT JOIN patient_schedule s ON s.patient_id = one.id "
       "LEFT JOIN LATERAL (SELECT discharged_on, first_due FROM discharge "
       "WHERE patient_id = one.id ORDER BY discharged_on DESC, recorded_at DESC, id DESC "
       "LIMIT 1) d ON true"},
      {"schedule.put_first",
       "INSERT INTO patient_schedule (patient_id, next_due, due_kind, first_due, updated_at) "
       "SELECT id, $2::date, $3, $2::date, $4::timestamptz FROM unnest($1::uuid[]) AS id"},
      {"schedule.put",
       "INSERT INTO patient_schedule (patient_id, next_due, due_kind, last_visit, "
       "last_valid_visit, last_class, trailing_failed, discharged_on, first_due, updated_at) "
       "VALUES ($1::uuid, $2::date, $3, $4::date, $5::date, $6, $7, $8::date, $9::date, "
       "$10::timestamptz) ON CONFLICT (patient_id) DO UPDATE SET next_due = EXCLUDED.next_due, "
       "due_kind = EXCLUDED.due_kind, last_visit = EXCLUDED.last_visit, last_valid_visit = "
       "EXCLUDED.last_valid_visit, last_class = EXCLUDED.last_class, trailing_failed = "
       "EXCLUDED.trailing_failed, discharged_on = EXCLUDED.discharged_on, first_due = "
       "EXCLUDED.first_due, updated_at = EXCLUDED.updated_at"},
      {"emergency.insert",
       "INSERT INTO emergency (id, patient_id, started_at, ended_at, trigger, registered, "
       "details_enc, recorded_by, recorded_at) VALUES ($1::uuid, $2::uuid, $3::timestamptz, "
       "$4::timestamptz, $5, $6, $7, $8::uuid, $9::timestamptz)"},
      {"emergency.list",
       "SELECT id::text, started_at, ended_at, trigger, registered, details_enc, "
       "recorded_by::text, recorded_at FROM emergency WHERE patient_id = $1::uuid "
       "ORDER BY started_at, recorded_at, id"},
      {"referral.insert",
       "INSERT INTO referral (id, patient_id, hospital, department, urgent, status, "
       "details_enc, requested_by, requested_at, updated_at, enc_version) VALUES ($1::uuid, "
       "$2::uuid, $3, $4, $5, $6, $7, $8::uuid, $9::timestamptz, $9::timestamptz, $10)"},
      {"referral.get",
       "SELECT id::text, patient_id::text, hospital, department, urgent, status, details_enc, "
       "requested_by::text, requested_at, updated_at, enc_version FROM referral "
       "WHERE id = $1::uuid FOR UPDATE"},
      // details_enc is rewritten on every status change: the row's enc_version is bumped
      // with it and bound into the associated data, so an older details_enc is refused.
      {"referral.update",
       "UPDATE referral SET status = $2, details_enc = $3, updated_at = $4::timestamptz, "
       "enc_version = $5::bigint WHERE id = $1::uuid AND enc_version = $5::bigint - 1"},
      {"referral.list",
       "SELECT id::text, patient_id::text, hospital, department, urgent, status, details_enc, "
       "requested_by::text, requested_at, updated_at, enc_version FROM referral "
       "WHERE patient_id = $1::uuid ORDER BY requested_at, id"},
      {"referral.legacy_batch",
       "SELECT id::text, patient_id::text, details_enc FROM referral WHERE enc_version = 0 "
       "AND ($1::uuid IS NULL OR id > $1::uuid) ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED"},
      {"referral.legacy_left", "SELECT count(*) FROM referral WHERE enc_version = 0"},
      {"referral.reencrypt",
       "UPDATE referral SET details_enc = $2, enc_version = $3 WHERE id = $1::uuid "
       "AND enc_version = 0"},
      {"discharge.insert",
       "INSERT INTO discharge (id, patient_id, hospital, admitted_on, discharged_on, "
       "received_on, first_due, details_enc, recorded_by, recorded_at) VALUES ($1::uuid, "
       "$2::uuid, $3, $4::date, $5::date, $6::date, $7::date, $8, $9::uuid, $10::timestamptz)"},
      {"discharge.list",
       "SELECT id::text, hospital, admitted_on, discharged_on, received_on, first_due, "
       "details_enc, recorded_by::text FROM discharge WHERE patient_id = $1::uuid "
       "ORDER BY discharged_on, recorded_at, id"},
      {"health_check.insert",
       "INSERT INTO health_check (id, patient_id, check_date, consent, details_enc, "
       "recorded_by, recorded_at) VALUES ($1::uuid, $2::uuid, $3::date, $4, $5, $6::uuid, "
       "$7::timestamptz)"},
      {"health_check.list",
       "SELECT id::text, check_date, consent, details_enc, recorded_by::text FROM health_check "
       "WHERE patient_id = $1::uuid ORDER BY check_date, recorded_at, id"},
      {"drug.all",
       "SELECT code, name_zh, name_en, kind, long_acting, min_daily_mg::float8, "
       "max_daily_mg::float8, min_dose_mg::float8, max_dose_mg::float8, min_interval_weeks, "
       "max_interval_weeks, source FROM drug_catalogue WHERE active ORDER BY kind, code"},
  };
  for (size_t i = 0; i < std::size(kWorklistKinds); ++i) {
    out.push_back({WorklistStatement(kWorklistKinds[i]), worklists[i].c_str()});
  }
  return out;
}

CareRepository::CareRepository(const crypto::KeyRing& keys) : keys_(keys), cipher_(keys) {}

absl::StatusOr<std::string> CareRepository::Seal(const std::string& table, const std::string& id,
                                                 const std::string& plaintext) const {
  return cipher_.Encrypt(plaintext, absl::StrCat(table, ":", id));
}

absl::StatusOr<std::string> CareRepository::Open(const std::string& table, const std::string& id,
                                                 const std::string& blob) const {
  return cipher_.Decrypt(blob, absl::StrCat(table, ":", id));
}

absl::Status CareRepository::InsertFollowUp(Tx& tx, const domain::FollowUp& f) {
  ASSIGN_OR_RETURN(std::string form, Seal("followup", f.id, EncodeForm(f.form)));
  std::vector<int> actions;
  for (auto a : f.assessment.actions) actions.push_back(static_cast<int>(a));
  const auto& b = f.form.behaviour;
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared(
        "followup.insert", f.id, f.visit_id, f.version, f.patient_id,
        pg::Day(f.form.visit_date), static_cast<int>(f.form.mode), domain::IsFailedVisit(f.form),
        static_cast<int>(f.assessment.effective_lost_reason), domain::ReportsDeath(f.form),
        RiskColumn(f.form.risk_level), static_cast<int>(f.assessment.computed),
        static_cast<int>(f.assessment.final_class), static_cast<int>(f.form.adherence),
        static_cast<int>(f.form.hospitalization), b.trouble, b.accident, b.minor_trouble,
        !f.form.rehab.empty(), pg::IntArray(actions), pg::OptDay(f.assessment.next_due),
        f.assessment.next_is_two_week_review, f.assessment.rule_set, pg::Bytes(form),
        f.author_id, f.correction_reason, pg::Time(f.recorded_at));
    metric_repo::MarkPatient(tx, f.patient_id);  // a metric input (store/metric_repository.h)
    return absl::OkStatus();
  });
}

absl::StatusOr<absl::Time> CareRepository::FirstRecorded(Tx& tx, const std::string& visit_id) {
  return Guard([&]() -> absl::StatusOr<absl::Time> {
    return pg::TimeField(tx.w().exec_prepared1("followup.original", visit_id)[0]);
  });
}

absl::StatusOr<std::string> CareRepository::OriginalAuthor(Tx& tx, const std::string& visit_id) {
  return Guard([&]() -> absl::StatusOr<std::string> {
    return tx.w().exec_prepared1("followup.original", visit_id)[1].as<std::string>();
  });
}

absl::Status CareRepository::RetireVisit(Tx& tx, const std::string& visit_id) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("followup.retire", visit_id);
    return absl::OkStatus();
  });
}

domain::FollowUp CareRepository::ReadFollowUp(const void* row_ptr) const {
  const pqxx::row& r = *static_cast<const pqxx::row*>(row_ptr);
  domain::FollowUp f;
  f.id = r[0].as<std::string>();
  f.visit_id = r[1].as<std::string>();
  f.version = r[2].as<int>();
  f.current = r[3].as<bool>();
  f.patient_id = r[4].as<std::string>();
  f.reports_death = r[19].as<bool>();
  // A form that does not decrypt (altered, replayed, another key) or does not decode is
  // not an error here: the caller decides (a listing marks it, a single read fails).
  absl::StatusOr<std::string> json = Open("followup", f.id, pg::BytesField(r[5]));
  absl::StatusOr<domain::FollowUpForm> form =
      json.ok() ? DecodeForm(*json) : absl::StatusOr<domain::FollowUpForm>(json.status());
  if (form.ok()) {
    f.form = *std::move(form);
  } else {
    domain::VisitFacts facts;
    facts.visit_date = pg::DayField(r[16]);
    facts.mode = static_cast<domain::VisitMode>(r[17].as<int>());
    facts.failed = r[18].as<bool>();
    facts.lost_reason = static_cast<domain::LostReason>(r[15].as<int>());
    facts.risk_level = RiskFromColumn(r[20].as<int>());
    facts.adherence = static_cast<domain::Adherence>(r[21].as<int>());
    facts.hospitalization = static_cast<domain::Hospitalization>(r[22].as<int>());
    facts.minor_trouble = r[23].as<int>();
    facts.trouble = r[24].as<int>();
    facts.accident = r[25].as<int>();
    f.form = domain::FormFromFacts(facts);
    f.unreadable = true;
  }
  f.assessment.computed = static_cast<domain::Classification>(r[6].as<int>());
  f.assessment.final_class = static_cast<domain::Classification>(r[7].as<int>());
  for (int a : pg::ParseIntArray(r[8].as<std::string>())) {
    f.assessment.actions.push_back(static_cast<domain::RequiredAction>(a));
  }
  f.assessment.next_due = pg::OptDayField(r[9]);
  f.assessment.next_is_two_week_review = r[10].as<bool>();
  f.assessment.rule_set = r[11].as<std::string>();
  f.author_id = r[12].as<std::string>();
  f.correction_reason = r[13].as<std::string>();
  f.recorded_at = pg::TimeField(r[14]);
  f.assessment.effective_lost_reason = static_cast<domain::LostReason>(r[15].as<int>());
  return f;
}

absl::StatusOr<std::optional<domain::FollowUp>> CareRepository::CurrentVersion(
    Tx& tx, const std::string& visit_id) {
  using Out = std::optional<domain::FollowUp>;
  return Guard([&]() -> absl::StatusOr<Out> {
    pqxx::result r = tx.w().exec_prepared("followup.current", visit_id);
    if (r.empty()) return Out();
    const pqxx::row row = r[0];
    domain::FollowUp f = ReadFollowUp(&row);
    if (f.unreadable) return UnreadableError("followup");
    return Out(std::move(f));
  });
}

absl::StatusOr<std::vector<domain::FollowUp>> CareRepository::ListFollowUps(
    Tx& tx, const std::string& patient_id, bool include_history, int offset, int limit) {
  return Guard([&]() -> absl::StatusOr<std::vector<domain::FollowUp>> {
    std::vector<domain::FollowUp> out;
    for (const auto& row :
         tx.w().exec_prepared("followup.list", patient_id, include_history, offset, limit)) {
      out.push_back(ReadFollowUp(&row));
    }
    return out;
  });
}

absl::StatusOr<std::optional<domain::FollowUp>> CareRepository::LastValidVisit(
    Tx& tx, const std::string& patient_id) {
  using Out = std::optional<domain::FollowUp>;
  return Guard([&]() -> absl::StatusOr<Out> {
    pqxx::result r = tx.w().exec_prepared("followup.last_valid", patient_id);
    if (r.empty()) return Out();
    const pqxx::row row = r[0];
    domain::FollowUp f = ReadFollowUp(&row);
    if (f.unreadable) return UnreadableError("followup");
    return Out(std::move(f));
  });
}

absl::StatusOr<std::vector<VisitSummary>> CareRepository::VisitHistory(
    Tx& tx, const std::string& patient_id) {
  return Guard([&]() -> absl::StatusOr<std::vector<VisitSummary>> {
    std::vector<VisitSummary> out;
    for (const auto& r : tx.w().exec_prepared("followup.history", patient_id)) {
      VisitSummary v;
      v.followup_id = r[0].as<std::string>();
      v.visit_id = r[1].as<std::string>();
      v.version = r[2].as<int>();
      v.visit_date = pg::DayField(r[3]);
      v.failed = r[4].as<bool>();
      v.reports_death = r[5].as<bool>();
      v.final_class = static_cast<domain::Classification>(r[6].as<int>());
      v.risk_level = RiskFromColumn(r[7].as<int>());
      v.next_due = pg::OptDayField(r[8]);
      v.next_is_review = r[9].as<bool>();
      v.recorded_at = pg::TimeField(r[10]);
      out.push_back(v);
    }
    return out;
  });
}

absl::StatusOr<std::optional<Schedule>> CareRepository::GetSchedule(Tx& tx,
                                                                    const std::string& patient_id) {
  return Guard([&]() -> absl::StatusOr<std::optional<Schedule>> {
    pqxx::result r = tx.w().exec_prepared("schedule.get", patient_id);
    if (r.empty()) return std::optional<Schedule>();
    Schedule s;
    s.patient_id = patient_id;
    s.next_due = pg::OptDayField(r[0][0]);
    s.due_kind = r[0][1].as<int>();
    s.last_visit = pg::OptDayField(r[0][2]);
    s.last_valid_visit = pg::OptDayField(r[0][3]);
    s.last_class = static_cast<domain::Classification>(r[0][4].as<int>());
    s.trailing_failed = r[0][5].as<int>();
    s.discharged_on = pg::OptDayField(r[0][6]);
    s.first_due = pg::OptDayField(r[0][7]);
    return std::optional<Schedule>(s);
  });
}

absl::StatusOr<ScheduleInputs> CareRepository::GetScheduleInputs(Tx& tx,
                                                                const std::string& patient_id) {
  return Guard([&]() -> absl::StatusOr<ScheduleInputs> {
    const pqxx::row r = tx.w().exec_prepared1("schedule.get_inputs", patient_id);
    ScheduleInputs in;
    if (r[0].as<bool>()) {
      Schedule s;
      s.patient_id = patient_id;
      s.next_due = pg::OptDayField(r[1]);
      s.due_kind = r[2].as<int>();
      s.last_visit = pg::OptDayField(r[3]);
      s.last_valid_visit = pg::OptDayField(r[4]);
      s.last_class = static_cast<domain::Classification>(r[5].as<int>());
      s.trailing_failed = r[6].as<int>();
      s.discharged_on = pg::OptDayField(r[7]);
      s.first_due = pg::OptDayField(r[8]);
      in.schedule = s;
    }
    if (!r[9].is_null()) {
      in.latest_discharge = domain::DischargePoint{pg::DayField(r[9]), pg::DayField(r[10])};
    }
    return in;
  });
}

absl::Status CareRepository::PutFirstSchedules(Tx& tx,
                                              const std::vector<std::string>& patient_ids,
                                              absl::CivilDay due, int due_kind, absl::Time now) {
  if (patient_ids.empty()) return absl::OkStatus();
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("schedule.put_first", pg::TextArray(patient_ids), pg::Day(due),
                         due_kind, pg::Time(now));
    return absl::OkStatus();
  });
}

absl::Status CareRepository::PutSchedule(Tx& tx, const Schedule& s, absl::Time now) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("schedule.put", s.patient_id, pg::OptDay(s.next_due), s.due_kind,
                         pg::OptDay(s.last_visit), pg::OptDay(s.last_valid_visit),
                         static_cast<int>(s.last_class), s.trailing_failed,
                         pg::OptDay(s.discharged_on), pg::OptDay(s.first_due), pg::Time(now));
    return absl::OkStatus();
  });
}

absl::Status CareRepository::InsertEmergency(Tx& tx, const domain::Emergency& e) {
  ASSIGN_OR_RETURN(std::string details, Seal("emergency", e.id, EncodeEmergencyText(e)));
  return Guard([&]() -> absl::Status {
    std::optional<std::string> ended;
    if (e.ended_at != absl::InfinitePast()) ended = pg::Time(e.ended_at);
    tx.w().exec_prepared("emergency.insert", e.id, e.patient_id, pg::Time(e.started_at), ended,
                         static_cast<int>(e.trigger), e.registered_patient, pg::Bytes(details),
                         e.recorded_by, pg::Time(e.recorded_at));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<domain::Emergency>> CareRepository::ListEmergencies(
    Tx& tx, const std::string& patient_id) {
  return Guard([&]() -> absl::StatusOr<std::vector<domain::Emergency>> {
    std::vector<domain::Emergency> out;
    for (const auto& r : tx.w().exec_prepared("emergency.list", patient_id)) {
      domain::Emergency e;
      e.id = r[0].as<std::string>();
      e.patient_id = patient_id;
      e.started_at = pg::TimeField(r[1]);
      e.ended_at = pg::TimeField(r[2]);
      e.trigger = static_cast<domain::EmergencyTrigger>(r[3].as<int>());
      e.registered_patient = r[4].as<bool>();
      absl::StatusOr<std::string> text = Open("emergency", e.id, pg::BytesField(r[5]));
      e.unreadable = !text.ok() || !DecodeEmergencyText(*text, &e).ok();
      e.recorded_by = r[6].as<std::string>();
      e.recorded_at = pg::TimeField(r[7]);
      out.push_back(std::move(e));
    }
    return out;
  });
}

namespace {
// The enc_version of referrals the server writes (0 is "before migration 0013").
constexpr int64_t kFirstEncVersion = 1;

std::string ReferralAad(const std::string& id, int64_t enc_version) {
  return VersionedAad(absl::StrCat("referral:", id), enc_version);
}

// Texts that do not decrypt or decode leave reason and note empty and set `unreadable`.
domain::ReferralRecord ReadReferral(
    const pqxx::row& r,
    const std::function<absl::StatusOr<std::string>(const std::string&, const std::string&,
                                                    int64_t)>& open) {
  domain::ReferralRecord x;
  x.id = r[0].as<std::string>();
  x.patient_id = r[1].as<std::string>();
  x.hospital = r[2].as<std::string>();
  x.department = r[3].as<std::string>();
  x.urgent = r[4].as<bool>();
  x.status = static_cast<domain::ReferralStatus>(r[5].as<int>());
  x.enc_version = r[10].as<int64_t>();
  absl::StatusOr<std::string> text = open(x.id, pg::BytesField(r[6]), x.enc_version);
  x.unreadable = !text.ok() || !DecodeReferralText(*text, &x).ok();
  x.requested_by = r[7].as<std::string>();
  x.requested_at = pg::TimeField(r[8]);
  x.updated_at = pg::TimeField(r[9]);
  return x;
}
}  // namespace

absl::Status CareRepository::InsertReferral(Tx& tx, const domain::ReferralRecord& r) {
  ASSIGN_OR_RETURN(std::string details, cipher_.Encrypt(EncodeReferralText(r),
                                                        ReferralAad(r.id, kFirstEncVersion)));
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("referral.insert", r.id, r.patient_id, r.hospital, r.department,
                         r.urgent, static_cast<int>(r.status), pg::Bytes(details),
                         r.requested_by, pg::Time(r.requested_at), kFirstEncVersion);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<domain::ReferralRecord>> CareRepository::GetReferral(
    Tx& tx, const std::string& id) {
  using Out = std::optional<domain::ReferralRecord>;
  return Guard([&]() -> absl::StatusOr<Out> {
    pqxx::result r = tx.w().exec_prepared("referral.get", id);
    if (r.empty()) return Out();
    domain::ReferralRecord x =
        ReadReferral(r[0], [&](const std::string& rid, const std::string& b, int64_t v) {
          return cipher_.Decrypt(b, ReferralAad(rid, v));
        });
    if (x.unreadable) return UnreadableError("referral");
    return Out(std::move(x));
  });
}

absl::Status CareRepository::UpdateReferral(Tx& tx, const domain::ReferralRecord& r) {
  const char* stale = "转诊记录已被他人修改，请重新读取 (the referral changed meanwhile: re-read)";
  // The counter after the one read (the caller holds the row lock: GetReferral is FOR
  // UPDATE); the UPDATE stores it only if the row still has the one read.
  const int64_t next = r.enc_version + 1;
  ASSIGN_OR_RETURN(std::string details,
                   cipher_.Encrypt(EncodeReferralText(r), ReferralAad(r.id, next)));
  return Guard([&]() -> absl::Status {
    pqxx::result x = tx.w().exec_prepared("referral.update", r.id, static_cast<int>(r.status),
                                          pg::Bytes(details), pg::Time(r.updated_at), next);
    if (x.affected_rows() != 1) return absl::AbortedError(stale);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<domain::ReferralRecord>> CareRepository::ListReferrals(
    Tx& tx, const std::string& patient_id) {
  return Guard([&]() -> absl::StatusOr<std::vector<domain::ReferralRecord>> {
    std::vector<domain::ReferralRecord> out;
    for (const auto& row : tx.w().exec_prepared("referral.list", patient_id)) {
      out.push_back(ReadReferral(row, [&](const std::string& rid, const std::string& b,
                                          int64_t v) {
        return cipher_.Decrypt(b, ReferralAad(rid, v));
      }));
    }
    return out;
  });
}

absl::Status CareRepository::InsertDischarge(Tx& tx, const domain::Discharge& d, absl::Time now) {
  ASSIGN_OR_RETURN(std::string details, Seal("discharge", d.id, EncodeDischargeText(d)));
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("discharge.insert", d.id, d.patient_id, d.hospital,
                         pg::OptDay(d.admitted_on), pg::Day(d.discharged_on),
                         pg::Day(d.received_on), pg::Day(d.first_followup_due), pg::Bytes(details),
                         d.recorded_by, pg::Time(now));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<domain::Discharge>> CareRepository::ListDischarges(
    Tx& tx, const std::string& patient_id) {
  return Guard([&]() -> absl::StatusOr<std::vector<domain::Discharge>> {
    std::vector<domain::Discharge> out;
    for (const auto& r : tx.w().exec_prepared("discharge.list", patient_id)) {
      domain::Discharge d;
      d.id = r[0].as<std::string>();
      d.patient_id = patient_id;
      d.hospital = r[1].as<std::string>();
      d.admitted_on = pg::OptDayField(r[2]);
      d.discharged_on = pg::DayField(r[3]);
      d.received_on = pg::DayField(r[4]);
      d.first_followup_due = pg::DayField(r[5]);
      absl::StatusOr<std::string> text = Open("discharge", d.id, pg::BytesField(r[6]));
      d.unreadable = !text.ok() || !DecodeDischargeText(*text, &d).ok();
      d.recorded_by = r[7].as<std::string>();
      out.push_back(std::move(d));
    }
    return out;
  });
}

absl::Status CareRepository::InsertHealthCheck(Tx& tx, const domain::HealthCheckRecord& h,
                                               absl::Time now) {
  ASSIGN_OR_RETURN(std::string details, Seal("health_check", h.id, EncodeHealthCheck(h)));
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("health_check.insert", h.id, h.patient_id, pg::Day(h.check_date),
                         h.consent, pg::Bytes(details), h.recorded_by, pg::Time(now));
    metric_repo::MarkPatient(tx, h.patient_id);  // a metric input (store/metric_repository.h)
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<domain::HealthCheckRecord>> CareRepository::ListHealthChecks(
    Tx& tx, const std::string& patient_id) {
  return Guard([&]() -> absl::StatusOr<std::vector<domain::HealthCheckRecord>> {
    std::vector<domain::HealthCheckRecord> out;
    for (const auto& r : tx.w().exec_prepared("health_check.list", patient_id)) {
      domain::HealthCheckRecord h;
      h.id = r[0].as<std::string>();
      h.patient_id = patient_id;
      h.check_date = pg::DayField(r[1]);
      h.consent = r[2].as<bool>();
      absl::StatusOr<std::string> text = Open("health_check", h.id, pg::BytesField(r[3]));
      h.unreadable = !text.ok() || !DecodeHealthCheck(*text, &h).ok();
      h.recorded_by = r[4].as<std::string>();
      out.push_back(std::move(h));
    }
    return out;
  });
}

absl::StatusOr<std::vector<WorklistRow>> CareRepository::Worklist(Tx& tx, const WorklistQuery& q) {
  return Guard([&]() -> absl::StatusOr<std::vector<WorklistRow>> {
    std::vector<WorklistRow> out;
    for (const auto& r : tx.w().exec_prepared(
             WorklistStatement(q.kind), q.region_prefix, pg::Day(q.today), q.days,
             q.after_urgency, pg::OptDay(q.after_due),
             q.after_patient.empty() ? std::optional<std::string>()
                                     : std::optional<std::string>(q.after_patient),
             q.limit)) {
      WorklistRow w;
      w.patient_id = r[0].as<std::string>();  // uuid text form
      // The patient repository's associated data for the name column. A name that does
      // not decrypt does not fail the list: the row is kept, marked.
      absl::StatusOr<std::string> name = cipher_.Decrypt(
          pg::BytesField(r[1]), PatientCellAad("name_enc", w.patient_id, r[10].as<int64_t>()));
      if (name.ok()) {
        w.name = std::move(*name);
      } else {
        w.name_unreadable = true;
      }
      w.jurisdiction = r[2].as<std::string>();
      w.risk_level = r[3].as<int>();
      w.last_class = static_cast<domain::Classification>(r[4].as<int>());
      w.next_due = pg::OptDayField(r[5]);
      w.last_valid_visit = pg::OptDayField(r[6]);
      w.discharged_on = pg::OptDayField(r[7]);
      w.due_kind = r[8].as<int>();
      w.urgency = r[9].as<int>();
      out.push_back(std::move(w));
    }
    return out;
  });
}

absl::StatusOr<UpgradeBatch> CareRepository::UpgradeReferrals(Tx& tx,
                                                              const std::string& after_id,
                                                              int limit) {
  return Guard([&]() -> absl::StatusOr<UpgradeBatch> {
    UpgradeBatch b;
    for (const auto& row :
         tx.w().exec_prepared("referral.legacy_batch", pg::NullIfEmpty(after_id), limit)) {
      ++b.visited;
      const std::string id = row[0].as<std::string>();
      b.last_id = id;
      absl::StatusOr<std::string> text =
          cipher_.Decrypt(pg::BytesField(row[2]), ReferralAad(id, 0));
      if (!text.ok()) {
        b.unreadable.push_back(id);
        continue;
      }
      ASSIGN_OR_RETURN(std::string details,
                       cipher_.Encrypt(*text, ReferralAad(id, kFirstEncVersion)));
      pqxx::result u = tx.w().exec_prepared("referral.reencrypt", id, pg::Bytes(details),
                                            kFirstEncVersion);
      if (u.affected_rows() == 1) {
        ++b.converted;
        b.converted_ids.push_back(row[1].as<std::string>());
      }
    }
    if (b.visited < limit) {
      b.left = tx.w().exec_prepared1("referral.legacy_left")[0].as<int64_t>();
    }
    return b;
  });
}

absl::StatusOr<std::vector<domain::DrugInfo>> CareRepository::LoadDrugs(Tx& tx) {
  return Guard([&]() -> absl::StatusOr<std::vector<domain::DrugInfo>> {
    std::vector<domain::DrugInfo> out;
    for (const auto& r : tx.w().exec_prepared("drug.all")) {
      domain::DrugInfo d;
      d.code = r[0].as<std::string>();
      d.name_zh = r[1].as<std::string>();
      d.name_en = r[2].as<std::string>();
      d.kind = static_cast<domain::DrugKind>(r[3].as<int>());
      d.long_acting = r[4].as<bool>();
      d.min_daily_mg = OptDouble(r[5]);
      d.max_daily_mg = OptDouble(r[6]);
      d.min_dose_mg = OptDouble(r[7]);
      d.max_dose_mg = OptDouble(r[8]);
      d.min_interval_weeks = OptInt(r[9]);
      d.max_interval_weeks = OptInt(r[10]);
      d.source = r[11].as<std::string>();
      out.push_back(std::move(d));
    }
    return out;
  });
}

}  // namespace smd::store
