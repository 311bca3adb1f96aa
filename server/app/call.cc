#include "app/call.h"

#include "absl/strings/ascii.h"
#include "app/idempotency.h"
#include "app/unauth_audit.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "crypto/token.h"
#include "domain/access_policy.h"
#include "domain/errors.h"
#include "store/audit_repository.h"
#include "store/metric_repository.h"
#include "store/user_repository.h"

namespace smd::app {
namespace {

absl::StatusOr<domain::Principal> Authenticate(const Deps& deps, store::Tx& tx,
                                               const std::string& token) {
  static const absl::Status kUnauthenticated =
      absl::UnauthenticatedError("未登录或登录已过期 (missing, invalid or expired token)");
  if (token.empty() || !crypto::LooksLikeToken(token)) return kUnauthenticated;
  const absl::Time now = deps.clock.Now();
  // The row-level scope is set in the same round trip (issue 17), for the roles that read
  // patient rows (domain::RoleNeedsPatientScope); every other role gets an empty scope.
  static const std::vector<int> kScopedRoles = [] {
    std::vector<int> roles;
    for (int r = 1; r <= domain::kMaxRole; ++r) {
      if (domain::RoleNeedsPatientScope(static_cast<domain::Role>(r))) roles.push_back(r);
    }
    return roles;
  }();
  ASSIGN_OR_RETURN(auto live, store::FindLiveSession(tx, crypto::TokenHash(token), now,
                                                     deps.config.session_idle, &kScopedRoles));
  if (!live) return kUnauthenticated;
  const auto& [session, user] = *live;
  if (now - session.last_seen_at >= kSessionTouchEvery) {
    RETURN_IF_ERROR(store::TouchSession(tx, session.id, now));
  }
  return PrincipalOf(session, user);
}

store::AuditEntry Entry(const Deps& deps, const CallMeta& meta, const domain::Principal* who,
                        const std::string& username, absl::StatusCode outcome,
                        const AuditNote& note) {
  store::AuditEntry e;
  e.at = deps.clock.Now();
  if (who != nullptr) {
    e.user_id = who->user_id;
    e.username = who->username;
    e.role = static_cast<int>(who->role);
    e.jurisdiction = who->jurisdiction;
  } else {
    e.username = username;
  }
  e.method = meta.method;
  e.patient_ids = note.patient_ids;
  e.outcome = OutcomeName(outcome);
  e.peer = meta.peer;
  e.request_id = meta.request_id;
  e.detail = note.detail;
  return e;
}

}  // namespace

domain::Principal PrincipalOf(const store::SessionRow& session, const store::UserRow& user) {
  domain::Principal p;
  p.user_id = user.id;
  p.username = user.username;
  p.role = user.role;
  p.jurisdiction = user.jurisdiction;
  p.session_id = session.id;
  p.must_change_password = user.must_change_password;
  return p;
}

store::AuditEntry CallAuditEntry(const Deps& deps, const CallMeta& meta,
                                 const domain::Principal& who, absl::StatusCode outcome,
                                 const AuditNote& note) {
  return Entry(deps, meta, &who, "", outcome, note);
}

absl::Status PasswordChangeRequired() {
  return absl::FailedPreconditionError("须先修改密码 (password change required)");
}

std::string OutcomeName(absl::StatusCode code) {
  if (code == absl::StatusCode::kOk) return "OK";
  return absl::AsciiStrToUpper(absl::StatusCodeToString(code));
}

absl::Status CheckUuid(std::string_view field, std::string_view v) {
  bool ok = v.size() == 36;
  for (size_t i = 0; ok && i < v.size(); ++i) {
    const char c = v[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      ok = c == '-';
    } else {
      ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    }
  }
  if (!ok) return domain::FieldError(field, "标识格式错误", "not a valid id");
  return absl::OkStatus();
}

void AuditSeparately(const Deps& deps, const CallMeta& meta, const domain::Principal* who,
                     const std::string& username, absl::StatusCode outcome, const AuditNote& note) {
  store::AuditEntry e = Entry(deps, meta, who, username, outcome, note);
  if (who == nullptr && outcome == absl::StatusCode::kUnauthenticated) {
    AuditUnauthenticated(deps, std::move(e));
    return;
  }
  absl::Status s = deps.db.InTransaction([&](store::Tx& tx) { return store::AppendAudit(tx, e); });
  if (!s.ok()) {
    common::LogError("audit write failed method=%s request_id=%s code=%s", meta.method,
                     meta.request_id, OutcomeName(s.code()));
  }
}

namespace {

// RunCall's steps inside `tx`; `who` and `note` are left for the failure audit.
absl::Status CallSteps(const Deps& deps, const CallMeta& meta, store::Tx& tx, const CallBody& body,
                       PendingPasswordChange pending, std::optional<domain::Principal>& who,
                       AuditNote& note) {
  note = AuditNote{};
  who.reset();
  ASSIGN_OR_RETURN(domain::Principal p, Authenticate(deps, tx, meta.token));
  who = p;
  // Here, for every authenticated call alike (unary, keyed, each fetch of an alert stream):
  // an administrator knows this password, so until the user replaces it the account only
  // says so (WhoAmI) and lets it be changed or signed out. Audited with the user, as any
  // refusal of a signed-in call.
  if (p.must_change_password && pending == PendingPasswordChange::kRefuse) {
    note.detail = "password change required";
    return PasswordChangeRequired();
  }
  // The scope (domain::RoleNeedsPatientScope(p.role) ? p.jurisdiction : "") was set by
  // Authenticate's session read, in the same round trip.
  // Idempotency key (app/idempotency.h): claim it; a replay skips the body.
  if (meta.keyed != nullptr) {
    ASSIGN_OR_RETURN(bool replay, meta.keyed->Claim(p));
    if (replay) {
      note = meta.keyed->replay_note();
      RETURN_IF_ERROR(
          store::AppendAudit(tx, Entry(deps, meta, &p, "", absl::StatusCode::kOk, note)));
      return KeyedFrame::Replayed();
    }
  }
  RETURN_IF_ERROR(body(tx, p, note));
  // The kept figures of every patient the body's writes marked, once per call, in its
  // transaction (store/metric_repository.h "Upkeep").
  RETURN_IF_ERROR(store::metric_repo::RefreshMarked(tx));
  // A committed failure (AuditNote::committed_failure) is audited with its code.
  return store::AppendAudit(tx, Entry(deps, meta, &p, "", note.committed_failure.code(), note));
}

}  // namespace

absl::Status RunCall(const Deps& deps, const CallMeta& meta, const CallBody& body,
                     PendingPasswordChange pending) {
  std::optional<domain::Principal> who;
  AuditNote note;
  // A keyed call joins the transaction its frame holds; the frame commits or rolls back,
  // and audits a failure (app/idempotency.h). A body's committed failure (note.
  // committed_failure, e.g. a wrong old password counted toward the lock-out) is only used
  // by calls that take no idempotency key (AuthService), so the frame never sees one.
  if (meta.keyed != nullptr) {
    absl::Status s = CallSteps(deps, meta, meta.keyed->tx(), body, pending, who, note);
    meta.keyed->Ran(who, note);
    if (!s.ok()) return s;
    return note.committed_failure;
  }
  absl::Status s = deps.db.InTransaction(
      [&](store::Tx& tx) { return CallSteps(deps, meta, tx, body, pending, who, note); });
  if (!s.ok()) {
    AuditSeparately(deps, meta, who ? &*who : nullptr, "", s.code(), note);
    return s;
  }
  return note.committed_failure;
}

}  // namespace smd::app
