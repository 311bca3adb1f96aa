#include "app/idempotency.h"

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "domain/errors.h"

namespace smd::app {
namespace {

// Purge batch: one short transaction each, so housekeeping never holds many row locks.
constexpr int kPurgeBatch = 1000;
// Batches per Purge() call; the rest waits for the next housekeeping pass.
constexpr int kPurgeMaxBatches = 100;

constexpr char kReplayedMessage[] = "idempotent replay";

}  // namespace

KeyedFrame::KeyedFrame(const Deps& deps, const store::RequestKeyRepository& repo,
                       const CallMeta& meta, const KeyedRequest& request)
    : deps_(deps), repo_(repo), meta_(meta), request_(request) {}

void KeyedFrame::Begin(store::Tx& tx) {
  tx_ = &tx;
  joined_ = claimed_ = replay_ = false;
  user_id_.clear();
  stored_reply_.clear();
  replay_note_ = AuditNote{};
  who_.reset();
  note_ = AuditNote{};
}

absl::Status KeyedFrame::Replayed() { return absl::AbortedError(kReplayedMessage); }

absl::StatusOr<bool> KeyedFrame::Claim(const domain::Principal& who) {
  // A use case that ran RunCall twice would make one key cover two transactions' worth
  // of work; none does, and this keeps it that way.
  if (claimed_ || replay_) return absl::InternalError("one keyed RunCall per request");
  store::RequestKeyClaim c;
  c.user_id = who.user_id;
  c.key = request_.key;
  c.method = meta_.method;
  c.request_hash = request_.request_digest;
  c.role = static_cast<int>(who.role);
  c.jurisdiction = who.jurisdiction;
  c.request_id = meta_.request_id;
  c.at = deps_.clock.Now();
  ASSIGN_OR_RETURN(std::optional<store::StoredRequest> stored, repo_.Claim(*tx_, c));
  user_id_ = who.user_id;
  if (!stored) {
    claimed_ = true;
    return false;
  }
  if (stored->method != meta_.method || stored->request_hash != request_.request_digest) {
    return domain::FieldError(kIdempotencyKeyField, "该键已用于另一个请求，请为新请求生成新键",
                              "already used for a different request; use a new key");
  }
  if (stored->role != static_cast<int>(who.role) || stored->jurisdiction != who.jurisdiction) {
    return absl::FailedPreconditionError(absl::StrCat(
        kIdempotencyKeyField,
        ": 首次请求后账号的角色或辖区已变更，不能重放，请用新键 (the account's role or "
        "jurisdiction changed since the first request; the reply is not replayed; use a new "
        "key)"));
  }
  replay_ = true;
  stored_reply_ = std::move(stored->response);
  replay_note_.patient_ids = std::move(stored->patient_ids);
  replay_note_.detail = absl::StrCat("idempotent replay of request ", stored->request_id);
  return true;
}

void KeyedFrame::Ran(const std::optional<domain::Principal>& who, const AuditNote& note) {
  joined_ = true;
  who_ = who;
  note_ = note;
}

IdempotentCalls::IdempotentCalls(const Deps& deps, absl::Duration retention)
    : deps_(deps), retention_(retention), repo_(deps.keys) {}

absl::Status IdempotentCalls::Run(const CallMeta& meta, const KeyedRequest& request,
                                  const std::function<absl::Status(const CallMeta&)>& work,
                                  bool* replayed) const {
  *replayed = false;
  KeyedFrame frame(deps_, repo_, meta, request);
  CallMeta keyed = meta;
  keyed.keyed = &frame;
  absl::Status s = deps_.db.InTransaction([&](store::Tx& tx) -> absl::Status {
    frame.Begin(tx);
    request.clear_reply();
    absl::Status w = work(keyed);
    // Commits the replay's audit record (and the session touch); nothing else was written.
    if (frame.replay_) return absl::OkStatus();
    if (!w.ok()) return w;
    // A handler that succeeded without RunCall (none today) has no caller to scope a
    // record to: it simply commits.
    if (!frame.claimed_) return absl::OkStatus();
    return repo_.Complete(tx, frame.user_id_, request.key, request.encode_reply(),
                          frame.note_.patient_ids);
  });
  if (!s.ok()) {
    // As RunCall does: the failure is audited once the transaction is gone (never two
    // connections at once). A call that failed before RunCall (a malformed request) is
    // not audited, as without a key.
    if (frame.joined_) {
      AuditSeparately(deps_, meta, frame.who_ ? &*frame.who_ : nullptr, "", s.code(), frame.note_);
    }
    return s;
  }
  if (frame.replay_) {
    request.clear_reply();
    if (!request.decode_reply(frame.stored_reply_)) {
      common::LogError("idempotent replay: stored reply unreadable method=%s request_id=%s",
                       meta.method, meta.request_id);
      return absl::InternalError("stored reply unreadable");
    }
    *replayed = true;
  }
  return absl::OkStatus();
}

absl::StatusOr<int> IdempotentCalls::Purge() const {
  const absl::Time cutoff = deps_.clock.Now() - retention_;
  int total = 0;
  for (int i = 0; i < kPurgeMaxBatches; ++i) {
    int n = 0;
    RETURN_IF_ERROR(deps_.db.InTransaction([&](store::Tx& tx) -> absl::Status {
      ASSIGN_OR_RETURN(n, repo_.PurgeBefore(tx, cutoff, kPurgeBatch));
      return absl::OkStatus();
    }));
    total += n;
    if (n < kPurgeBatch) break;
  }
  return total;
}

}  // namespace smd::app
