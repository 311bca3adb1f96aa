#pragma once
// Loading one patient for a use case, with the access check every patient-scoped call
// shares. Inside the caller's transaction (RunCall).

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "app/context.h"
#include "domain/access_policy.h"
#include "domain/types.h"

namespace smd::app {

// The patient, locked if `for_update`, after checking `who` may do `action` on it.
// INVALID_ARGUMENT (patient_id not a UUID), NOT_FOUND, or PERMISSION_DENIED when it exists
// outside the caller's jurisdiction (told apart from NOT_FOUND so the denial is audited
// as one). A patient pending transfer to the caller's jurisdiction may be read.
absl::StatusOr<domain::Patient> LoadPatient(const Deps& deps, store::Tx& tx,
                                            const domain::Principal& who,
                                            const std::string& patient_id, domain::Action action,
                                            bool for_update);

// Dates in the register are Beijing dates.
absl::CivilDay Today(const Deps& deps);

// A row of a listing that could not be decrypted (docs/security.md "Identifiers at rest"):
// the listing is served without it, so this logs a warning naming the call (method,
// request id), `what` ("patient", "transfer") and the row's id only. Thread-safe.
void LogUnreadableRow(const CallMeta& meta, const char* what, const std::string& id);

}  // namespace smd::app
