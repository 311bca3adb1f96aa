#pragma once
// Idempotency keys (docs/adr/0009-idempotency-keys.md).
//
// A write that carries a client's key runs in ONE transaction that holds, in order:
//   1. RunCall's authentication and scope,
//   2. the claim of (caller, key): a row inserted before the body runs; a concurrent call
//      with the same key waits on it and then sees the outcome,
//   3. the use case body and its audit record,
//   4. the api layer filling the reply, and the reply (encrypted) stored on the claim row,
// and commits only if all succeed: either the write and the record of its reply both
// exist, or neither does. A retry with the same key by the same caller and the same
// request gets the stored reply, writes nothing, and is audited as a replay. A failed
// call (a validation error, a denial) rolls back its claim, so its retry runs again.
//
// The frame is generic: the api layer (api/call_runner.cc) decides which methods take a
// key, checks its form, digests the request and passes the reply as opaque bytes, so app
// never sees protobuf types and no use case has code of its own for it. A use case only
// has to run through RunCall exactly once and open no transaction of its own, which every
// authenticated one does (a second transaction would take a second pooled connection while
// the frame holds one).

#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "app/call.h"
#include "app/context.h"
#include "store/request_key_repository.h"

namespace smd::app {

// The metadata key clients send, and the name error messages give it.
inline constexpr char kIdempotencyKeyField[] = "idempotency-key";

// What the api layer supplies for one keyed call.
struct KeyedRequest {
  std::string key;                            // already checked: 16..128 of [A-Za-z0-9._-]
  std::string request_digest;                 // SHA-256 of the method and the serialized request
  std::function<void()> clear_reply;          // before every attempt
  std::function<std::string()> encode_reply;  // after the work succeeded
  std::function<bool(const std::string&)> decode_reply;  // a replay; false: unreadable
};

// The state of one keyed call, shared by IdempotentCalls::Run (which owns the
// transaction) and RunCall (which joins it through CallMeta::keyed). One call, one
// thread: not thread-safe.
class KeyedFrame {
 public:
  KeyedFrame(const Deps& deps, const store::RequestKeyRepository& repo, const CallMeta& meta,
             const KeyedRequest& request);

  // For RunCall. The open transaction.
  store::Tx& tx() { return *tx_; }
  // After authentication: claims the key for `who`. False: this call is the first, run
  // the body. True: a replay; the caller appends the replay's audit record
  // (replay_note()) and returns Replayed(). INVALID_ARGUMENT naming the key when it was
  // used with another method or request; FAILED_PRECONDITION when the caller's role or
  // jurisdiction changed since the first call; database errors.
  absl::StatusOr<bool> Claim(const domain::Principal& who);
  const AuditNote& replay_note() const { return replay_note_; }
  // The status RunCall returns for a replay: the use case passes it up untouched (it is
  // not OK), and Run, which knows it is a replay, replaces it by the stored reply.
  static absl::Status Replayed();
  // RunCall's outcome, for Run: who called (if known) and the audit note.
  void Ran(const std::optional<domain::Principal>& who, const AuditNote& note);

 private:
  friend class IdempotentCalls;
  void Begin(store::Tx& tx);  // each attempt of the transaction starts afresh

  const Deps& deps_;
  const store::RequestKeyRepository& repo_;
  const CallMeta& meta_;
  const KeyedRequest& request_;
  store::Tx* tx_ = nullptr;
  bool joined_ = false;   // RunCall ran (and so authenticated, audited)
  bool claimed_ = false;  // the claim row is this transaction's
  bool replay_ = false;
  std::string user_id_;
  std::string stored_reply_;
  AuditNote replay_note_;
  std::optional<domain::Principal> who_;
  AuditNote note_;
};

// Runs keyed calls and purges old records. Thread-safe (immutable after construction).
class IdempotentCalls {
 public:
  // Records older than `retention` are purged by Purge().
  IdempotentCalls(const Deps& deps, absl::Duration retention);

  // Runs `work` (the api handler: use case, then filling the reply) in the frame described
  // at the top of this file. Returns work's status, or OK with the stored reply decoded
  // into the api's reply (decode_reply) and *replayed set when the key was used before
  // for the same request. A failure after RunCall joined is audited in a separate
  // transaction, as RunCall does. A work that never reaches RunCall gets no record.
  absl::Status Run(const CallMeta& meta, const KeyedRequest& request,
                   const std::function<absl::Status(const CallMeta&)>& work, bool* replayed) const;

  // Deletes records created more than the retention ago, in batches of 1000 in their own
  // transactions; returns how many. Called by the server's housekeeping.
  absl::StatusOr<int> Purge() const;

 private:
  const Deps& deps_;
  absl::Duration retention_;
  store::RequestKeyRepository repo_;
};

}  // namespace smd::app
