#include "app/audit_use_cases.h"

#include <chrono>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "app/admin_use_cases.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "domain/access_policy.h"
#include "domain/audit_filter.h"
#include "domain/errors.h"
#include "domain/text.h"

namespace smd::app {
namespace {

// Rows sealed per pass (one transaction).
constexpr int kSealBatch = 5000;

}  // namespace

absl::StatusOr<AuditPage> AuditUseCases::List(const CallMeta& meta,
                                              const store::AuditFilter& filter, int page_size,
                                              const std::string& page_token) {
  AuditPage page;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    page = AuditPage{};
    RETURN_IF_ERROR(domain::Authorize(who, domain::Action::kAuditRead, ""));
    store::AuditFilter f = filter;
    if (!f.patient_id.empty()) RETURN_IF_ERROR(CheckUuid("patient_id", f.patient_id));
    if (!f.user_id.empty()) RETURN_IF_ERROR(CheckUuid("user_id", f.user_id));
    RETURN_IF_ERROR(domain::CheckAuditMethodFilter("method", f.method, rpc_methods_));
    RETURN_IF_ERROR(domain::CheckAuditOutcomeFilter("outcome", f.outcome));
    RETURN_IF_ERROR(domain::CheckText("username", f.username, false, 64));
    f.actor_scope = who.jurisdiction;
    ASSIGN_OR_RETURN(f.limit, PageSize(page_size));
    if (!page_token.empty() && (!absl::SimpleAtoi(page_token, &f.before_id) || f.before_id <= 0)) {
      return domain::FieldError("page.page_token", "分页标记无效", "invalid page token");
    }
    ++f.limit;
    ASSIGN_OR_RETURN(page.records, store::ListAudit(tx, f));
    if (static_cast<int>(page.records.size()) >= f.limit) {
      page.records.resize(f.limit - 1);
      page.next_page_token = std::to_string(page.records.back().id);
    }
    if (!f.patient_id.empty()) note.patient_ids = {f.patient_id};
    note.detail = "returned=" + std::to_string(page.records.size());
    return absl::OkStatus();
  }));
  return page;
}

absl::StatusOr<store::ChainReport> AuditUseCases::VerifyIn(store::Tx& tx) {
  // The anchor first: its lines are appended only after their checkpoints commit, so every
  // line read now is visible to the statements that follow.
  std::optional<std::vector<crypto::Checkpoint>> anchors;
  absl::Status anchor_error;
  if (anchor_ != nullptr) {
    absl::StatusOr<std::vector<crypto::Checkpoint>> read = anchor_->ReadAll();
    if (read.ok()) {
      anchors = std::move(*read);
    } else {
      anchor_error = read.status();
      anchors.emplace();
    }
  }
  ASSIGN_OR_RETURN(store::ChainReport report,
                   store::VerifyChain(tx, deps_.signer.TrustedPublicKeys(), std::move(anchors)));
  if (!anchor_error.ok() && report.intact) {
    // A deleted or damaged anchor is what someone hiding a rewrite would leave behind.
    report.intact = false;
    report.problem = absl::StrCat("the anchor file cannot be read: ", anchor_error.message());
  }
  return report;
}

absl::StatusOr<store::ChainReport> AuditUseCases::Verify(const CallMeta& meta) {
  store::ChainReport report;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    RETURN_IF_ERROR(domain::Authorize(who, domain::Action::kAuditVerify, ""));
    ASSIGN_OR_RETURN(report, VerifyIn(tx));
    note.detail = absl::StrCat(report.intact ? "intact" : "broken",
                               report.anchored ? " anchored" : " unanchored");
    return absl::OkStatus();
  }));
  return report;
}

absl::StatusOr<store::ChainReport> AuditUseCases::VerifyAsOperator() {
  store::ChainReport report;
  RETURN_IF_ERROR(deps_.db.InTransaction([&](store::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(report, VerifyIn(tx));
    store::AuditEntry e;
    e.at = deps_.clock.Now();
    e.method = "smd-server audit-verify";
    e.outcome = "OK";
    e.detail = absl::StrCat(report.intact ? "intact" : "broken",
                            report.anchored ? " anchored" : " unanchored");
    return store::AppendAudit(tx, e);
  }));
  return report;
}

void AuditSealer::Start() {
  if (anchor_ == nullptr) {
    common::LogWarning(
        "audit: no anchor file (--audit-anchor-file): checkpoints are kept only in the "
        "database, where a superuser could rewrite the end of the chain unnoticed");
  } else {
    absl::StatusOr<int64_t> newest = anchor_->NewestPosition();
    if (newest.ok()) {
      anchored_position_ = *newest;
    } else {
      // Keep sealing and anchoring: verification reports the damaged line.
      common::LogError("audit: %s", std::string(newest.status().message()));
    }
  }
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      lock.unlock();
      absl::StatusOr<int> n = SealOnce();
      if (!n.ok()) common::LogWarning("audit sealing failed: %s", n.status().ToString());
      lock.lock();
      if (!first_pass_done_) {
        first_pass_done_ = true;
        cv_.notify_all();  // SealNowForTest
      }
      // Drain a backlog at once; otherwise wait for the next tick.
      if (n.ok() && *n >= kSealBatch) continue;
      cv_.wait_for(lock, absl::ToChronoMilliseconds(interval_), [this] { return stop_; });
    }
  });
}

void AuditSealer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_ && !thread_.joinable()) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  (void)SealOnce(/*force_checkpoint=*/true);
}

absl::StatusOr<store::SealResult> AuditSealer::Pass(bool force_checkpoint) {
  store::SealResult r;
  RETURN_IF_ERROR(deps_.db.InTransaction([&](store::Tx& tx) -> absl::Status {
    // Without an anchor file the newest checkpoint is not needed.
    ASSIGN_OR_RETURN(r, store::SealPending(tx, deps_.signer, deps_.clock.Now(), kSealBatch,
                                           force_checkpoint, /*want_newest=*/anchor_ != nullptr));
    return absl::OkStatus();
  }));
  // Only now, after the commit: an anchored checkpoint that never committed would look like
  // one removed from the database.
  Anchor(r.newest, r.signed_checkpoint);
  return r;
}

absl::StatusOr<int> AuditSealer::SealOnce(bool force_checkpoint) {
  ASSIGN_OR_RETURN(store::SealResult r, Pass(force_checkpoint));
  return r.sealed;
}

absl::StatusOr<int> AuditSealer::SealNowForTest() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(30),
                 [this] { return first_pass_done_ || stop_ || !thread_.joinable(); });
  }
  int sealed = 0;
  for (int attempt = 0; attempt < 1000; ++attempt) {
    ASSIGN_OR_RETURN(store::SealResult r, Pass(/*force_checkpoint=*/true));
    sealed += r.sealed;
    // A full batch may leave more behind; a locked-out pass sealed nothing.
    if (!r.locked_out && r.sealed < kSealBatch) return sealed;
    if (r.locked_out) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return absl::DeadlineExceededError("audit: the seal lock stayed taken");
}

void AuditSealer::Anchor(const std::optional<crypto::Checkpoint>& newest, bool signed_here) {
  if (anchor_ == nullptr || !newest) return;
  std::lock_guard<std::mutex> lock(anchor_mu_);
  if (newest->position <= anchored_position_) return;
  if (!signed_here && !crypto::CheckpointSignatureValidUnderAny(deps_.signer.TrustedPublicKeys(), *newest)) {
    common::LogError(
        "audit: the newest checkpoint in the database (position %d) is not signed with this "
        "server's audit key; not anchored",
        newest->position);
    return;
  }
  const std::string note =
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", deps_.clock.Now(), absl::UTCTimeZone());
  if (absl::Status s = anchor_->Append(*newest, note); !s.ok()) {
    // Retried with the then newest checkpoint on the next pass.
    common::LogError("audit: %s", std::string(s.message()));
    return;
  }
  anchored_position_ = newest->position;
}

}  // namespace smd::app
