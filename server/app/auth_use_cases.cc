#include "app/auth_use_cases.h"

#include "app/unauth_audit.h"
#include "common/status_macros.h"
#include "crypto/password.h"
#include "crypto/random.h"
#include "crypto/token.h"
#include "domain/errors.h"
#include "domain/text.h"
#include "store/audit_repository.h"
#include "store/errors.h"
#include "store/region_repository.h"
#include "store/user_repository.h"

namespace smd::app {
namespace {

const absl::Status& BadCredentials() {
  static const absl::Status s =
      absl::UnauthenticatedError("用户名或密码错误 (wrong user name or password)");
  return s;
}

// The lock-out message. The web client shows it after failed attempts; it is given for a
// locked account whatever the password, so it says nothing about the password.
absl::Status Locked(absl::StatusCode code) {
  return absl::Status(code,
                      "账户因多次密码错误已临时锁定，请稍后再试 (account temporarily locked after "
                      "repeated wrong passwords; try later)");
}

bool IsLocked(const store::UserRow& user, absl::Time now) {
  return user.locked_until && *user.locked_until > now;
}

// Counts one wrong password for `user` (not locked, its row locked FOR UPDATE in `tx`);
// the failure that reaches the limit locks the account and restarts the count. Returns
// true when this failure locked the account.
absl::StatusOr<bool> CountWrongPassword(const Deps& deps, store::Tx& tx, const store::UserRow& user,
                                        absl::Time now) {
  int failed = user.failed_logins + 1;
  std::optional<absl::Time> until = user.locked_until;
  bool locked = false;
  if (failed >= deps.config.max_failed_logins) {
    until = now + deps.config.lockout;
    failed = 0;
    locked = true;
  }
  RETURN_IF_ERROR(store::SetLoginState(tx, user.id, failed, until, now));
  return locked;
}

// The audit record of a sign-in attempt, before its outcome is known. The attempted name
// is kept escaped (it may be anything the client sent).
store::AuditEntry SignInEntry(const Deps& deps, const CallMeta& meta, std::string_view username) {
  store::AuditEntry e;
  e.at = deps.clock.Now();
  e.method = meta.method;
  e.peer = meta.peer;
  e.request_id = meta.request_id;
  e.username = domain::EscapeForAudit(username);
  return e;
}

// A password that could have been set: new passwords are text without control characters
// (CheckNewPassword). Anything else is wrong whatever the stored hash says; this matters
// for NUL, since scrypt's HMAC pads its key with zero bytes: "pw" and "pw\0" derive the
// same hash.
bool CouldBeAPassword(std::string_view password) {
  return domain::CheckText("password", password, /*required=*/true, password.size()).ok();
}

}  // namespace

absl::Status CheckNewPassword(std::string_view password) {
  RETURN_IF_ERROR(domain::CheckText("password", password, /*required=*/true, 256));
  return crypto::CheckPasswordStrength(password);
}

AuthUseCases::AuthUseCases(const Deps& deps)
    : deps_(deps), sources_(deps.config.signin_source_limit, deps.config.signin_source_window) {}

absl::Status AuthUseCases::AdmitSignIn(const CallMeta& meta, std::string_view username) {
  if (sources_.TryTake(domain::SourceOf(meta.peer), deps_.clock.Now())) return absl::OkStatus();
  const absl::Status refused = absl::ResourceExhaustedError(
      "该地址登录失败次数过多，请稍后再试 (too many failed sign-ins from this address; try "
      "later)");
  store::AuditEntry e = SignInEntry(deps_, meta, username);
  e.outcome = OutcomeName(refused.code());
  e.detail = "source limit";
  // Decided on gRPC's thread, which must not wait for the database: counted only.
  if (deps_.unauth_audit != nullptr) {
    deps_.unauth_audit->Count(e);
  } else {
    AuditUnauthenticated(deps_, std::move(e));
  }
  return refused;
}

absl::Status AuthUseCases::RefuseSignIn(const CallMeta& meta, std::string_view username,
                                        const absl::Status& why, const std::string& detail) {
  store::AuditEntry e = SignInEntry(deps_, meta, username);
  e.outcome = OutcomeName(why.code());
  e.detail = detail;
  if (why.code() == absl::StatusCode::kResourceExhausted) {
    // The sign-in queue is full: the server's limit, not a failure of this source.
    sources_.GiveBack(domain::SourceOf(meta.peer), deps_.clock.Now());
  }
  if (why.code() == absl::StatusCode::kResourceExhausted && deps_.unauth_audit != nullptr) {
    deps_.unauth_audit->Count(e);  // decided on gRPC's thread: never block here
  } else {
    AuditUnauthenticated(deps_, std::move(e));
  }
  return why;
}

absl::StatusOr<SignedIn> AuthUseCases::Login(const CallMeta& meta, const std::string& username,
                                             const std::string& password) {
  const std::string source = domain::SourceOf(meta.peer);
  store::AuditEntry e = SignInEntry(deps_, meta, username);
  // A failure that changes no account: bounded by AuditUnauthenticated under a flood.
  auto refuse = [&](const absl::Status& outcome, const char* detail) {
    e.outcome = OutcomeName(outcome.code());
    e.detail = detail;
    e.at = deps_.clock.Now();
    AuditUnauthenticated(deps_, e);
    return outcome;
  };
  // A failure of the server, not of the caller: its own row, and the source's unit back.
  auto server_failure = [&](const absl::Status& s) {
    sources_.GiveBack(source, deps_.clock.Now());
    AuditNote note;
    note.detail = "sign-in failed on the server";
    AuditSeparately(deps_, meta, nullptr, e.username, s.code(), note);
    return s;
  };

  // Before anything else: the name goes to libpq as a C string and into the audit trail.
  if (absl::Status bad = domain::CheckSignInName(username); !bad.ok()) {
    return refuse(bad, "bad user name");
  }

  // The password changes rarely; when it changed while scrypt ran, verify again.
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::optional<store::UserRow> found;
    absl::Status s = deps_.db.InTransaction([&](store::Tx& tx) -> absl::Status {
      ASSIGN_OR_RETURN(found, store::FindUserByName(tx, username));
      return absl::OkStatus();
    });
    if (!s.ok()) return server_failure(s);
    if (!found) {
      // The same scrypt work as a real check: the time does not tell which names exist.
      crypto::DummyVerify(password, deps_.config.password_params);
      return refuse(BadCredentials(), "unknown user");
    }
    // scrypt outside any transaction: it holds neither a connection nor the row lock.
    // It runs for every existing account, locked or disabled too, so that the time of the
    // answer is the same whatever the account's state and the password.
    const bool password_ok =
        crypto::VerifyPassword(password, found->password_hash) && CouldBeAPassword(password);

    absl::Status outcome;
    bool own_row = false;  // a row of its own, in this transaction
    bool stale = false;
    SignedIn out;
    s = deps_.db.InTransaction([&](store::Tx& tx) -> absl::Status {
      outcome = absl::OkStatus();
      own_row = false;
      stale = false;
      const absl::Time now = deps_.clock.Now();
      ASSIGN_OR_RETURN(auto user, store::FindUserById(tx, found->id, /*for_update=*/true));
      if (!user || user->password_hash != found->password_hash) {
        stale = true;
        return absl::OkStatus();
      }
      e.at = now;
      e.user_id = user->id;
      e.role = static_cast<int>(user->role);
      e.jurisdiction = user->jurisdiction;
      if (user->disabled) {
        outcome = BadCredentials();
        e.detail = "disabled";
      } else if (IsLocked(*user, now)) {
        // Whatever the password: neither the answer nor the count depends on it.
        outcome = Locked(absl::StatusCode::kUnauthenticated);
        e.detail = "locked";
      } else if (!password_ok) {
        ASSIGN_OR_RETURN(bool locked_now, CountWrongPassword(deps_, tx, *user, now));
        e.detail = locked_now ? "wrong password; account locked" : "wrong password";
        outcome = BadCredentials();
        own_row = true;
      } else {
        if (user->failed_logins != 0 || user->locked_until) {
          RETURN_IF_ERROR(store::SetLoginState(tx, user->id, 0, std::nullopt, now));
        }
        crypto::IssuedToken token = crypto::NewSessionToken();
        store::SessionRow session;
        session.id = crypto::NewUuid();
        session.user_id = user->id;
        session.token_hash = token.hash;
        session.created_at = now;
        session.expires_at = now + deps_.config.session_ttl;
        session.last_seen_at = now;
        RETURN_IF_ERROR(store::InsertSession(tx, session));
        out.token = token.token;
        out.expires_at = session.expires_at;
        out.principal = {user->id,           user->username, user->role,
                         user->jurisdiction, session.id,     user->must_change_password};
        out.display_name = user->display_name;
        // LoginResponse names the jurisdiction (issue 14) so a client need not call WhoAmI.
        ASSIGN_OR_RETURN(auto region, store::GetRegion(tx, user->jurisdiction));
        out.jurisdiction_name = region ? region->name : "";
        e.detail = "";
        own_row = true;
      }
      if (!own_row) return absl::OkStatus();
      e.outcome = OutcomeName(outcome.code());
      return store::AppendAudit(tx, e);
    });
    if (!s.ok()) return server_failure(s);
    if (stale) continue;
    if (outcome.ok()) {
      sources_.GiveBack(source, deps_.clock.Now());
      return out;
    }
    if (!own_row) {
      e.outcome = OutcomeName(outcome.code());
      e.at = deps_.clock.Now();
      AuditUnauthenticated(deps_, e);
    }
    return outcome;
  }
  return server_failure(absl::AbortedError(store::kRetryMessage));
}

absl::Status AuthUseCases::Logout(const CallMeta& meta) {
  return RunCall(
      deps_, meta,
      [&](store::Tx& tx, const domain::Principal& who, AuditNote&) {
        return store::RevokeSession(tx, who.session_id, deps_.clock.Now());
      },
      PendingPasswordChange::kServe);
}

absl::StatusOr<Me> AuthUseCases::WhoAmI(const CallMeta& meta) {
  Me me;
  RETURN_IF_ERROR(RunCall(
      deps_, meta,
      [&](store::Tx& tx, const domain::Principal& who, AuditNote&) {
        me.principal = who;
        ASSIGN_OR_RETURN(auto user, store::FindUserById(tx, who.user_id));
        if (user) me.display_name = user->display_name;
        ASSIGN_OR_RETURN(auto region, store::GetRegion(tx, who.jurisdiction));
        if (region) me.jurisdiction_name = region->name;
        return absl::OkStatus();
      },
      PendingPasswordChange::kServe));
  return me;
}

absl::Status AuthUseCases::ChangePassword(const CallMeta& meta, const std::string& old_password,
                                          const std::string& new_password) {
  return RunCall(
      deps_, meta,
      [&](store::Tx& tx, const domain::Principal& who, AuditNote& note) -> absl::Status {
        RETURN_IF_ERROR(CheckNewPassword(new_password));
        ASSIGN_OR_RETURN(auto user, store::FindUserById(tx, who.user_id, /*for_update=*/true));
        if (!user) {
          return absl::UnauthenticatedError(
              "未登录或登录已过期 (missing, invalid or expired token)");
        }
        // Checked in every state, so the time does not depend on the lock either.
        const bool old_ok = crypto::VerifyPassword(old_password, user->password_hash) &&
                            CouldBeAPassword(old_password);
        const absl::Time now = deps_.clock.Now();
        if (IsLocked(*user, now)) {
          // The same answer whatever the old password: a stolen session cannot keep guessing.
          note.detail = "locked";
          return Locked(absl::StatusCode::kPermissionDenied);
        }
        if (!old_ok) {
          // Counted like a wrong sign-in, and committed although the call fails (RunCall
          // would roll back a failing body's writes).
          ASSIGN_OR_RETURN(bool locked_now, CountWrongPassword(deps_, tx, *user, now));
          note.detail = "wrong old password";
          if (locked_now) {
            // Whoever is guessing holds a session of this user: end them all.
            RETURN_IF_ERROR(store::RevokeUserSessions(tx, user->id, now));
            note.detail = "wrong old password; account locked; sessions revoked";
          }
          note.committed_failure =
              absl::PermissionDeniedError("原密码错误 (old password is wrong)");
          return absl::OkStatus();
        }
        if (user->must_change_password && new_password == old_password) {
          // The forced change replaces the password an administrator knows.
          return domain::FieldError("new_password", "新密码不能与原密码相同",
                                    "must differ from the old password");
        }
        ASSIGN_OR_RETURN(std::string hash,
                         crypto::HashPassword(new_password, deps_.config.password_params));
        RETURN_IF_ERROR(store::SetPasswordHash(tx, user->id, hash, /*must_change=*/false, now));
        // Every session of the user ends, this one too: sign in again with the new password.
        RETURN_IF_ERROR(store::RevokeUserSessions(tx, user->id, now));
        if (user->must_change_password) note.detail = "required change done";
        return absl::OkStatus();
      },
      PendingPasswordChange::kServe);
}

}  // namespace smd::app
