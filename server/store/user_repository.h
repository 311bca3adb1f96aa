#pragma once
// app_user and session rows. All functions run inside the caller's transaction; database
// errors come back as statuses (store/errors.h). Thread-compatible (Tx is per thread).

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "domain/types.h"

namespace smd::store {

class Tx;

struct UserRow {
  std::string id;
  std::string username;
  std::string display_name;
  std::string password_hash;
  domain::Role role = domain::Role::kUnspecified;
  std::string jurisdiction;
  bool disabled = false;
  int failed_logins = 0;
  std::optional<absl::Time> locked_until;
  absl::Time created_at;
  // The password was set by an administrator and must be changed by the user before any
  // other call (schema 0015; app::RunCall refuses the others).
  bool must_change_password = false;
};

absl::StatusOr<std::optional<UserRow>> FindUserByName(Tx& tx, const std::string& username);
// `for_update` locks the row (login failure counting must not race).
absl::StatusOr<std::optional<UserRow>> FindUserById(Tx& tx, const std::string& id,
                                                     bool for_update = false);
// ALREADY_EXISTS when the username is taken; FAILED_PRECONDITION for an unknown region.
absl::Status InsertUser(Tx& tx, const UserRow& user, const std::string& created_by,
                        absl::Time now);
absl::Status SetLoginState(Tx& tx, const std::string& id, int failed_logins,
                           std::optional<absl::Time> locked_until, absl::Time now);
absl::Status SetDisabled(Tx& tx, const std::string& id, bool disabled, absl::Time now);
// Sets the password hash, clears failed_logins and locked_until, and sets
// must_change_password to `must_change` (true: an administrator set it; false: the user's own).
absl::Status SetPasswordHash(Tx& tx, const std::string& id, const std::string& hash,
                             bool must_change, absl::Time now);
absl::Status SetRole(Tx& tx, const std::string& id, domain::Role role,
                     const std::string& jurisdiction, absl::Time now);
// ListUsers' filters (AdminService.ListUsers); the empty value of each means any.
enum class UserStatusFilter : int {
  kAny = 0,
  kEnabled = 1,             // not disabled
  kDisabled = 2,
  kMustChangePassword = 3,
  kLocked = 4,              // locked_until > now
};
struct UserFilter {
  std::string prefix;       // jurisdiction starts with this
  domain::Role role = domain::Role::kUnspecified;
  UserStatusFilter status = UserStatusFilter::kAny;
  std::string query;        // lower case; a part of the username or of lower(display_name)
  absl::Time now;           // for kLocked
  std::string after;        // keyset: usernames after this
  int limit = 50;
};
// Users matching `filter`, ordered by username (named statement user.list).
absl::StatusOr<std::vector<UserRow>> ListUsers(Tx& tx, const UserFilter& filter);
absl::StatusOr<bool> AnyUserExists(Tx& tx);

struct SessionRow {
  std::string id;
  std::string user_id;
  std::string token_hash;  // SHA-256 of the bearer token, raw bytes
  absl::Time created_at;
  absl::Time expires_at;
  absl::Time last_seen_at;
};

absl::Status InsertSession(Tx& tx, const SessionRow& session);
// The live session for a token hash (not revoked, not expired at `now`, idle for less
// than `idle`, user not disabled), with its user. nullopt when there is none.
// With `scoped_roles`, the same round trip also sets the transaction's row-level scope
// (store/scope.h SetScope): the user's jurisdiction when the user's role is in the list,
// else empty (no patient row visible); when there is no live session the scope stays unset.
absl::StatusOr<std::optional<std::pair<SessionRow, UserRow>>> FindLiveSession(
    Tx& tx, const std::string& token_hash, absl::Time now, absl::Duration idle,
    const std::vector<int>* scoped_roles = nullptr);
// FindLiveSession for many token hashes in one statement (the alert streams' batched
// fetch, issue 17): out[i] is the live session of token_hashes[i] and its user, nullopt
// where FindLiveSession would find none. Sets no row-level scope.
absl::StatusOr<std::vector<std::optional<std::pair<SessionRow, UserRow>>>> FindLiveSessions(
    Tx& tx, const std::vector<std::string>& token_hashes, absl::Time now, absl::Duration idle);
absl::Status TouchSession(Tx& tx, const std::string& session_id, absl::Time now);
// TouchSession for many sessions in one statement.
absl::Status TouchSessions(Tx& tx, const std::vector<std::string>& session_ids, absl::Time now);
absl::Status RevokeSession(Tx& tx, const std::string& session_id, absl::Time now);
absl::Status RevokeUserSessions(Tx& tx, const std::string& user_id, absl::Time now);

}  // namespace smd::store
