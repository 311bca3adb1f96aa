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
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "crypto/keys.h"

namespace smd::crypto {

// A key ring (docs/adr/0016-key-rotation.md): Encrypt always uses the active key
// (KeyRing::field_key under field_key_id); Decrypt picks the key by the blob's key id, among
// the active key and KeyRing::other_field_keys, so rows written under an older key (or a
// newer one staged on every server) still decrypt while they are re-encrypted.
class FieldCipher {
 public:
  // Copies the field keys and ids. CHECKs that every key is 32 bytes.
  explicit FieldCipher(const KeyRing& keys);

  // The id Encrypt stamps into blobs.
  uint8_t active_key_id() const { return key_id_; }
  // The key id a blob names (its byte 1); nullopt when too short to have one.
  static std::optional<uint8_t> BlobKeyId(std::string_view blob);

  // Returns the blob for plaintext (which may be empty) bound to aad.
  // INVALID_ARGUMENT if plaintext or aad exceeds 1 GiB; INTERNAL if OpenSSL fails.
  absl::StatusOr<std::string> Encrypt(std::string_view plaintext, std::string_view aad) const;

  // Returns the plaintext of a blob made by Encrypt with the same key and aad.
  // INVALID_ARGUMENT if the blob is truncated or has an unknown format version;
  // FAILED_PRECONDITION if it was written under a key id this ring does not hold (a retired
  // key, or a key this server was not given); DATA_LOSS if authentication
  // fails (wrong aad, wrong key, or tampered blob); INTERNAL if OpenSSL fails.
  absl::StatusOr<std::string> Decrypt(std::string_view blob, std::string_view aad) const;

 private:
  std::string key_;
  uint8_t key_id_;
  std::map<uint8_t, std::string> others_;  // decrypt-only keys by id
};

}  // namespace smd::crypto
