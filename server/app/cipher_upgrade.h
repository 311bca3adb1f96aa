#pragma once
// The online conversion of rows written before migration 0013 (docs/security.md
// "Identifiers at rest", ADR 0004 amendment). A migration cannot encrypt (the key is only in
// the server's key file), so the server does it:
//   * patients and referrals still at enc_version 0 (cells bound without a version) are
//     re-encrypted under version 1; values, version and updated_at do not change;
//   * transfers whose reason and decision note are still plaintext get them encrypted and
//     the plaintext columns cleared.
// Row-level security needs a scope: a pass walks each root of the region tree (a region
// without a parent; smd_in_scope is a prefix test, so a root's scope covers every row
// under it), table by table, in batches of a few rows, each batch its own short
// transaction with SKIP LOCKED, so calls are never held up. With nothing legacy left, a
// pass is one transaction per root and table. A batch that converted rows writes a system
// audit record "smd-server cipher.upgrade" with their patient ids and the counts. A row
// that does not decrypt is left unchanged and logged by id; it is read as unreadable
// (listings) or DATA_LOSS (single reads).
//
// A row a call held when its batch came by is passed over (SKIP LOCKED). The last batch of
// each walk counts the legacy rows left in the scope; those not found unreadable were
// passed over (Counts::skipped), and the background thread runs another pass for them.

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "app/context.h"

namespace smd::app {

class CipherUpgrade {
 public:
  struct Counts {
    int patients = 0;
    int transfers = 0;
    int referrals = 0;
    int unreadable = 0;  // rows left as they were (they did not decrypt)
    int skipped = 0;     // legacy rows left after the pass that were not unreadable: a call
                         // held them when the pass came by
  };

  // Passes the background thread runs after the first one while rows were skipped, and
  // the delays before them (common::Backoff: at most 1, 2, 4, 8, 16 s and at least half
  // of each, 15-31 s in all).
  static constexpr int kMaxExtraPasses = 5;
  static constexpr absl::Duration kExtraPassDelay = absl::Seconds(1);
  static constexpr absl::Duration kMaxExtraPassDelay = absl::Seconds(16);

  explicit CipherUpgrade(const Deps& deps, int batch_rows = 100)
      : deps_(deps), batch_rows_(batch_rows) {}
  ~CipherUpgrade() { Stop(); }

  // One full pass over every root of the region tree. Passes never overlap (a second
  // caller waits). Stops early, without error, after Stop() (then `skipped` is
  // incomplete). Errors: the first database error (rows converted before it stay
  // converted).
  absl::StatusOr<Counts> RunOnce();

  // RunOnce on a background thread. A failed pass is retried with common::Backoff (1, 2,
  // 4 ... 60 s, with jitter) until one succeeds. A pass that skipped rows is followed by
  // another after kExtraPassDelay (growing to kMaxExtraPassDelay), at most kMaxExtraPasses
  // times; rows still skipped after that are logged (a count, no ids) and wait for their
  // next write or the next start. The thread then ends. Start once; Stop is idempotent
  // and joins.
  void Start();
  void Stop();

 private:
  const Deps& deps_;
  const int batch_rows_;
  std::mutex run_mu_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace smd::app
