#pragma once
// The audit trail's readers (AuditService), its verification, and its background sealer
// with the external anchor (docs/adr/0003-audit-chain.md).

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "app/call.h"
#include "app/context.h"
#include "crypto/audit_anchor.h"
#include "store/audit_repository.h"

namespace smd::app {

struct AuditPage {
  std::vector<store::AuditEntry> records;
  std::string next_page_token;
};

class AuditUseCases {
 public:
  // `anchor`: the external anchor file to compare with, or null when the server runs
  // without one (verification then says so: ChainReport::anchored is false).
  // `rpc_methods`: the full names of every RPC the server serves ("/smd.v1.X/Y"), which
  // the method filter accepts besides domain::ServerRecordMethods().
  AuditUseCases(const Deps& deps, const crypto::AnchorFile* anchor,
                std::vector<std::string> rpc_methods = {})
      : deps_(deps), anchor_(anchor), rpc_methods_(std::move(rpc_methods)) {}

  // Auditors only; records of actors inside the auditor's jurisdiction, newest first,
  // filtered by patient, user, time, method and outcome (store::AuditFilter).
  // Errors: PERMISSION_DENIED; INVALID_ARGUMENT naming patient_id / user_id / username / method
  // (not an RPC nor a server record, domain::CheckAuditMethodFilter) / outcome
  // (domain::CheckAuditOutcomeFilter) / page.page_token / page.page_size.
  absl::StatusOr<AuditPage> List(const CallMeta& meta, const store::AuditFilter& filter,
                                 int page_size, const std::string& page_token);
  // Auditors only. Recomputes the chain, checks the checkpoints and compares them with the
  // anchor file (store::VerifyChain). An unreadable or missing anchor file is a break in the
  // report (it is where tampering would be seen), not an error of the call.
  absl::StatusOr<store::ChainReport> Verify(const CallMeta& meta);

  // The same verification for an operator on the server host (`smd-server audit-verify`,
  // benches): no caller, audited as the system record "smd-server audit-verify".
  absl::StatusOr<store::ChainReport> VerifyAsOperator();

 private:
  absl::StatusOr<store::ChainReport> VerifyIn(store::Tx& tx);

  const Deps& deps_;
  const crypto::AnchorFile* anchor_;
  const std::vector<std::string> rpc_methods_;
};

// Seals committed audit rows into the hash chain every `interval` on its own thread, and
// appends checkpoints to the anchor file after they commit: the ones it signs, and the
// newest one of another process when that is newer than the file's newest (its signature
// checked first), so every server's anchor follows the chain whichever process seals.
// Start() once; Stop() (or the destructor) seals what is pending, checkpoints it and joins.
class AuditSealer {
 public:
  // `anchor` may be null (no anchor file; a warning is logged at Start). The caller opens it
  // first (AnchorFile::Open), so that a server that cannot write its anchor does not start.
  AuditSealer(const Deps& deps, absl::Duration interval, crypto::AnchorFile* anchor)
      : deps_(deps), interval_(interval), anchor_(anchor) {}
  ~AuditSealer() { Stop(); }
  // Reads the anchor file's newest position (an unreadable file is logged: verification
  // reports it, and sealing and anchoring go on), then starts the thread.
  void Start();
  void Stop();
  // One sealing pass now. `force_checkpoint`: sign a checkpoint of whatever was sealed since
  // the last one without waiting for the interval (shutdown, tests). Returns rows sealed.
  absl::StatusOr<int> SealOnce(bool force_checkpoint = false);
  // For tests: a forced pass that, when another pass (this process's thread, or another
  // process) holds the seal lock, waits for it and tries again (up to ~10 s), so that what
  // was written before the call is sealed and checkpointed when it returns. It first waits
  // for the thread's own first pass (made at Start): a test that seals, then reads the
  // checkpoints, must not meet that pass running late and signing a checkpoint after it.
  absl::StatusOr<int> SealNowForTest();

 private:
  void Anchor(const std::optional<crypto::Checkpoint>& newest, bool signed_here);
  absl::StatusOr<store::SealResult> Pass(bool force_checkpoint);

  const Deps& deps_;
  absl::Duration interval_;
  crypto::AnchorFile* anchor_;
  std::mutex anchor_mu_;
  int64_t anchored_position_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool first_pass_done_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace smd::app
