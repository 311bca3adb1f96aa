#pragma once
// The unit of work of every authenticated RPC: one transaction that
//   1. resolves the bearer token to a Principal (UNAUTHENTICATED otherwise), and refuses a
//      user who must change the password an administrator set (FAILED_PRECONDITION, unless
//      the call is one that stays open to them: WhoAmI, ChangePassword, Logout),
//   2. sets the row-level-security scope to the caller's jurisdiction (roles that may
//      touch patient rows; an empty scope for the others, who then see no patient row),
//   3. runs the use case body,
//   4. appends the audit record of the call,
// and commits only if all four succeed, so data is returned only if its access is
// audited. When the body fails, the transaction rolls back (nothing changes) and the
// failure (a denial, a bad input) is audited in a second, separate transaction.
//
// A call that carries an idempotency key (CallMeta::keyed, app/idempotency.h) runs these
// steps inside the transaction its frame holds, claims the key between steps 2 and 3
// (a replay skips the body and audits the replay), and leaves the commit, the rollback
// and the failure audit to the frame.

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "app/context.h"
#include "domain/types.h"
#include "store/audit_repository.h"
#include "store/db.h"
#include "store/user_repository.h"

namespace smd::app {

// Filled by a body for its audit record.
struct AuditNote {
  std::vector<std::string> patient_ids;  // patients the call read or changed
  std::string detail;                    // non-identifying detail, e.g. "returned=12"
  // A failure whose writes must still commit (a wrong old password counted toward the
  // lock-out): the body sets it and returns OK; RunCall commits, audits the call with this
  // code in the same transaction, and returns it.
  absl::Status committed_failure;
};

using CallBody =
    std::function<absl::Status(store::Tx& tx, const domain::Principal& who, AuditNote& note)>;

// Whether a call is served to a user whose password an administrator set and who has not
// changed it yet (domain::Principal::must_change_password, schema 0015).
enum class PendingPasswordChange {
  kRefuse,  // every RPC but the three below: FAILED_PRECONDITION "password change required"
  kServe,   // WhoAmI (the client learns it must ask), ChangePassword, Logout
};

// The refusal of a call while the user's password change is pending: FAILED_PRECONDITION
// "须先修改密码 (password change required)".
absl::Status PasswordChangeRequired();

// Runs `body` as described above. Returns the body's status, UNAUTHENTICATED,
// FAILED_PRECONDITION "password change required" (`pending` kRefuse and the user's change
// pending: the body does not run; the refusal is audited with the user, detail "password
// change required"), or a database error. The body may run more than once (serialization
// retries): it must not have side effects outside the transaction except on its own outputs.
absl::Status RunCall(const Deps& deps, const CallMeta& meta, const CallBody& body,
                     PendingPasswordChange pending = PendingPasswordChange::kRefuse);

// Appends an audit record for a call in its own transaction (used for failures and for
// sign-in, which has no principal yet). Errors are logged, not returned: the call's own
// outcome is what the client gets. An UNAUTHENTICATED call without a principal goes
// through AuditUnauthenticated (app/unauth_audit.h), which bounds such rows under floods.
void AuditSeparately(const Deps& deps, const CallMeta& meta, const domain::Principal* who,
                     const std::string& username, absl::StatusCode outcome, const AuditNote& note);

// A session's last_seen_at is refreshed at most this often by the calls it makes, so a busy
// client does not turn every read into a session write.
inline constexpr absl::Duration kSessionTouchEvery = absl::Minutes(1);

// The principal of a live session's user (RunCall, and the alert streams' batched fetch).
domain::Principal PrincipalOf(const store::SessionRow& session, const store::UserRow& user);

// The audit record RunCall writes for a call of `who` that ended with `outcome` (also used
// by the alert streams' batched fetch, app/alert_batch.h, which writes the same rows).
store::AuditEntry CallAuditEntry(const Deps& deps, const CallMeta& meta,
                                 const domain::Principal& who, absl::StatusCode outcome,
                                 const AuditNote& note);

// "OK", "PERMISSION_DENIED", ... (absl::StatusCodeToString).
std::string OutcomeName(absl::StatusCode code);

// INVALID_ARGUMENT naming `field` unless `value` is a canonical lowercase UUID.
absl::Status CheckUuid(std::string_view field, std::string_view value);

}  // namespace smd::app
