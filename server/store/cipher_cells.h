#pragma once
// How encrypted cells are bound to their place (docs/security.md "Identifiers at rest",
// ADR 0004): the associated data every repository passes to crypto::FieldCipher, and the
// one status a cell that does not decrypt becomes. Pure, thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace smd::store {

// The associated data of a cell of a row whose encrypted cells are rewritten in place
// (patient, referral): `base` ("patient.name_enc:<id>", "referral:<id>") followed by
// ":v<enc_version>". enc_version 0 marks a row written before migration 0013: its cells
// were bound without a version, and `base` alone is returned, so they still decrypt until
// the row is converted (app::CipherUpgrade) or rewritten.
std::string VersionedAad(std::string_view base, int64_t enc_version);

// The associated data of encrypted patient column `column` ("name_enc", "phone_enc", ...)
// of patient `patient_id` at the row's `enc_version`. Used by every repository that
// decrypts a patient cell (the worklist, care-team lists), so they cannot drift apart.
std::string PatientCellAad(std::string_view column, std::string_view patient_id,
                           int64_t enc_version);

// DATA_LOSS "<what>: 记录无法解密 (the record cannot be decrypted: it was altered, or
// written under another key)": what a single-record read returns when a cell of the record
// does not decrypt, whatever crypto::FieldCipher said (a truncated blob is not the
// caller's INVALID_ARGUMENT). Listings do not fail: they mark the row unreadable.
absl::Status UnreadableError(std::string_view what);

}  // namespace smd::store
