#include "store/rehab_repository.h"

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/errors.h"
#include "store/internal/pg.h"
#include "store/internal/tx.h"
#include "store/metric_repository.h"
#include "store/statements.h"

namespace smd::store {
namespace {

using json = nlohmann::json;

constexpr char kSessionTable[] = "rehab_session";
constexpr char kSupportTable[] = "psych_support";

std::string Aad(const char* table, const std::string& id) { return absl::StrCat(table, ":", id); }

std::string Text(const json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_string()) return "";
  return j[key].get<std::string>();
}

// The texts as one JSON object; false when `text` is not one.
bool ParseObject(const std::string& text, json* out) {
  *out = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return out->is_object();
}

}  // namespace

std::vector<Statement> RehabStatements() {
  return {
      {"rehab_session.insert",
       "INSERT INTO rehab_session (id, patient_id, session_date, activity, duration_minutes, "
       "details_enc, recorded_by, recorded_at) VALUES ($1::uuid, $2::uuid, $3::date, $4, $5, $6, "
       "$7::uuid, $8::timestamptz)"},
      {"rehab_session.list",
       "SELECT id::text, session_date, activity, duration_minutes, details_enc, "
       "recorded_by::text, recorded_at FROM rehab_session WHERE patient_id = $1::uuid AND "
       "($2::date IS NULL OR session_date >= $2::date) AND ($3::date IS NULL OR session_date <= "
       "$3::date) ORDER BY session_date, recorded_at, id"},
      {"psych_support.insert",
       "INSERT INTO psych_support (id, patient_id, support_date, recipients, method, "
       "details_enc, recorded_by, recorded_at) VALUES ($1::uuid, $2::uuid, $3::date, $4, $5, $6, "
       "$7::uuid, $8::timestamptz)"},
      {"psych_support.list",
       "SELECT id::text, support_date, recipients, method, details_enc, recorded_by::text, "
       "recorded_at FROM psych_support WHERE patient_id = $1::uuid AND ($2::date IS NULL OR "
       "support_date >= $2::date) AND ($3::date IS NULL OR support_date <= $3::date) "
       "ORDER BY support_date, recorded_at, id"},
  };
}

RehabRepository::RehabRepository(const crypto::KeyRing& keys) : cipher_(keys) {}

absl::Status RehabRepository::InsertSession(Tx& tx, const domain::RehabSession& s) {
  const std::string text = json{{"place", s.place},
                                {"programme", s.programme},
                                {"run_by", s.run_by},
                                {"note", s.note}}
                               .dump();
  ASSIGN_OR_RETURN(std::string details, cipher_.Encrypt(text, Aad(kSessionTable, s.id)));
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("rehab_session.insert", s.id, s.patient_id, pg::Day(s.session_date),
                         static_cast<int>(s.activity), s.duration_minutes, pg::Bytes(details),
                         s.recorded_by, pg::Time(s.recorded_at));
    metric_repo::MarkPatient(tx, s.patient_id);  // a metric input (store/metric_repository.h)
    return absl::OkStatus();
  });
}

absl::Status RehabRepository::InsertSupport(Tx& tx, const domain::PsychSupport& p) {
  const std::string text = json{{"family_members", p.family_members},
                                {"provider", p.provider},
                                {"note", p.note}}
                               .dump();
  ASSIGN_OR_RETURN(std::string details, cipher_.Encrypt(text, Aad(kSupportTable, p.id)));
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("psych_support.insert", p.id, p.patient_id, pg::Day(p.support_date),
                         static_cast<int>(p.recipients), static_cast<int>(p.method),
                         pg::Bytes(details), p.recorded_by, pg::Time(p.recorded_at));
    metric_repo::MarkPatient(tx, p.patient_id);  // a metric input (store/metric_repository.h)
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<domain::RehabSession>> RehabRepository::ListSessions(
    Tx& tx, const RehabQuery& q) {
  return Guard([&]() -> absl::StatusOr<std::vector<domain::RehabSession>> {
    std::vector<domain::RehabSession> out;
    for (const auto& r : tx.w().exec_prepared("rehab_session.list", q.patient_id,
                                              pg::OptDay(q.from), pg::OptDay(q.to))) {
      domain::RehabSession s;
      s.id = r[0].as<std::string>();
      s.patient_id = q.patient_id;
      s.session_date = pg::DayField(r[1]);
      s.activity = static_cast<domain::RehabActivity>(r[2].as<int>());
      if (!r[3].is_null()) s.duration_minutes = r[3].as<int>();
      absl::StatusOr<std::string> text =
          cipher_.Decrypt(pg::BytesField(r[4]), Aad(kSessionTable, s.id));
      json j;
      if (text.ok() && ParseObject(*text, &j)) {
        s.place = Text(j, "place");
        s.programme = Text(j, "programme");
        s.run_by = Text(j, "run_by");
        s.note = Text(j, "note");
      } else {
        s.unreadable = true;
      }
      s.recorded_by = r[5].as<std::string>();
      s.recorded_at = pg::TimeField(r[6]);
      out.push_back(std::move(s));
    }
    return out;
  });
}

absl::StatusOr<std::vector<domain::PsychSupport>> RehabRepository::ListSupports(
    Tx& tx, const RehabQuery& q) {
  return Guard([&]() -> absl::StatusOr<std::vector<domain::PsychSupport>> {
    std::vector<domain::PsychSupport> out;
    for (const auto& r : tx.w().exec_prepared("psych_support.list", q.patient_id,
                                              pg::OptDay(q.from), pg::OptDay(q.to))) {
      domain::PsychSupport p;
      p.id = r[0].as<std::string>();
      p.patient_id = q.patient_id;
      p.support_date = pg::DayField(r[1]);
      p.recipients = static_cast<domain::SupportRecipients>(r[2].as<int>());
      p.method = static_cast<domain::SupportMethod>(r[3].as<int>());
      absl::StatusOr<std::string> text =
          cipher_.Decrypt(pg::BytesField(r[4]), Aad(kSupportTable, p.id));
      json j;
      if (text.ok() && ParseObject(*text, &j)) {
        p.family_members = Text(j, "family_members");
        p.provider = Text(j, "provider");
        p.note = Text(j, "note");
      } else {
        p.unreadable = true;
      }
      p.recorded_by = r[5].as<std::string>();
      p.recorded_at = pg::TimeField(r[6]);
      out.push_back(std::move(p));
    }
    return out;
  });
}

}  // namespace smd::store
