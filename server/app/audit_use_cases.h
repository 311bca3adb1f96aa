#pragma once
// The audit trail's readers (AuditService) and its background sealer.

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/status/statusor.h"
#include "app/call.h"
#include "app/context.h"
#include "store/audit_repository.h"

namespace smd::app {

struct AuditPage {
  std::vector<store::AuditEntry> records;
  std::string next_page_token;
};

class AuditUseCases {
 public:
  explicit AuditUseCases(const Deps& deps) : deps_(deps) {}

  // Auditors only; records of actors inside the auditor's jurisdiction, newest first.
  // Errors: PERMISSION_DENIED, INVALID_ARGUMENT (ids, page).
  absl::StatusOr<AuditPage> List(const CallMeta& meta, const store::AuditFilter& filter,
                                 int page_size, const std::string& page_token);
  // Auditors only. Recomputes the chain and checks every signed checkpoint.
  absl::StatusOr<store::ChainReport> Verify(const CallMeta& meta);

 private:
  const Deps& deps_;
};

// Seals committed audit rows into the hash chain every `interval` on its own thread.
// Start() once; Stop() (or the destructor) seals what is pending and joins.
class AuditSealer {
 public:
  AuditSealer(const Deps& deps, absl::Duration interval) : deps_(deps), interval_(interval) {}
  ~AuditSealer() { Stop(); }
  void Start();
  void Stop();
  // One sealing pass now (also used by tests and at shutdown). Returns rows sealed.
  absl::StatusOr<int> SealOnce();

 private:
  const Deps& deps_;
  absl::Duration interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace smd::app
