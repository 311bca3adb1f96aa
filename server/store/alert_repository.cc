#include "store/alert_repository.h"

#include <pqxx/pqxx>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "store/errors.h"
#include "store/internal/pg.h"
#include "store/internal/tx.h"
#include "store/statements.h"

namespace smd::store {
namespace {

constexpr long long kSequencerLockKey = 0x736d645f616c7274LL;  // "smd_alrt"

constexpr char kCopyColumns[] =
    "r.seq, a.id::text, a.patient_id::text, a.jurisdiction, a.kind, a.severity, a.risk_level, "
    "a.snapshot_enc, a.raised_at, r.delivered_at, r.acked_at, r.ack_note, r.escalation_level, "
    "r.escalated_at IS NOT NULL";

std::string Snapshot(const NewAlert& a) {
  return nlohmann::json{{"name", a.patient_name}, {"address", a.address}, {"cause", a.draft.cause}}
      .dump();
}

std::vector<Recipient> ReadRecipients(const pqxx::result& r, int reason) {
  std::vector<Recipient> out;
  for (const auto& row : r) {
    out.push_back({row[0].as<std::string>(), static_cast<domain::Role>(row[1].as<int>()),
                   row[2].as<std::string>(), reason >= 0 ? reason : row[3].as<int>()});
  }
  return out;
}

}  // namespace

std::vector<Statement> AlertStatements() {
  static const std::string after = std::string("SELECT ") + kCopyColumns +
                                   " FROM alert_recipient r JOIN alert a ON a.id = r.alert_id "
                                   "WHERE r.user_id = $1::uuid AND r.seq > $2 ORDER BY r.seq "
                                   "LIMIT $3";
  static const std::string ack = std::string("SELECT ") + kCopyColumns +
                                 ", r.id FROM alert_recipient r JOIN alert a ON a.id = "
                                 "r.alert_id WHERE r.user_id = $1::uuid AND r.seq = $2 FOR "
                                 "UPDATE OF r";
  return {
      {"alert.recipients",
       // Care team first (reason 1), then jurisdiction (reason 2); DISTINCT ON keeps one
       // row per user, preferring the care-team reason.
       "SELECT DISTINCT ON (user_id) user_id::text, role, jurisdiction, reason FROM ("
       " SELECT u.id AS user_id, u.role, u.jurisdiction, 1 AS reason"
       "   FROM care_team_member m JOIN app_user u ON u.id = m.user_id"
       "  WHERE m.patient_id = $1::uuid AND m.end_date IS NULL AND NOT u.disabled"
       " UNION ALL"
       " SELECT u.id, u.role, u.jurisdiction, 2 FROM app_user u"
       "  WHERE u.role IN (3, 4) AND NOT u.disabled AND char_length(u.jurisdiction) > 6"
       "    AND starts_with($2, u.jurisdiction)"
       ") x ORDER BY user_id, reason"},
      {"alert.insert",
       "INSERT INTO alert (id, patient_id, jurisdiction, kind, severity, risk_level, "
       "snapshot_enc, dedupe_key, source, raised_by, raised_at) VALUES ($1::uuid, $2::uuid, $3, "
       "$4, $5, $6, $7, $8, $9, $10::uuid, $11::timestamptz) ON CONFLICT (dedupe_key) DO NOTHING"},
      {"alert.add_recipients",
       "INSERT INTO alert_recipient (alert_id, user_id, reason, escalation_level, deadline) "
       "SELECT $1::uuid, u, r, $4, d FROM unnest($2::uuid[], $3::smallint[], "
       "$5::timestamptz[]) AS x(u, r, d) ON CONFLICT (alert_id, user_id) DO NOTHING"},
      {"alert.notify_raised", "SELECT pg_notify('smd_alert_raised', '')"},
      {"alert.seq_lock", "SELECT pg_try_advisory_xact_lock($1)"},
      {"alert.sequence",
       "WITH base AS (SELECT coalesce(max(seq), 0) AS b FROM alert_recipient), "
       "c AS (SELECT id, row_number() OVER (ORDER BY tx, id) AS rn FROM alert_recipient "
       "      WHERE seq IS NULL AND tx < pg_snapshot_xmin(pg_current_snapshot())) "
       "UPDATE alert_recipient r SET seq = base.b + c.rn FROM c, base WHERE r.id = c.id "
       "RETURNING r.user_id::text, r.seq"},
      {"alert.notify_seq", "SELECT pg_notify('smd_alert_seq', $1)"},
      {"alert.after", after.c_str()},
      {"alert.delivered",
       "WITH d AS (UPDATE alert_recipient r SET delivered_at = x.at "
       " FROM unnest($1::uuid[], $2::bigint[], $3::timestamptz[]) AS x(u, s, at) "
       " WHERE r.user_id = x.u AND r.seq = x.s AND r.delivered_at IS NULL RETURNING r.alert_id) "
       "SELECT DISTINCT a.patient_id::text FROM d JOIN alert a ON a.id = d.alert_id"},
      {"alert.ack_get", ack.c_str()},
      {"alert.ack",
       "UPDATE alert_recipient SET acked_at = $2::timestamptz, ack_note = $3 WHERE id = $1"},
      {"alert.past_deadline",
       "SELECT r.id, r.alert_id::text, a.patient_id::text, r.user_id::text, u.role, "
       "u.jurisdiction, r.escalation_level, a.severity FROM alert_recipient r "
       "JOIN alert a ON a.id = r.alert_id JOIN app_user u ON u.id = r.user_id "
       "WHERE r.acked_at IS NULL AND r.escalated_at IS NULL AND r.deadline IS NOT NULL "
       "AND r.deadline < $1::timestamptz ORDER BY r.deadline LIMIT $2 FOR UPDATE OF r SKIP LOCKED"},
      {"alert.users_at",
       "SELECT id::text, role, jurisdiction FROM app_user WHERE role = $1 AND jurisdiction = $2 "
       "AND NOT disabled ORDER BY username"},
      {"alert.escalated",
       "UPDATE alert_recipient SET escalated_at = $2::timestamptz WHERE id = $1"},
      {"alert.load",
       "SELECT id::text, patient_id::text, jurisdiction, kind, severity, risk_level, "
       "snapshot_enc, coalesce(dedupe_key, ''), source, coalesce(raised_by::text, ''), raised_at "
       "FROM alert WHERE id = $1::uuid"},
  };
}

AlertRepository::AlertRepository(const crypto::KeyRing& keys) : cipher_(keys) {}

absl::StatusOr<std::vector<Recipient>> AlertRepository::RecipientsFor(
    Tx& tx, const std::string& patient_id, const std::string& jurisdiction) {
  return Guard([&]() -> absl::StatusOr<std::vector<Recipient>> {
    return ReadRecipients(tx.w().exec_prepared("alert.recipients", patient_id, jurisdiction), -1);
  });
}

absl::Status AlertRepository::AddRecipients(
    Tx& tx, const std::string& alert_id, const std::vector<Recipient>& recipients,
    const std::vector<std::optional<absl::Time>>& deadlines, int escalation_level) {
  if (recipients.empty()) return absl::OkStatus();
  std::vector<std::string> users, reasons, times;
  for (size_t i = 0; i < recipients.size(); ++i) {
    users.push_back(recipients[i].user_id);
    reasons.push_back(std::to_string(recipients[i].reason));
    times.push_back(deadlines[i] ? absl::StrCat("\"", pg::Time(*deadlines[i]), "\"") : "NULL");
  }
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("alert.add_recipients", alert_id, pg::TextArray(users),
                         pg::TextArray(reasons), escalation_level, pg::TextArray(times));
    tx.w().exec_prepared("alert.notify_raised");
    return absl::OkStatus();
  });
}

absl::StatusOr<bool> AlertRepository::Insert(
    Tx& tx, const NewAlert& a, const std::vector<Recipient>& recipients,
    const std::vector<std::optional<absl::Time>>& deadlines, int escalation_level) {
  ASSIGN_OR_RETURN(std::string snapshot, cipher_.Encrypt(Snapshot(a), "alert:" + a.id));
  ASSIGN_OR_RETURN(bool inserted, Guard([&]() -> absl::StatusOr<bool> {
                     pqxx::result r = tx.w().exec_prepared(
                         "alert.insert", a.id, a.patient_id, a.jurisdiction,
                         static_cast<int>(a.draft.kind), a.draft.severity, a.draft.risk_level,
                         pg::Bytes(snapshot), pg::NullIfEmpty(a.dedupe_key), a.source,
                         pg::NullIfEmpty(a.raised_by), pg::Time(a.raised_at));
                     return r.affected_rows() == 1;
                   }));
  if (!inserted) return false;
  RETURN_IF_ERROR(AddRecipients(tx, a.id, recipients, deadlines, escalation_level));
  return true;
}

absl::StatusOr<std::vector<std::string>> AlertRepository::Sequence(Tx& tx) {
  return Guard([&]() -> absl::StatusOr<std::vector<std::string>> {
    std::vector<std::string> users;
    if (!tx.w().exec_prepared1("alert.seq_lock", kSequencerLockKey)[0].as<bool>()) return users;
    int64_t max_seq = 0;
    for (const auto& r : tx.w().exec_prepared("alert.sequence")) {
      users.push_back(r[0].as<std::string>());
      max_seq = std::max(max_seq, r[1].as<int64_t>());
    }
    if (!users.empty()) {
      std::sort(users.begin(), users.end());
      users.erase(std::unique(users.begin(), users.end()), users.end());
      // The payload names the users to wake; "*" when it would not fit a notification.
      std::string payload = absl::StrJoin(users, ",");
      if (payload.size() > 7000) payload = "*";
      tx.w().exec_prepared("alert.notify_seq", payload);
    }
    return users;
  });
}

absl::StatusOr<AlertCopy> AlertRepository::ReadCopy(const void* row_ptr) const {
  const pqxx::row& r = *static_cast<const pqxx::row*>(row_ptr);
  AlertCopy c;
  c.seq = r[0].as<int64_t>();
  c.alert_id = r[1].as<std::string>();
  c.patient_id = r[2].as<std::string>();
  c.jurisdiction = r[3].as<std::string>();
  c.kind = static_cast<domain::AlertKind>(r[4].as<int>());
  c.severity = r[5].as<int>();
  c.risk_level = r[6].as<int>();
  ASSIGN_OR_RETURN(std::string snap, cipher_.Decrypt(pg::BytesField(r[7]), "alert:" + c.alert_id));
  nlohmann::json j = nlohmann::json::parse(snap, nullptr, false);
  if (!j.is_object()) return absl::DataLossError("alert snapshot unreadable");
  c.patient_name = j.value("name", "");
  c.address = j.value("address", "");
  c.cause = j.value("cause", "");
  c.raised_at = pg::TimeField(r[8]);
  c.delivered_at = pg::OptTimeField(r[9]);
  c.acked_at = pg::OptTimeField(r[10]);
  c.ack_note = r[11].as<std::string>();
  c.escalation_level = r[12].as<int>();
  c.escalated = r[13].as<bool>();
  return c;
}

absl::StatusOr<std::vector<AlertCopy>> AlertRepository::After(Tx& tx, const std::string& user_id,
                                                              int64_t after, int limit) {
  return Guard([&]() -> absl::StatusOr<std::vector<AlertCopy>> {
    std::vector<AlertCopy> out;
    for (const auto& row : tx.w().exec_prepared("alert.after", user_id, after, limit)) {
      ASSIGN_OR_RETURN(AlertCopy c, ReadCopy(&row));
      out.push_back(std::move(c));
    }
    return out;
  });
}

absl::StatusOr<std::vector<std::string>> AlertRepository::MarkDelivered(
    Tx& tx, const std::vector<Delivery>& batch) {
  std::vector<std::string> users, seqs, times;
  for (const auto& d : batch) {
    users.push_back(d.user_id);
    seqs.push_back(std::to_string(d.seq));
    times.push_back(absl::StrCat("\"", pg::Time(d.at), "\""));
  }
  return Guard([&]() -> absl::StatusOr<std::vector<std::string>> {
    std::vector<std::string> patients;
    for (const auto& r : tx.w().exec_prepared("alert.delivered", pg::TextArray(users),
                                              pg::TextArray(seqs), pg::TextArray(times))) {
      patients.push_back(r[0].as<std::string>());
    }
    return patients;
  });
}

absl::StatusOr<std::vector<AlertCopy>> AlertRepository::Inbox(Tx& tx, const InboxQuery& q) {
  return Guard([&]() -> absl::StatusOr<std::vector<AlertCopy>> {
    const std::string sql = std::string("SELECT ") + kCopyColumns +
                            " FROM alert_recipient r JOIN alert a ON a.id = r.alert_id "
                            "WHERE r.user_id = $1::uuid AND r.seq IS NOT NULL "
                            "AND (NOT $2 OR r.acked_at IS NULL) "
                            "AND ($3::uuid IS NULL OR a.patient_id = $3::uuid) "
                            "AND ($4::timestamptz IS NULL OR a.raised_at >= $4::timestamptz) "
                            "AND ($5::timestamptz IS NULL OR a.raised_at < $5::timestamptz) "
                            "AND ($6::bigint = 0 OR r.seq < $6::bigint) "
                            "ORDER BY r.seq DESC LIMIT $7";
    std::vector<AlertCopy> out;
    for (const auto& row : tx.w().exec_params(sql, q.user_id, q.unacknowledged_only,
                                              pg::NullIfEmpty(q.patient_id), pg::OptTime(q.from),
                                              pg::OptTime(q.to), q.before_seq, q.limit)) {
      ASSIGN_OR_RETURN(AlertCopy c, ReadCopy(&row));
      out.push_back(std::move(c));
    }
    return out;
  });
}

absl::StatusOr<AlertCopy> AlertRepository::Acknowledge(Tx& tx, const std::string& user_id,
                                                       int64_t seq, const std::string& note,
                                                       absl::Time at) {
  return Guard([&]() -> absl::StatusOr<AlertCopy> {
    pqxx::result r = tx.w().exec_prepared("alert.ack_get", user_id, seq);
    if (r.empty()) return absl::NotFoundError("seq: 没有这条预警 (no such alert for you)");
    const pqxx::row row = r[0];
    ASSIGN_OR_RETURN(AlertCopy c, ReadCopy(&row));
    if (c.acked_at) {
      return absl::FailedPreconditionError("预警已确认 (already acknowledged)");
    }
    tx.w().exec_prepared("alert.ack", row[14].as<int64_t>(), pg::Time(at), note);
    c.acked_at = at;
    c.ack_note = note;
    return c;
  });
}

absl::StatusOr<std::vector<OverdueCopy>> AlertRepository::PastDeadline(Tx& tx, absl::Time now,
                                                                       int limit) {
  return Guard([&]() -> absl::StatusOr<std::vector<OverdueCopy>> {
    std::vector<OverdueCopy> out;
    for (const auto& r : tx.w().exec_prepared("alert.past_deadline", pg::Time(now), limit)) {
      out.push_back({r[0].as<int64_t>(), r[1].as<std::string>(), r[2].as<std::string>(),
                     r[3].as<std::string>(), static_cast<domain::Role>(r[4].as<int>()),
                     r[5].as<std::string>(), r[6].as<int>(), r[7].as<int>()});
    }
    return out;
  });
}

absl::StatusOr<std::vector<Recipient>> AlertRepository::UsersAt(Tx& tx, domain::Role role,
                                                                 const std::string& jurisdiction) {
  return Guard([&]() -> absl::StatusOr<std::vector<Recipient>> {
    std::vector<Recipient> out;
    for (const auto& r :
         tx.w().exec_prepared("alert.users_at", static_cast<int>(role), jurisdiction)) {
      out.push_back({r[0].as<std::string>(), static_cast<domain::Role>(r[1].as<int>()),
                     r[2].as<std::string>(), 3});
    }
    return out;
  });
}

absl::Status AlertRepository::MarkEscalated(Tx& tx, int64_t recipient_id, absl::Time at) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("alert.escalated", recipient_id, pg::Time(at));
    return absl::OkStatus();
  });
}

absl::StatusOr<NewAlert> AlertRepository::Load(Tx& tx, const std::string& alert_id) {
  return Guard([&]() -> absl::StatusOr<NewAlert> {
    pqxx::row r = tx.w().exec_prepared1("alert.load", alert_id);
    NewAlert a;
    a.id = r[0].as<std::string>();
    a.patient_id = r[1].as<std::string>();
    a.jurisdiction = r[2].as<std::string>();
    a.draft.kind = static_cast<domain::AlertKind>(r[3].as<int>());
    a.draft.severity = r[4].as<int>();
    a.draft.risk_level = r[5].as<int>();
    ASSIGN_OR_RETURN(std::string snap, cipher_.Decrypt(pg::BytesField(r[6]), "alert:" + a.id));
    nlohmann::json j = nlohmann::json::parse(snap, nullptr, false);
    if (j.is_object()) {
      a.patient_name = j.value("name", "");
      a.address = j.value("address", "");
      a.draft.cause = j.value("cause", "");
    }
    a.dedupe_key = r[7].as<std::string>();
    a.source = r[8].as<std::string>();
    a.raised_by = r[9].as<std::string>();
    a.raised_at = pg::TimeField(r[10]);
    return a;
  });
}

}  // namespace smd::store
