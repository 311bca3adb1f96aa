#include "app/patient_access.h"

#include "app/call.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "domain/region.h"

namespace smd::app {

absl::CivilDay Today(const Deps& deps) {
  static const absl::TimeZone kBeijing = absl::FixedTimeZone(8 * 3600);
  return absl::ToCivilDay(deps.clock.Now(), kBeijing);
}

absl::StatusOr<domain::Patient> LoadPatient(const Deps& deps, store::Tx& tx,
                                            const domain::Principal& who,
                                            const std::string& patient_id, domain::Action action,
                                            bool for_update) {
  RETURN_IF_ERROR(CheckUuid("patient_id", patient_id));
  ASSIGN_OR_RETURN(auto p, deps.patients.Get(tx, patient_id, for_update));
  if (!p) {
    // Row-level security hid it, or it does not exist: tell the two apart so that a
    // denial is reported (and audited) as one.
    ASSIGN_OR_RETURN(auto where, deps.patients.JurisdictionOf(tx, patient_id));
    if (where) {
      RETURN_IF_ERROR(domain::Authorize(who, action, *where));
      return absl::InternalError("patient hidden by row-level security");
    }
    return absl::NotFoundError("patient_id: 患者不存在 (no such patient)");
  }
  // The application's own check, in front of row-level security. A pending transfer
  // makes the patient visible to the receiving side, which may only act through
  // TransferIn (and read it to decide).
  absl::Status allowed = domain::Authorize(who, action, p->jurisdiction);
  if (!allowed.ok()) {
    const bool receiving = !p->transfer_to.empty() &&
                           domain::RegionContains(who.jurisdiction, p->transfer_to);
    if (!(receiving && action == domain::Action::kPatientRead)) return allowed;
  }
  return *std::move(p);
}

void LogUnreadableRow(const CallMeta& meta, const char* what, const std::string& id) {
  // Ids only: the cells that failed are never logged, nor the reason beyond "unreadable".
  common::LogWarning("%s request %s: %s %s cannot be decrypted (altered, replayed or another "
                     "key); listed as unreadable",
                     meta.method, meta.request_id, what, id);
}

}  // namespace smd::app
