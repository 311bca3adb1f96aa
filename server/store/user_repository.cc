#include "store/user_repository.h"

#include "absl/strings/escaping.h"
#include "store/errors.h"
#include "store/internal/pg.h"
#include "store/internal/tx.h"
#include "store/statements.h"

namespace smd::store {
namespace {

constexpr char kUserColumns[] =
    "id::text, username, display_name, password_hash, role, jurisdiction, disabled, "
    "failed_logins, locked_until, created_at, must_change_password";

UserRow ReadUser(const pqxx::row& r, int o = 0) {
  UserRow u;
  u.id = r[o + 0].as<std::string>();
  u.username = r[o + 1].as<std::string>();
  u.display_name = r[o + 2].as<std::string>();
  u.password_hash = r[o + 3].as<std::string>();
  u.role = static_cast<domain::Role>(r[o + 4].as<int>());
  u.jurisdiction = r[o + 5].as<std::string>();
  u.disabled = r[o + 6].as<bool>();
  u.failed_logins = r[o + 7].as<int>();
  u.locked_until = pg::OptTimeField(r[o + 8]);
  u.created_at = pg::TimeField(r[o + 9]);
  u.must_change_password = r[o + 10].as<bool>();
  return u;
}

absl::StatusOr<std::optional<UserRow>> One(const pqxx::result& r) {
  if (r.empty()) return std::optional<UserRow>();
  return std::optional<UserRow>(ReadUser(r[0]));
}

}  // namespace

std::vector<Statement> UserStatements() {
  static const std::string by_name =
      std::string("SELECT ") + kUserColumns + " FROM app_user WHERE username = $1";
  static const std::string by_id =
      std::string("SELECT ") + kUserColumns + " FROM app_user WHERE id = $1::uuid";
  static const std::string by_id_lock = by_id + " FOR UPDATE";
  // A district has hundreds of users: the jurisdiction index, then the filters on its rows.
  static const std::string list =
      std::string("SELECT ") + kUserColumns +
      " FROM app_user WHERE starts_with(jurisdiction, $1) AND username > $2 "
      "AND ($4::smallint = 0 OR role = $4::smallint) "
      "AND ($5::int = 0 OR ($5::int = 1 AND NOT disabled) OR ($5::int = 2 AND disabled) "
      "OR ($5::int = 3 AND must_change_password) "
      "OR ($5::int = 4 AND locked_until > $6::timestamptz)) "
      "AND ($7::text = '' OR strpos(username, $7::text) > 0 "
      "OR strpos(lower(display_name), $7::text) > 0) "
      "ORDER BY username LIMIT $3";
  static const std::string live =
      std::string(
          "SELECT s.id::text, s.user_id::text, s.token_hash, s.created_at, "
          "s.expires_at, s.last_seen_at, ") +
      "u.id::text, u.username, u.display_name, u.password_hash, u.role, u.jurisdiction, "
      "u.disabled, u.failed_logins, u.locked_until, u.created_at, u.must_change_password "
      "FROM session s JOIN app_user u ON u.id = s.user_id "
      "WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2::timestamptz "
      "AND s.last_seen_at > $2::timestamptz - $3::interval AND NOT u.disabled";
  // Issue 17: the session, its user and the transaction's row-level scope (store/scope.h)
  // in one round trip. set_config is in the select list, evaluated only for the row
  // returned: an unknown, expired or disabled session leaves the scope unset.
  static const std::string live_scoped =
      std::string(
          "SELECT s.id::text, s.user_id::text, s.token_hash, s.created_at, "
          "s.expires_at, s.last_seen_at, ") +
      "u.id::text, u.username, u.display_name, u.password_hash, u.role, u.jurisdiction, "
      "u.disabled, u.failed_logins, u.locked_until, u.created_at, u.must_change_password, "
      "set_config('smd.scope', CASE WHEN u.role = ANY($4::int[]) THEN u.jurisdiction "
      "ELSE '' END, true) "
      "FROM session s JOIN app_user u ON u.id = s.user_id "
      "WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2::timestamptz "
      "AND s.last_seen_at > $2::timestamptz - $3::interval AND NOT u.disabled";
  // FindLiveSessions: `live` for many token hashes (hex), one row per live one, numbered
  // by its place in the array; each served by the token_hash unique index.
  static const std::string live_many =
      std::string(
          "SELECT x.i, s.id::text, s.user_id::text, s.token_hash, s.created_at, "
          "s.expires_at, s.last_seen_at, ") +
      "u.id::text, u.username, u.display_name, u.password_hash, u.role, u.jurisdiction, "
      "u.disabled, u.failed_logins, u.locked_until, u.created_at, u.must_change_password "
      "FROM unnest($1::text[]) WITH ORDINALITY AS x(h, i) "
      "JOIN session s ON s.token_hash = decode(x.h, 'hex') "
      "JOIN app_user u ON u.id = s.user_id "
      "WHERE s.revoked_at IS NULL AND s.expires_at > $2::timestamptz "
      "AND s.last_seen_at > $2::timestamptz - $3::interval AND NOT u.disabled";
  return {
      {"session.live_many", live_many.c_str()},
      {"session.touch_many",
       "UPDATE session SET last_seen_at = $2::timestamptz WHERE id = ANY($1::uuid[])"},
      {"session.live_scoped", live_scoped.c_str()},
      {"user.by_name", by_name.c_str()},
      {"user.by_id", by_id.c_str()},
      {"user.by_id_lock", by_id_lock.c_str()},
      {"user.insert",
       "INSERT INTO app_user (id, username, display_name, password_hash, role, jurisdiction, "
       "created_at, created_by, updated_at, must_change_password) VALUES ($1::uuid, $2, $3, "
       "$4, $5, $6, $7::timestamptz, $8::uuid, $7::timestamptz, $9)"},
      {"user.login_state",
       "UPDATE app_user SET failed_logins = $2, locked_until = $3::timestamptz, "
       "updated_at = $4::timestamptz WHERE id = $1::uuid"},
      {"user.disabled",
       "UPDATE app_user SET disabled = $2, updated_at = $3::timestamptz WHERE id = $1::uuid"},
      {"user.password",
       "UPDATE app_user SET password_hash = $2, failed_logins = 0, locked_until = NULL, "
       "must_change_password = $4, updated_at = $3::timestamptz WHERE id = $1::uuid"},
      {"user.role",
       "UPDATE app_user SET role = $2, jurisdiction = $3, updated_at = $4::timestamptz "
       "WHERE id = $1::uuid"},
      {"user.list", list.c_str()},
      {"user.any", "SELECT EXISTS (SELECT 1 FROM app_user)"},
      {"session.insert",
       "INSERT INTO session (id, token_hash, user_id, created_at, expires_at, last_seen_at) "
       "VALUES ($1::uuid, $2, $3::uuid, $4::timestamptz, $5::timestamptz, $4::timestamptz)"},
      {"session.live", live.c_str()},
      {"session.touch", "UPDATE session SET last_seen_at = $2::timestamptz WHERE id = $1::uuid"},
      {"session.revoke",
       "UPDATE session SET revoked_at = $2::timestamptz WHERE id = $1::uuid "
       "AND revoked_at IS NULL"},
      {"session.revoke_user",
       "UPDATE session SET revoked_at = $2::timestamptz WHERE user_id = $1::uuid "
       "AND revoked_at IS NULL"},
  };
}

absl::StatusOr<std::optional<UserRow>> FindUserByName(Tx& tx, const std::string& username) {
  return Guard([&] { return One(tx.w().exec_prepared("user.by_name", username)); });
}

absl::StatusOr<std::optional<UserRow>> FindUserById(Tx& tx, const std::string& id,
                                                     bool for_update) {
  return Guard([&] {
    return One(tx.w().exec_prepared(for_update ? "user.by_id_lock" : "user.by_id", id));
  });
}

absl::Status InsertUser(Tx& tx, const UserRow& u, const std::string& created_by,
                        absl::Time now) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("user.insert", u.id, u.username, u.display_name, u.password_hash,
                         static_cast<int>(u.role), u.jurisdiction, pg::Time(now),
                         pg::NullIfEmpty(created_by), u.must_change_password);
    return absl::OkStatus();
  });
}

absl::Status SetLoginState(Tx& tx, const std::string& id, int failed_logins,
                           std::optional<absl::Time> locked_until, absl::Time now) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("user.login_state", id, failed_logins, pg::OptTime(locked_until),
                         pg::Time(now));
    return absl::OkStatus();
  });
}

absl::Status SetDisabled(Tx& tx, const std::string& id, bool disabled, absl::Time now) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("user.disabled", id, disabled, pg::Time(now));
    return absl::OkStatus();
  });
}

absl::Status SetPasswordHash(Tx& tx, const std::string& id, const std::string& hash,
                             bool must_change, absl::Time now) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("user.password", id, hash, pg::Time(now), must_change);
    return absl::OkStatus();
  });
}

absl::Status SetRole(Tx& tx, const std::string& id, domain::Role role,
                     const std::string& jurisdiction, absl::Time now) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("user.role", id, static_cast<int>(role), jurisdiction, pg::Time(now));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<UserRow>> ListUsers(Tx& tx, const UserFilter& f) {
  return Guard([&]() -> absl::StatusOr<std::vector<UserRow>> {
    std::vector<UserRow> out;
    for (const auto& r :
         tx.w().exec_prepared("user.list", f.prefix, f.after, f.limit, static_cast<int>(f.role),
                              static_cast<int>(f.status), pg::Time(f.now), f.query)) {
      out.push_back(ReadUser(r));
    }
    return out;
  });
}

absl::StatusOr<bool> AnyUserExists(Tx& tx) {
  return Guard([&]() -> absl::StatusOr<bool> {
    return tx.w().exec_prepared1("user.any")[0].as<bool>();
  });
}

absl::Status InsertSession(Tx& tx, const SessionRow& s) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("session.insert", s.id, pg::Bytes(s.token_hash), s.user_id,
                         pg::Time(s.created_at), pg::Time(s.expires_at));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<std::pair<SessionRow, UserRow>>> FindLiveSession(
    Tx& tx, const std::string& token_hash, absl::Time now, absl::Duration idle,
    const std::vector<int>* scoped_roles) {
  using Out = std::optional<std::pair<SessionRow, UserRow>>;
  return Guard([&]() -> absl::StatusOr<Out> {
    const std::string interval = std::to_string(absl::ToInt64Seconds(idle)) + " seconds";
    pqxx::result r =
        scoped_roles == nullptr
            ? tx.w().exec_prepared("session.live", pg::Bytes(token_hash), pg::Time(now), interval)
            : tx.w().exec_prepared("session.live_scoped", pg::Bytes(token_hash), pg::Time(now),
                                   interval, pg::IntArray(*scoped_roles));
    if (r.empty()) return Out();
    SessionRow s;
    s.id = r[0][0].as<std::string>();
    s.user_id = r[0][1].as<std::string>();
    s.token_hash = pg::BytesField(r[0][2]);
    s.created_at = pg::TimeField(r[0][3]);
    s.expires_at = pg::TimeField(r[0][4]);
    s.last_seen_at = pg::TimeField(r[0][5]);
    return Out(std::make_pair(s, ReadUser(r[0], 6)));
  });
}

absl::StatusOr<std::vector<std::optional<std::pair<SessionRow, UserRow>>>> FindLiveSessions(
    Tx& tx, const std::vector<std::string>& token_hashes, absl::Time now, absl::Duration idle) {
  using Out = std::vector<std::optional<std::pair<SessionRow, UserRow>>>;
  Out out(token_hashes.size());
  if (token_hashes.empty()) return out;
  std::vector<std::string> hex;
  hex.reserve(token_hashes.size());
  for (const std::string& h : token_hashes) hex.push_back(absl::BytesToHexString(h));
  return Guard([&]() -> absl::StatusOr<Out> {
    const std::string interval = std::to_string(absl::ToInt64Seconds(idle)) + " seconds";
    for (const auto& r :
         tx.w().exec_prepared("session.live_many", pg::TextArray(hex), pg::Time(now), interval)) {
      const int64_t i = r[0].as<int64_t>() - 1;  // WITH ORDINALITY counts from 1
      if (i < 0 || i >= static_cast<int64_t>(out.size())) {
        return absl::InternalError("session.live_many: row of no token");
      }
      SessionRow s;
      s.id = r[1].as<std::string>();
      s.user_id = r[2].as<std::string>();
      s.token_hash = pg::BytesField(r[3]);
      s.created_at = pg::TimeField(r[4]);
      s.expires_at = pg::TimeField(r[5]);
      s.last_seen_at = pg::TimeField(r[6]);
      out[i] = std::make_pair(s, ReadUser(r, 7));
    }
    return out;
  });
}

absl::Status TouchSessions(Tx& tx, const std::vector<std::string>& session_ids, absl::Time now) {
  if (session_ids.empty()) return absl::OkStatus();
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("session.touch_many", pg::TextArray(session_ids), pg::Time(now));
    return absl::OkStatus();
  });
}

absl::Status TouchSession(Tx& tx, const std::string& session_id, absl::Time now) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("session.touch", session_id, pg::Time(now));
    return absl::OkStatus();
  });
}

absl::Status RevokeSession(Tx& tx, const std::string& session_id, absl::Time now) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("session.revoke", session_id, pg::Time(now));
    return absl::OkStatus();
  });
}

absl::Status RevokeUserSessions(Tx& tx, const std::string& user_id, absl::Time now) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("session.revoke_user", user_id, pg::Time(now));
    return absl::OkStatus();
  });
}

}  // namespace smd::store
