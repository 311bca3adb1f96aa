#include "store/cipher_cells.h"

#include "absl/strings/str_cat.h"

namespace smd::store {

std::string VersionedAad(std::string_view base, int64_t enc_version) {
  if (enc_version == 0) return std::string(base);
  return absl::StrCat(std::string(base), ":v", enc_version);
}

std::string PatientCellAad(std::string_view column, std::string_view patient_id,
                           int64_t enc_version) {
  return VersionedAad(absl::StrCat("patient.", std::string(column), ":", std::string(patient_id)),
                      enc_version);
}

absl::Status UnreadableError(std::string_view what) {
  return absl::DataLossError(absl::StrCat(
      std::string(what),
      ": 记录无法解密 (the record cannot be decrypted: it was altered, or written under "
      "another key)"));
}

}  // namespace smd::store
