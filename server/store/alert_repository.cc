#include "store/alert_repository.h"

#include <pqxx/pqxx>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/log.h"
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
    "r.escalated_at IS NOT NULL, a.audience, r.reason, r.deadline";
constexpr int kCopyColumnCount = 17;

// The copies a viewer may still act on (store::Viewer): same routed role, a jurisdiction
// that covers the alert's, a role that may receive its audience. Parameters $V..$V+3.
std::string ViewerFilter(int v) {
  return absl::StrCat(" AND r.role = $", v, " AND starts_with(a.jurisdiction, $", v + 1,
                      ") AND ((a.audience = 1 AND $", v + 2, ") OR (a.audience = 2 AND $", v + 3,
                      "))");
}

constexpr char kGapColumns[] =
    "g.id, g.alert_id::text, g.role, g.cause, g.jurisdiction, g.duty_recipients, g.created_at, "
    "g.resolved_at, g.resolved_recipients, a.kind, a.severity, a.audience, a.raised_at, "
    "a.patient_id::text";

constexpr char kHandOnColumns[] =
    "r.id, r.alert_id::text, a.patient_id::text, a.jurisdiction, a.audience, a.severity, "
    "r.escalation_level, (r.deadline IS NOT NULL AND r.deadline < $1::timestamptz), "
    "r.user_id::text, r.role, u.role, u.jurisdiction, u.disabled";

std::string Snapshot(const NewAlert& a) {
  return nlohmann::json{{"name", a.patient_name}, {"address", a.address}, {"cause", a.draft.cause}}
      .dump();
}

AlertGap ReadGap(const pqxx::row& r) {
  AlertGap g;
  g.id = r[0].as<int64_t>();
  g.alert_id = r[1].as<std::string>();
  g.role = static_cast<domain::Role>(r[2].as<int>());
  g.cause = r[3].as<int>();
  g.jurisdiction = r[4].as<std::string>();
  g.duty_recipients = r[5].as<int>();
  g.created_at = pg::TimeField(r[6]);
  g.resolved_at = pg::OptTimeField(r[7]);
  g.resolved_recipients = r[8].as<int>();
  g.kind = static_cast<domain::AlertKind>(r[9].as<int>());
  g.severity = r[10].as<int>();
  g.audience = static_cast<domain::AlertAudience>(r[11].as<int>());
  g.raised_at = pg::TimeField(r[12]);
  g.patient_id = r[13].as<std::string>();
  return g;
}

HandOnCopy ReadHandOn(const pqxx::row& r) {
  HandOnCopy c;
  c.recipient_id = r[0].as<int64_t>();
  c.alert_id = r[1].as<std::string>();
  c.patient_id = r[2].as<std::string>();
  c.alert_jurisdiction = r[3].as<std::string>();
  c.audience = static_cast<domain::AlertAudience>(r[4].as<int>());
  c.severity = r[5].as<int>();
  c.escalation_level = r[6].as<int>();
  c.deadline_passed = r[7].as<bool>();
  c.user_id = r[8].as<std::string>();
  c.routed_role = static_cast<domain::Role>(r[9].as<int>());
  c.current_role = static_cast<domain::Role>(r[10].as<int>());
  c.current_jurisdiction = r[11].as<std::string>();
  c.disabled = r[12].as<bool>();
  return c;
}

}  // namespace

std::vector<Statement> AlertStatements() {
  static const std::string after =
      absl::StrCat("SELECT ", kCopyColumns,
                   " FROM alert_recipient r JOIN alert a ON a.id = r.alert_id "
                   "WHERE r.user_id = $1::uuid AND r.seq > $2",
                   ViewerFilter(4), " ORDER BY r.seq LIMIT $3");
  // AfterMany: `alert.after` for many (viewer, cursor, limit) reads at once, one per row of
  // the unnest, each served by the inbox index (user_id, seq) like the single read.
  static const std::string after_many =
      absl::StrCat("SELECT x.i, c.* FROM unnest($1::uuid[], $2::bigint[], $3::int[], "
                   "$4::smallint[], $5::text[], $6::bool[], $7::bool[]) WITH ORDINALITY "
                   "AS x(u, after, lim, role, jur, full_ok, clinical_ok, i) "
                   "CROSS JOIN LATERAL (SELECT ", kCopyColumns,
                   " FROM alert_recipient r JOIN alert a ON a.id = r.alert_id "
                   "WHERE r.user_id = x.u AND r.seq > x.after AND r.role = x.role "
                   "AND starts_with(a.jurisdiction, x.jur) "
                   "AND ((a.audience = 1 AND x.full_ok) OR (a.audience = 2 AND x.clinical_ok)) "
                   "ORDER BY r.seq LIMIT x.lim) c ORDER BY x.i, c.seq");
  static const std::string ack =
      absl::StrCat("SELECT ", kCopyColumns,
                   ", r.id FROM alert_recipient r JOIN alert a ON a.id = r.alert_id "
                   "WHERE r.user_id = $1::uuid AND r.seq = $2",
                   ViewerFilter(3), " FOR UPDATE OF r");
  static const std::string inbox =
      absl::StrCat("SELECT ", kCopyColumns,
                   " FROM alert_recipient r JOIN alert a ON a.id = r.alert_id "
                   "WHERE r.user_id = $1::uuid AND r.seq IS NOT NULL "
                   "AND (NOT $2 OR r.acked_at IS NULL) "
                   "AND ($3::uuid IS NULL OR a.patient_id = $3::uuid) "
                   "AND ($4::timestamptz IS NULL OR a.raised_at >= $4::timestamptz) "
                   "AND ($5::timestamptz IS NULL OR a.raised_at < $5::timestamptz) "
                   "AND ($6::bigint = 0 OR r.seq < $6::bigint) "
                   "AND (NOT $12 OR r.escalated_at IS NOT NULL OR r.escalation_level > 0)",
                   ViewerFilter(8), " ORDER BY r.seq DESC LIMIT $7");
  static const std::string past_deadline =
      absl::StrCat("SELECT ", kHandOnColumns,
                   " FROM alert_recipient r JOIN alert a ON a.id = r.alert_id "
                   "JOIN app_user u ON u.id = r.user_id "
                   "WHERE r.acked_at IS NULL AND r.escalated_at IS NULL AND r.deadline IS NOT NULL "
                   "AND r.deadline < $1::timestamptz ORDER BY r.deadline LIMIT $2 "
                   "FOR UPDATE OF r SKIP LOCKED");
  // Holders who no longer fit: driven by the recent alerts (index alert_raised_at), so the
  // pass stays cheap however many old notices stay unacknowledged.
  static const std::string unfit =
      absl::StrCat("SELECT ", kHandOnColumns,
                   " FROM alert a JOIN alert_recipient r ON r.alert_id = a.id "
                   "JOIN app_user u ON u.id = r.user_id "
                   "WHERE a.raised_at >= $2::timestamptz "
                   "AND r.acked_at IS NULL AND r.escalated_at IS NULL AND r.seq IS NOT NULL "
                   "AND (u.disabled OR u.role <> r.role "
                   "     OR NOT starts_with(a.jurisdiction, u.jurisdiction)) "
                   "ORDER BY r.id LIMIT $3 FOR UPDATE OF r SKIP LOCKED");
  static const std::string open_gaps =
      absl::StrCat("SELECT ", kGapColumns,
                   " FROM alert_gap g JOIN alert a ON a.id = g.alert_id "
                   "WHERE g.resolved_at IS NULL AND a.raised_at >= $1::timestamptz "
                   "ORDER BY g.id LIMIT $2 FOR UPDATE OF g SKIP LOCKED");
  static const std::string list_gaps =
      absl::StrCat("SELECT ", kGapColumns,
                   " FROM alert_gap g JOIN alert a ON a.id = g.alert_id "
                   // A prefix range, not starts_with($1): the text_pattern_ops index serves it.
                   "WHERE g.jurisdiction ~>=~ $1 AND g.jurisdiction ~<~ ($1 || ':') "
                   "AND ($2 OR g.resolved_at IS NULL) "
                   "AND ($3::bigint = 0 OR g.id < $3::bigint) ORDER BY g.id DESC LIMIT $4");
  return {
      {"alert.team",
       "SELECT m.user_id::text, m.team_role, u.role, u.jurisdiction "
       "FROM care_team_member m JOIN app_user u ON u.id = m.user_id "
       "WHERE m.patient_id = $1::uuid AND m.end_date IS NULL AND NOT u.disabled "
       "ORDER BY m.user_id"},
      {"alert.accounts",
       "SELECT id::text, role, jurisdiction FROM app_user "
       "WHERE jurisdiction = ANY($1::text[]) AND role = ANY($2::smallint[]) AND NOT disabled "
       "ORDER BY id"},
      {"alert.users_on", "SELECT user_id::text FROM alert_recipient WHERE alert_id = $1::uuid"},
      {"alert.insert",
       "INSERT INTO alert (id, patient_id, jurisdiction, kind, severity, risk_level, "
       "snapshot_enc, dedupe_key, source, raised_by, raised_at, audience) VALUES ($1::uuid, "
       "$2::uuid, $3, $4, $5, $6, $7, $8, $9, $10::uuid, $11::timestamptz, $12) "
       "ON CONFLICT (dedupe_key) DO NOTHING"},
      {"alert.add_recipients",
       "INSERT INTO alert_recipient (alert_id, user_id, role, reason, escalation_level, deadline) "
       "SELECT $1::uuid, u, ro, re, $5, d FROM unnest($2::uuid[], $3::smallint[], "
       "$4::smallint[], $6::timestamptz[]) AS x(u, ro, re, d) "
       "ON CONFLICT (alert_id, user_id) DO NOTHING"},
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
      {"alert.after_many", after_many.c_str()},
      {"alert.max_seq",
       "SELECT coalesce(max(seq), 0) FROM alert_recipient WHERE user_id = $1::uuid"},
      {"alert.max_seq_many",
       "SELECT x.i, (SELECT coalesce(max(r.seq), 0) FROM alert_recipient r "
       "WHERE r.user_id = x.u) FROM unnest($1::uuid[]) WITH ORDINALITY AS x(u, i)"},
      {"alert.delivered",
       "WITH d AS (UPDATE alert_recipient r SET delivered_at = x.at "
       " FROM unnest($1::uuid[], $2::bigint[], $3::timestamptz[]) AS x(u, s, at) "
       " WHERE r.user_id = x.u AND r.seq = x.s AND r.delivered_at IS NULL RETURNING r.alert_id) "
       "SELECT DISTINCT a.patient_id::text FROM d JOIN alert a ON a.id = d.alert_id"},
      {"alert.inbox", inbox.c_str()},
      {"alert.ack_get", ack.c_str()},
      {"alert.ack",
       "UPDATE alert_recipient SET acked_at = $2::timestamptz, ack_note = $3 WHERE id = $1"},
      {"alert.past_deadline", past_deadline.c_str()},
      {"alert.unfit_holders", unfit.c_str()},
      {"alert.escalated",
       "UPDATE alert_recipient SET escalated_at = $2::timestamptz, escalation_cause = $3 "
       "WHERE id = $1"},
      {"alert.gap_insert",
       "INSERT INTO alert_gap (alert_id, role, cause, jurisdiction, duty_recipients, created_at) "
       "VALUES ($1::uuid, $2, $3, $4, $5, $6::timestamptz) "
       "ON CONFLICT (alert_id, role) WHERE resolved_at IS NULL DO NOTHING"},
      {"alert.gaps_open", open_gaps.c_str()},
      {"alert.gap_resolve",
       "UPDATE alert_gap SET resolved_at = $2::timestamptz, resolved_recipients = $3 "
       "WHERE id = $1"},
      {"alert.gaps_list", list_gaps.c_str()},
  };
}

AlertRepository::AlertRepository(const crypto::KeyRing& keys) : cipher_(keys) {}

absl::StatusOr<std::vector<domain::TeamCandidate>> AlertRepository::TeamCandidates(
    Tx& tx, const std::string& patient_id) {
  return Guard([&]() -> absl::StatusOr<std::vector<domain::TeamCandidate>> {
    std::vector<domain::TeamCandidate> out;
    for (const auto& r : tx.w().exec_prepared("alert.team", patient_id)) {
      out.push_back({r[0].as<std::string>(), static_cast<domain::TeamRole>(r[1].as<int>()),
                     static_cast<domain::Role>(r[2].as<int>()), r[3].as<std::string>()});
    }
    return out;
  });
}

absl::StatusOr<std::vector<domain::AlertAccount>> AlertRepository::Accounts(
    Tx& tx, const std::vector<std::string>& levels, const std::vector<domain::Role>& roles) {
  std::vector<domain::AlertAccount> out;
  if (levels.empty() || roles.empty()) return out;
  std::vector<int> role_numbers;
  for (domain::Role r : roles) role_numbers.push_back(static_cast<int>(r));
  return Guard([&]() -> absl::StatusOr<std::vector<domain::AlertAccount>> {
    for (const auto& r : tx.w().exec_prepared("alert.accounts", pg::TextArray(levels),
                                              pg::IntArray(role_numbers))) {
      out.push_back({r[0].as<std::string>(), static_cast<domain::Role>(r[1].as<int>()),
                     r[2].as<std::string>()});
    }
    return out;
  });
}

absl::StatusOr<std::set<std::string>> AlertRepository::UsersOn(Tx& tx,
                                                               const std::string& alert_id) {
  return Guard([&]() -> absl::StatusOr<std::set<std::string>> {
    std::set<std::string> out;
    for (const auto& r : tx.w().exec_prepared("alert.users_on", alert_id)) {
      out.insert(r[0].as<std::string>());
    }
    return out;
  });
}

absl::StatusOr<int> AlertRepository::AddRecipients(
    Tx& tx, const std::string& alert_id, const std::vector<Recipient>& recipients,
    const std::vector<std::optional<absl::Time>>& deadlines, int escalation_level) {
  if (recipients.empty()) return 0;
  std::vector<std::string> users, roles, reasons, times;
  for (size_t i = 0; i < recipients.size(); ++i) {
    users.push_back(recipients[i].user_id);
    roles.push_back(std::to_string(static_cast<int>(recipients[i].role)));
    reasons.push_back(std::to_string(static_cast<int>(recipients[i].reason)));
    times.push_back(deadlines[i] ? absl::StrCat("\"", pg::Time(*deadlines[i]), "\"") : "NULL");
  }
  return Guard([&]() -> absl::StatusOr<int> {
    pqxx::result r = tx.w().exec_prepared("alert.add_recipients", alert_id, pg::TextArray(users),
                                          pg::TextArray(roles), pg::TextArray(reasons),
                                          escalation_level, pg::TextArray(times));
    tx.w().exec_prepared("alert.notify_raised");
    return static_cast<int>(r.affected_rows());
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
                         pg::NullIfEmpty(a.raised_by), pg::Time(a.raised_at),
                         static_cast<int>(a.draft.audience));
                     return r.affected_rows() == 1;
                   }));
  if (!inserted) return false;
  RETURN_IF_ERROR(AddRecipients(tx, a.id, recipients, deadlines, escalation_level).status());
  return true;
}

std::string SequenceOrigin(std::string_view payload) {
  if (payload.empty() || payload[0] != '~') return "";
  return std::string(payload.substr(1, payload.find(',') == std::string_view::npos
                                           ? std::string_view::npos
                                           : payload.find(',') - 1));
}

absl::StatusOr<std::vector<std::string>> AlertRepository::Sequence(Tx& tx,
                                                                   const std::string& origin) {
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
      // The payloads name the users to wake, as many notifications as it takes to stay
      // under PostgreSQL's 8,000-byte payload limit. (One "*", wake everyone, used to stand
      // for a list that did not fit: at 200 alerts/s a pass often sequences more than the
      // ~190 users that fit, and every such pass woke all 10,000 streams of a province into
      // an audited fetch each, most of them finding nothing; issue 17.)
      // The origin leads each payload; a server that predates it reads it as an unknown
      // user id and wakes nobody for it.
      const std::string head = origin.empty() ? "" : absl::StrCat("~", origin);
      std::string payload = head;
      for (const std::string& u : users) {
        if (payload.size() > head.size() && payload.size() + 1 + u.size() > 7000) {
          tx.w().exec_prepared("alert.notify_seq", payload);
          payload = head;
        }
        absl::StrAppend(&payload, payload.empty() ? "" : ",", u);
      }
      tx.w().exec_prepared("alert.notify_seq", payload);
    }
    return users;
  });
}

AlertRepository::SnapshotText AlertRepository::OpenSnapshot(const std::string& alert_id,
                                                        const std::string& cell) const {
  // A snapshot that does not decrypt (a damaged or tampered cell) must not stop delivery:
  // the copy goes out with what is plaintext (patient id, community, kind, severity, risk)
  // and `unreadable`, so the recipient still acts on it, and every later copy still flows.
  SnapshotText out;
  absl::StatusOr<std::string> snap = cipher_.Decrypt(cell, "alert:" + alert_id);
  nlohmann::json j = snap.ok() ? nlohmann::json::parse(*snap, nullptr, false) : nlohmann::json();
  if (j.is_object()) {
    out.name = j.value("name", "");
    out.address = j.value("address", "");
    out.cause = j.value("cause", "");
  } else {
    out.unreadable = true;
    common::LogWarning("alert snapshot unreadable alert=%s", alert_id);
  }
  return out;
}

absl::StatusOr<AlertCopy> AlertRepository::ReadCopy(
    const void* row_ptr, int o, std::unordered_map<std::string, SnapshotText>* snapshots) const {
  const pqxx::row& r = *static_cast<const pqxx::row*>(row_ptr);
  AlertCopy c;
  c.seq = r[o + 0].as<int64_t>();
  c.alert_id = r[o + 1].as<std::string>();
  c.patient_id = r[o + 2].as<std::string>();
  c.jurisdiction = r[o + 3].as<std::string>();
  c.kind = static_cast<domain::AlertKind>(r[o + 4].as<int>());
  c.severity = r[o + 5].as<int>();
  c.risk_level = r[o + 6].as<int>();
  const SnapshotText* snap = nullptr;
  SnapshotText own;
  if (snapshots != nullptr) {
    auto it = snapshots->find(c.alert_id);
    if (it == snapshots->end()) {
      it = snapshots->emplace(c.alert_id, OpenSnapshot(c.alert_id, pg::BytesField(r[o + 7])))
               .first;
    }
    snap = &it->second;
  } else {
    own = OpenSnapshot(c.alert_id, pg::BytesField(r[o + 7]));
    snap = &own;
  }
  c.patient_name = snap->name;
  c.address = snap->address;
  c.cause = snap->cause;
  c.unreadable = snap->unreadable;
  c.raised_at = pg::TimeField(r[o + 8]);
  c.delivered_at = pg::OptTimeField(r[o + 9]);
  c.acked_at = pg::OptTimeField(r[o + 10]);
  c.ack_note = r[o + 11].as<std::string>();
  c.escalation_level = r[o + 12].as<int>();
  c.escalated = r[o + 13].as<bool>();
  c.audience = static_cast<domain::AlertAudience>(r[o + 14].as<int>());
  c.reason = static_cast<domain::RecipientReason>(r[o + 15].as<int>());
  c.deadline = pg::OptTimeField(r[o + 16]);
  return c;
}

absl::StatusOr<std::vector<AlertCopy>> AlertRepository::After(Tx& tx, const Viewer& v,
                                                              int64_t after, int limit) {
  return Guard([&]() -> absl::StatusOr<std::vector<AlertCopy>> {
    std::vector<AlertCopy> out;
    for (const auto& row :
         tx.w().exec_prepared("alert.after", v.user_id, after, limit, v.role_number,
                              v.jurisdiction, v.full, v.clinical)) {
      ASSIGN_OR_RETURN(AlertCopy c, ReadCopy(&row));
      out.push_back(std::move(c));
    }
    return out;
  });
}

absl::StatusOr<std::vector<std::vector<AlertCopy>>> AlertRepository::AfterMany(
    Tx& tx, const std::vector<CursorRead>& reads) {
  std::vector<std::vector<AlertCopy>> out(reads.size());
  if (reads.empty()) return out;
  // Reads alike (one user's streams at the same cursor, e.g. a desk open in many browsers)
  // are read once.
  std::vector<size_t> distinct_of(reads.size());
  std::unordered_map<std::string, size_t> seen;
  std::vector<std::string> users, afters, limits, roles, jurisdictions, full, clinical;
  for (size_t i = 0; i < reads.size(); ++i) {
    const CursorRead& r = reads[i];
    const std::string key = absl::StrCat(r.viewer.user_id, "|", r.after, "|", r.limit, "|",
                                         r.viewer.role_number, "|", r.viewer.jurisdiction, "|",
                                         r.viewer.full, r.viewer.clinical);
    auto [it, fresh] = seen.emplace(key, users.size());
    distinct_of[i] = it->second;
    if (!fresh) continue;
    users.push_back(r.viewer.user_id);
    afters.push_back(std::to_string(r.after));
    limits.push_back(std::to_string(r.limit));
    roles.push_back(std::to_string(r.viewer.role_number));
    jurisdictions.push_back(r.viewer.jurisdiction);
    full.push_back(r.viewer.full ? "t" : "f");
    clinical.push_back(r.viewer.clinical ? "t" : "f");
  }
  ASSIGN_OR_RETURN(
      std::vector<std::vector<AlertCopy>> distinct,
      Guard([&]() -> absl::StatusOr<std::vector<std::vector<AlertCopy>>> {
        std::vector<std::vector<AlertCopy>> got(users.size());
        std::unordered_map<std::string, SnapshotText> snapshots;
        for (const auto& row : tx.w().exec_prepared(
                 "alert.after_many", pg::TextArray(users), pg::TextArray(afters),
                 pg::TextArray(limits), pg::TextArray(roles), pg::QuotedArray(jurisdictions),
                 pg::TextArray(full), pg::TextArray(clinical))) {
          const int64_t i = row[0].as<int64_t>() - 1;  // WITH ORDINALITY counts from 1
          if (i < 0 || i >= static_cast<int64_t>(got.size())) {
            return absl::InternalError("alert.after_many: row of no read");
          }
          ASSIGN_OR_RETURN(AlertCopy c, ReadCopy(&row, 1, &snapshots));
          got[i].push_back(std::move(c));
        }
        return got;
      }));
  for (size_t i = 0; i < reads.size(); ++i) out[i] = distinct[distinct_of[i]];
  return out;
}

absl::StatusOr<int64_t> AlertRepository::MaxSeq(Tx& tx, const std::string& user_id) {
  return Guard([&]() -> absl::StatusOr<int64_t> {
    return tx.w().exec_prepared1("alert.max_seq", user_id)[0].as<int64_t>();
  });
}

absl::StatusOr<std::vector<int64_t>> AlertRepository::MaxSeqMany(
    Tx& tx, const std::vector<std::string>& user_ids) {
  std::vector<int64_t> out(user_ids.size(), 0);
  if (user_ids.empty()) return out;
  return Guard([&]() -> absl::StatusOr<std::vector<int64_t>> {
    for (const auto& r : tx.w().exec_prepared("alert.max_seq_many", pg::TextArray(user_ids))) {
      const int64_t i = r[0].as<int64_t>() - 1;
      if (i < 0 || i >= static_cast<int64_t>(out.size())) {
        return absl::InternalError("alert.max_seq_many: row of no user");
      }
      out[i] = r[1].as<int64_t>();
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
    std::vector<AlertCopy> out;
    const Viewer& v = q.viewer;
    for (const auto& row : tx.w().exec_prepared(
             "alert.inbox", v.user_id, q.unacknowledged_only, pg::NullIfEmpty(q.patient_id),
             pg::OptTime(q.from), pg::OptTime(q.to), q.before_seq, q.limit, v.role_number,
             v.jurisdiction, v.full, v.clinical, q.escalated_only)) {
      ASSIGN_OR_RETURN(AlertCopy c, ReadCopy(&row));
      out.push_back(std::move(c));
    }
    return out;
  });
}

absl::StatusOr<AlertCopy> AlertRepository::Acknowledge(Tx& tx, const Viewer& v, int64_t seq,
                                                       const std::string& note, absl::Time at) {
  return Guard([&]() -> absl::StatusOr<AlertCopy> {
    pqxx::result r = tx.w().exec_prepared("alert.ack_get", v.user_id, seq, v.role_number,
                                          v.jurisdiction, v.full, v.clinical);
    if (r.empty()) return absl::NotFoundError("seq: 没有这条预警 (no such alert for you)");
    const pqxx::row row = r[0];
    ASSIGN_OR_RETURN(AlertCopy c, ReadCopy(&row));
    if (c.acked_at) {
      return absl::FailedPreconditionError("预警已确认 (already acknowledged)");
    }
    tx.w().exec_prepared("alert.ack", row[kCopyColumnCount].as<int64_t>(), pg::Time(at), note);
    c.acked_at = at;
    c.ack_note = note;
    return c;
  });
}

absl::StatusOr<std::vector<HandOnCopy>> AlertRepository::ToHandOn(Tx& tx, absl::Time now,
                                                                  absl::Time refit_since,
                                                                  int limit) {
  return Guard([&]() -> absl::StatusOr<std::vector<HandOnCopy>> {
    std::vector<HandOnCopy> out;
    std::set<int64_t> seen;
    for (const auto& r : tx.w().exec_prepared("alert.past_deadline", pg::Time(now), limit)) {
      out.push_back(ReadHandOn(r));
      seen.insert(out.back().recipient_id);
    }
    for (const auto& r : tx.w().exec_prepared("alert.unfit_holders", pg::Time(now),
                                              pg::Time(refit_since), limit)) {
      HandOnCopy c = ReadHandOn(r);
      if (seen.insert(c.recipient_id).second) out.push_back(std::move(c));
    }
    return out;
  });
}

absl::Status AlertRepository::MarkEscalated(Tx& tx, int64_t recipient_id, absl::Time at,
                                            int cause) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("alert.escalated", recipient_id, pg::Time(at), cause);
    return absl::OkStatus();
  });
}

absl::Status AlertRepository::InsertGap(Tx& tx, const AlertGap& g) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("alert.gap_insert", g.alert_id, static_cast<int>(g.role), g.cause,
                         g.jurisdiction, g.duty_recipients, pg::Time(g.created_at));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<AlertGap>> AlertRepository::OpenGaps(Tx& tx, absl::Time since,
                                                                int limit) {
  return Guard([&]() -> absl::StatusOr<std::vector<AlertGap>> {
    std::vector<AlertGap> out;
    for (const auto& r : tx.w().exec_prepared("alert.gaps_open", pg::Time(since), limit)) {
      out.push_back(ReadGap(r));
    }
    return out;
  });
}

absl::Status AlertRepository::ResolveGap(Tx& tx, int64_t gap_id, absl::Time at, int recipients) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("alert.gap_resolve", gap_id, pg::Time(at), recipients);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<AlertGap>> AlertRepository::ListGaps(Tx& tx, const GapQuery& q) {
  return Guard([&]() -> absl::StatusOr<std::vector<AlertGap>> {
    std::vector<AlertGap> out;
    for (const auto& r : tx.w().exec_prepared("alert.gaps_list", q.region_prefix,
                                              q.include_resolved, q.before_id, q.limit)) {
      out.push_back(ReadGap(r));
    }
    return out;
  });
}

}  // namespace smd::store
