#pragma once
// The online conversion of rows written before migration 0013 (docs/security.md
// "Identifiers at rest", ADR 0004 amendment). A migration cannot encrypt (the key is only in
// the server's key file), so the server does it:
//   * patients and referrals still at enc_version 0 (cells bound without a version) are
//     re-encrypted under version 1; values, version and updated_at do not change;
//   * transfers whose reason and decision note are still plaintext get them encrypted and
//     the plaintext columns cleared.
// Each district is visited in turn (row-level security needs a scope), in batches of a few
// rows, each batch its own short transaction with SKIP LOCKED, so calls are never held up.
// A batch that converted rows writes a system audit record "smd-server cipher.upgrade"
// with their patient ids and the counts. A row that does not decrypt is left unchanged and
// logged by id; it is read as unreadable (listings) or DATA_LOSS (single reads).

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/status/statusor.h"
#include "app/context.h"

namespace smd::app {

class CipherUpgrade {
 public:
  struct Counts {
    int patients = 0;
    int transfers = 0;
    int referrals = 0;
    int unreadable = 0;  // rows left as they were (they did not decrypt)
  };

  explicit CipherUpgrade(const Deps& deps, int batch_rows = 100)
      : deps_(deps), batch_rows_(batch_rows) {}
  ~CipherUpgrade() { Stop(); }

  // One full pass over every district. Passes never overlap (a second caller waits). Stops
  // early, without error, after Stop(). Errors: the first database error (rows converted
  // before it stay converted).
  absl::StatusOr<Counts> RunOnce();

  // RunOnce on a background thread, once; a failed pass is retried after 1, 2, 4 ... 60 s.
  // The thread ends when a pass succeeds. Start once; Stop is idempotent and joins.
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
