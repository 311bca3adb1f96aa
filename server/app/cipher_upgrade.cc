#include "app/cipher_upgrade.h"

#include <algorithm>
#include <functional>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "domain/region.h"
#include "store/audit_repository.h"
#include "store/care_repository.h"
#include "store/patient_repository.h"
#include "store/region_repository.h"
#include "store/scope.h"

namespace smd::app {

absl::StatusOr<CipherUpgrade::Counts> CipherUpgrade::RunOnce() {
  std::lock_guard<std::mutex> run(run_mu_);
  Counts counts;
  std::vector<std::string> districts;
  RETURN_IF_ERROR(deps_.db.InTransaction([&](store::Tx& tx) -> absl::Status {
    districts.clear();
    ASSIGN_OR_RETURN(std::vector<store::RegionRow> regions, store::ListRegionSubtree(tx, "", 6));
    for (const auto& r : regions) {
      if (domain::LevelOf(r.code) == domain::RegionLevel::kDistrict) districts.push_back(r.code);
    }
    return absl::OkStatus();
  }));

  using Batch = std::function<absl::StatusOr<store::UpgradeBatch>(store::Tx&, const std::string&)>;
  // Walks one table of one district in id order, a batch per transaction.
  auto walk = [&](const std::string& district, const char* table, const Batch& batch,
                  int* converted) -> absl::Status {
    std::string after;
    while (!stop_) {
      store::UpgradeBatch b;
      RETURN_IF_ERROR(deps_.db.InTransaction([&](store::Tx& tx) -> absl::Status {
        RETURN_IF_ERROR(store::SetScope(tx, district));
        ASSIGN_OR_RETURN(b, batch(tx, after));
        if (b.converted == 0) return absl::OkStatus();
        store::AuditEntry e;
        e.at = deps_.clock.Now();
        e.method = "smd-server cipher.upgrade";
        e.patient_ids = b.converted_ids;
        e.outcome = "OK";
        e.detail = absl::StrCat(table, "=", b.converted, " district=", district);
        if (!b.unreadable.empty()) absl::StrAppend(&e.detail, " unreadable=", b.unreadable.size());
        return store::AppendAudit(tx, e);
      }));
      for (const auto& id : b.unreadable) {
        common::LogWarning("cipher upgrade: %s %s cannot be decrypted; left unchanged", table, id);
      }
      *converted += b.converted;
      counts.unreadable += static_cast<int>(b.unreadable.size());
      if (b.visited < batch_rows_) break;
      after = b.last_id;
    }
    return absl::OkStatus();
  };

  for (const auto& d : districts) {
    RETURN_IF_ERROR(walk(d, "patient",
                         [&](store::Tx& tx, const std::string& after) {
                           return deps_.patients.UpgradePatients(tx, after, batch_rows_);
                         },
                         &counts.patients));
    RETURN_IF_ERROR(walk(d, "transfer",
                         [&](store::Tx& tx, const std::string& after) {
                           return deps_.patients.UpgradeTransfers(tx, after, batch_rows_);
                         },
                         &counts.transfers));
    RETURN_IF_ERROR(walk(d, "referral",
                         [&](store::Tx& tx, const std::string& after) {
                           return deps_.care.UpgradeReferrals(tx, after, batch_rows_);
                         },
                         &counts.referrals));
  }
  return counts;
}

void CipherUpgrade::Start() {
  thread_ = std::thread([this] {
    absl::Duration wait = absl::Seconds(1);
    while (!stop_) {
      absl::StatusOr<Counts> c = RunOnce();
      if (c.ok()) {
        if (c->patients + c->transfers + c->referrals + c->unreadable > 0) {
          common::LogInfo(
              "cipher upgrade: %d patients, %d transfers, %d referrals converted; %d unreadable",
              c->patients, c->transfers, c->referrals, c->unreadable);
        }
        return;
      }
      common::LogWarning("cipher upgrade: pass failed (%s); retrying",
                         absl::StatusCodeToString(c.status().code()));
      std::unique_lock<std::mutex> lock(stop_mu_);
      stop_cv_.wait_for(lock, absl::ToChronoMilliseconds(wait), [this] { return stop_.load(); });
      wait = std::min(wait * 2, absl::Seconds(60));
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
