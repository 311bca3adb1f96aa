#pragma once
// Authenticated encryption of individual database fields (AES-256-GCM).
//
// Blob layout (the value stored in a bytea column):
//   [0]      format version, 1
//   [1]      key id (KeyRing::field_key_id)
//   [2..13]  12-byte random nonce, fresh for every Encrypt call
//   [14..]   ciphertext (same length as the plaintext)
//   [-16..]  16-byte GCM tag
// The aad ("additional authenticated data") is not stored but must be the same at Decrypt.
// Bind each value to its place, e.g. "patient.phone:" + patient_id, so that a ciphertext
// copied into another row or column fails to decrypt.
//
// Thread-safe: every call uses its own EVP_CIPHER_CTX.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "crypto/keys.h"

namespace smd::crypto {

class FieldCipher {
 public:
  // Copies the field key and id. CHECKs that keys.field_key is 32 bytes.
  explicit FieldCipher(const KeyRing& keys);

  // Returns the blob for plaintext (which may be empty) bound to aad.
  // INVALID_ARGUMENT if plaintext or aad exceeds 1 GiB; INTERNAL if OpenSSL fails.
  absl::StatusOr<std::string> Encrypt(std::string_view plaintext, std::string_view aad) const;

  // Returns the plaintext of a blob made by Encrypt with the same key and aad.
  // INVALID_ARGUMENT if the blob is truncated or has an unknown format version;
  // FAILED_PRECONDITION if it was written under another key id; DATA_LOSS if authentication
  // fails (wrong aad, wrong key, or tampered blob); INTERNAL if OpenSSL fails.
  absl::StatusOr<std::string> Decrypt(std::string_view blob, std::string_view aad) const;

 private:
  std::string key_;
  uint8_t key_id_;
};

}  // namespace smd::crypto
