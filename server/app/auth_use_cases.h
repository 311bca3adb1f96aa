#pragma once
// Sign-in (AuthService). Thread-safe.

#include <string>

#include "absl/status/statusor.h"
#include "app/call.h"
#include "app/context.h"
#include "domain/types.h"

namespace smd::app {

struct SignedIn {
  std::string token;
  absl::Time expires_at;
  domain::Principal principal;
  std::string display_name;
};

struct Me {
  domain::Principal principal;
  std::string display_name;
  std::string jurisdiction_name;
};

class AuthUseCases {
 public:
  explicit AuthUseCases(const Deps& deps) : deps_(deps) {}

  // Checks the password (scrypt, constant-time) and opens a session. A wrong password
  // counts toward the lock-out (config.max_failed_logins within one lock period locks the
  // account for config.lockout). Errors: UNAUTHENTICATED for an unknown user, a wrong
  // password, a disabled or a locked account (the message says "locked" only when the
  // password was right, so the lock reveals nothing to a guesser). Audited either way.
  absl::StatusOr<SignedIn> Login(const CallMeta& meta, const std::string& username,
                                 const std::string& password);
  // Revokes the caller's session. Errors: UNAUTHENTICATED.
  absl::Status Logout(const CallMeta& meta);
  absl::StatusOr<Me> WhoAmI(const CallMeta& meta);
  // Errors: UNAUTHENTICATED; PERMISSION_DENIED (old password wrong); INVALID_ARGUMENT
  // (new password too weak). Every session of the user, this one too, is revoked.
  absl::Status ChangePassword(const CallMeta& meta, const std::string& old_password,
                              const std::string& new_password);

 private:
  const Deps& deps_;
};

}  // namespace smd::app
