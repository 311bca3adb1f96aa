#pragma once
// Sign-in (AuthService). Thread-safe. The rules in full: docs/security.md "Authentication".

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "app/call.h"
#include "app/context.h"
#include "domain/signin.h"
#include "domain/types.h"

namespace smd::app {

struct SignedIn {
  std::string token;
  absl::Time expires_at;
  domain::Principal principal;
  std::string display_name;
  std::string jurisdiction_name;  // the region's name, "" when the code is not in the tree
};

struct Me {
  domain::Principal principal;
  std::string display_name;
  std::string jurisdiction_name;
};

// INVALID_ARGUMENT naming `password` unless `password` is acceptable as a new password:
// valid UTF-8 without control characters (NUL included), at most 256 characters, and the
// strength rule (crypto::CheckPasswordStrength). Thread-safe.
absl::Status CheckNewPassword(std::string_view password);

class AuthUseCases {
 public:
  explicit AuthUseCases(const Deps& deps);

  // The per-source limit, asked before a sign-in is queued: takes one unit of the failure
  // budget of the caller's source address (domain::SourceOf(meta.peer): behind the trusted
  // web gateway, the browser's). Never blocks (it
  // runs on gRPC's threads). RESOURCE_EXHAUSTED "too many failed sign-ins from this
  // address" when the budget is used up; that refusal is counted in the audit.
  absl::Status AdmitSignIn(const CallMeta& meta, std::string_view username);
  // Audits a sign-in refused before Login ran: the sign-in queue was full (`why` is then
  // RESOURCE_EXHAUSTED; counted, never blocks) or the request could not be read. Returns `why`.
  absl::Status RefuseSignIn(const CallMeta& meta, std::string_view username,
                            const absl::Status& why, const std::string& detail);

  // Checks the user name, then the password (scrypt, outside any transaction), and opens
  // a session. Expects AdmitSignIn to have taken a unit for this call; gives it back when
  // the sign-in succeeds or fails on the server's side. Errors:
  //  * INVALID_ARGUMENT naming `username` (domain::CheckSignInName), before anything else;
  //  * UNAUTHENTICATED "wrong user name or password" for an unknown user, a wrong password
  //    or a disabled account; a wrong password counts toward the lock-out
  //    (config.max_failed_logins within one lock period lock the account for
  //    config.lockout);
  //  * UNAUTHENTICATED "account temporarily locked" for a locked account, whatever the
  //    password: the password is still checked (the same work and time) but its result is
  //    not used, so the answer tells a guesser nothing;
  //  * UNAVAILABLE and other database errors.
  // Every attempt is audited: successful sign-ins and counted wrong passwords as rows of
  // their own, in the transaction that records them; the others through
  // AuditUnauthenticated.
  absl::StatusOr<SignedIn> Login(const CallMeta& meta, const std::string& username,
                                 const std::string& password);
  // Revokes the caller's session. Errors: UNAUTHENTICATED. Served while a password change
  // is pending, as are WhoAmI and ChangePassword (every other call is then refused:
  // app/call.h).
  absl::Status Logout(const CallMeta& meta);
  // The caller, with principal.must_change_password telling the client to ask for a new
  // password. Errors: UNAUTHENTICATED.
  absl::StatusOr<Me> WhoAmI(const CallMeta& meta);
  // Errors: UNAUTHENTICATED; INVALID_ARGUMENT naming `password` (CheckNewPassword), or
  // naming `new_password` when a required change (must_change_password) would keep the old
  // password;
  // PERMISSION_DENIED "old password is wrong" (counted toward the lock-out like a wrong
  // sign-in; the failure that locks the account also revokes every session of the user);
  // PERMISSION_DENIED "account temporarily locked" while locked, whatever the old password.
  // On success every session of the user, this one too, is revoked, and a pending required
  // change is done (must_change_password cleared).
  absl::Status ChangePassword(const CallMeta& meta, const std::string& old_password,
                              const std::string& new_password);

 private:
  const Deps& deps_;
  domain::SourceBudget sources_;
};

}  // namespace smd::app
