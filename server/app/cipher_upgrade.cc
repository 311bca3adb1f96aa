#include "app/cipher_upgrade.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "app/root_scopes.h"
#include "common/backoff.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "store/audit_repository.h"
#include "store/care_repository.h"
#include "store/patient_repository.h"
#include "store/scope.h"

namespace smd::app {

absl::StatusOr<CipherUpgrade::Counts> CipherUpgrade::RunOnce() {
  std::lock_guard<std::mutex> run(run_mu_);
  Counts counts;
  ASSIGN_OR_RETURN(std::vector<std::string> scopes, RootScopes(deps_));

  using Batch = std::function<absl::StatusOr<store::UpgradeBatch>(store::Tx&, const std::string&)>;
  // Walks one table within one scope in id order, a batch per transaction.
  auto walk = [&](const std::string& scope, const char* table, const Batch& batch,
                  int* converted) -> absl::Status {
    std::string after;
    int64_t unreadable = 0;
    while (!stop_) {
      store::UpgradeBatch b;
      RETURN_IF_ERROR(deps_.db.InTransaction([&](store::Tx& tx) -> absl::Status {
        RETURN_IF_ERROR(store::SetScope(tx, scope));
        ASSIGN_OR_RETURN(b, batch(tx, after));
        if (b.converted == 0) return absl::OkStatus();
        store::AuditEntry e;
        e.at = deps_.clock.Now();
        e.method = "smd-server cipher.upgrade";
        e.patient_ids = b.converted_ids;
        e.outcome = "OK";
        e.detail = absl::StrCat(table, "=", b.converted, " scope=", scope);
        if (!b.unreadable.empty()) absl::StrAppend(&e.detail, " unreadable=", b.unreadable.size());
        return store::AppendAudit(tx, e);
      }));
      for (const auto& id : b.unreadable) {
        common::LogWarning("cipher upgrade: %s %s cannot be decrypted; left unchanged", table, id);
      }
      *converted += b.converted;
      unreadable += static_cast<int64_t>(b.unreadable.size());
      counts.unreadable += static_cast<int>(b.unreadable.size());
      if (b.visited < batch_rows_) {
        // The last batch counted the legacy rows left in the scope: the
        // unreadable ones this walk met, and those SKIP LOCKED passed over.
        counts.skipped += static_cast<int>(std::max<int64_t>(0, b.left - unreadable));
        break;
      }
      after = b.last_id;
    }
    return absl::OkStatus();
  };

  for (const auto& scope : scopes) {
    RETURN_IF_ERROR(walk(
        scope, "patient",
        [&](store::Tx& tx, const std::string& after) {
          return deps_.patients.UpgradePatients(tx, after, batch_rows_);
        },
        &counts.patients));
    RETURN_IF_ERROR(walk(
        scope, "transfer",
        [&](store::Tx& tx, const std::string& after) {
          return deps_.patients.UpgradeTransfers(tx, after, batch_rows_);
        },
        &counts.transfers));
    RETURN_IF_ERROR(walk(
        scope, "referral",
        [&](store::Tx& tx, const std::string& after) {
          return deps_.care.UpgradeReferrals(tx, after, batch_rows_);
        },
        &counts.referrals));
  }
  return counts;
}

void CipherUpgrade::Start() {
  thread_ = std::thread([this] {
    common::Backoff after_failure(absl::Seconds(1), absl::Seconds(60));
    common::Backoff after_skip(kExtraPassDelay, kMaxExtraPassDelay);
    int extra_passes = 0;
    while (!stop_) {
      absl::StatusOr<Counts> c = RunOnce();
      absl::Duration wait;
      if (c.ok()) {
        after_failure.Reset();
        if (c->patients + c->transfers + c->referrals + c->unreadable > 0) {
          common::LogInfo(
              "cipher upgrade: %d patients, %d transfers, %d "
              "referrals converted; %d unreadable",
              c->patients, c->transfers, c->referrals, c->unreadable);
        }
        if (c->skipped == 0 || stop_) return;
        if (extra_passes == kMaxExtraPasses) {
          common::LogWarning(
              "cipher upgrade: %d legacy rows were held by "
              "calls through %d passes; they are "
              "converted by their next write or the next start",
              c->skipped, extra_passes + 1);
          return;
        }
        ++extra_passes;
        wait = after_skip.NextDelay();
      } else {
        common::LogWarning("cipher upgrade: pass failed (%s); retrying",
                           absl::StatusCodeToString(c.status().code()));
        wait = after_failure.NextDelay();
      }
      std::unique_lock<std::mutex> lock(stop_mu_);
      stop_cv_.wait_for(lock, absl::ToChronoMilliseconds(wait), [this] { return stop_.load(); });
    }
  });
}

void CipherUpgrade::Stop() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace smd::app
