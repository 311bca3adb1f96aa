#include "app/auth_use_cases.h"

#include "common/status_macros.h"
#include "crypto/password.h"
#include "crypto/random.h"
#include "crypto/token.h"
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

}  // namespace

absl::StatusOr<SignedIn> AuthUseCases::Login(const CallMeta& meta, const std::string& username,
                                             const std::string& password) {
  // The outcome is decided inside the transaction but a failed attempt must still commit
  // (its failure count and its audit record), so the body returns OK and reports here.
  absl::Status outcome = absl::OkStatus();
  SignedIn out;
  // User names are not patient data; recording the attempted one shows guessing.
  const std::string attempted = username.substr(0, 64);
  absl::Status s = deps_.db.InTransaction([&](store::Tx& tx) -> absl::Status {
    outcome = absl::OkStatus();
    const absl::Time now = deps_.clock.Now();
    ASSIGN_OR_RETURN(auto found, store::FindUserByName(tx, attempted));
    AuditNote note;
    store::AuditEntry e;
    e.at = now;
    e.method = meta.method;
    e.peer = meta.peer;
    e.request_id = meta.request_id;
    e.username = attempted;
    if (!found) {
      crypto::DummyVerify(password);  // same time as a real check: no user enumeration
      outcome = BadCredentials();
      e.outcome = OutcomeName(outcome.code());
      e.detail = "unknown user";
      return store::AppendAudit(tx, e);
    }
    ASSIGN_OR_RETURN(auto user, store::FindUserById(tx, found->id, /*for_update=*/true));
    if (!user) return absl::AbortedError(store::kRetryMessage);  // vanished between the two reads
    e.user_id = user->id;
    e.role = static_cast<int>(user->role);
    e.jurisdiction = user->jurisdiction;
    const bool password_ok = crypto::VerifyPassword(password, user->password_hash);
    const bool locked = user->locked_until && *user->locked_until > now;
    if (user->disabled) {
      outcome = BadCredentials();
      e.detail = "disabled";
    } else if (!password_ok) {
      int failed = locked ? user->failed_logins : user->failed_logins + 1;
      std::optional<absl::Time> until = user->locked_until;
      if (!locked && failed >= deps_.config.max_failed_logins) {
        until = now + deps_.config.lockout;
        failed = 0;
        e.detail = "wrong password; account locked";
      } else {
        e.detail = "wrong password";
      }
      RETURN_IF_ERROR(store::SetLoginState(tx, user->id, failed, until, now));
      outcome = BadCredentials();
    } else if (locked) {
      outcome = absl::UnauthenticatedError(
          "账户因多次登录失败已临时锁定，请稍后再试 (account temporarily locked after repeated "
          "failures; try later)");
      e.detail = "locked";
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
      out.principal = {user->id, user->username, user->role, user->jurisdiction, session.id};
      out.display_name = user->display_name;
    }
    e.outcome = OutcomeName(outcome.code());
    return store::AppendAudit(tx, e);
  });
  if (!s.ok()) return s;
  if (!outcome.ok()) return outcome;
  return out;
}

absl::Status AuthUseCases::Logout(const CallMeta& meta) {
  return RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who, AuditNote&) {
    return store::RevokeSession(tx, who.session_id, deps_.clock.Now());
  });
}

absl::StatusOr<Me> AuthUseCases::WhoAmI(const CallMeta& meta) {
  Me me;
  RETURN_IF_ERROR(
      RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who, AuditNote&) {
        me.principal = who;
        ASSIGN_OR_RETURN(auto user, store::FindUserById(tx, who.user_id));
        if (user) me.display_name = user->display_name;
        ASSIGN_OR_RETURN(auto region, store::GetRegion(tx, who.jurisdiction));
        if (region) me.jurisdiction_name = region->name;
        return absl::OkStatus();
      }));
  return me;
}

absl::Status AuthUseCases::ChangePassword(const CallMeta& meta, const std::string& old_password,
                                          const std::string& new_password) {
  return RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who, AuditNote&) {
    RETURN_IF_ERROR(crypto::CheckPasswordStrength(new_password));
    ASSIGN_OR_RETURN(auto user, store::FindUserById(tx, who.user_id, /*for_update=*/true));
    if (!user || !crypto::VerifyPassword(old_password, user->password_hash)) {
      return absl::PermissionDeniedError("原密码错误 (old password is wrong)");
    }
    ASSIGN_OR_RETURN(std::string hash,
                     crypto::HashPassword(new_password, deps_.config.password_params));
    const absl::Time now = deps_.clock.Now();
    RETURN_IF_ERROR(store::SetPasswordHash(tx, user->id, hash, now));
    // Every session of the user ends, this one too: sign in again with the new password.
    RETURN_IF_ERROR(store::RevokeUserSessions(tx, user->id, now));
    return absl::OkStatus();
  });
}

}  // namespace smd::app
