#include "app/audit_use_cases.h"

#include "absl/strings/numbers.h"
#include "app/admin_use_cases.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "domain/access_policy.h"
#include "domain/errors.h"

namespace smd::app {

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

absl::StatusOr<store::ChainReport> AuditUseCases::Verify(const CallMeta& meta) {
  store::ChainReport report;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    RETURN_IF_ERROR(domain::Authorize(who, domain::Action::kAuditVerify, ""));
    ASSIGN_OR_RETURN(report, store::VerifyChain(tx, deps_.signer.PublicKey()));
    note.detail = report.intact ? "intact" : "broken";
    return absl::OkStatus();
  }));
  return report;
}

void AuditSealer::Start() {
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      lock.unlock();
      absl::StatusOr<int> n = SealOnce();
      if (!n.ok()) common::LogWarning("audit sealing failed: %s", n.status().ToString());
      lock.lock();
      // Drain a backlog at once; otherwise wait for the next tick.
      if (n.ok() && *n >= 5000) continue;
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
  (void)SealOnce();
}

absl::StatusOr<int> AuditSealer::SealOnce() {
  int sealed = 0;
  RETURN_IF_ERROR(deps_.db.InTransaction([&](store::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(store::SealResult r,
                     store::SealPending(tx, deps_.signer, deps_.clock.Now(), 5000));
    sealed = r.sealed;
    return absl::OkStatus();
  }));
  return sealed;
}

}  // namespace smd::app
