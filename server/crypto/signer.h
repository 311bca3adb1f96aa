#pragma once
// Ed25519 signatures for audit-log checkpoints (RFC 8032, via OpenSSL EVP).

#include <string>
#include <string_view>
#include <vector>

#include "crypto/keys.h"

namespace smd::crypto {

// Signs with the Ed25519 key whose 32-byte seed is KeyRing::audit_key.
// Thread-safe: Sign may be called concurrently (each call builds its own OpenSSL objects).
class Signer {
 public:
  // Copies the seed and derives the public key. CHECKs that keys.audit_key is 32 bytes.
  explicit Signer(const KeyRing& keys);

  // Returns the 64-byte Ed25519 signature of message. Aborts (SMD_CHECK) if OpenSSL fails,
  // which only happens on allocation failure.
  std::string Sign(std::string_view message) const;

  // The 32-byte raw public key, for publishing alongside checkpoints.
  const std::string& PublicKey() const { return public_key_; }

  // The public keys a checkpoint may be signed with: PublicKey() first, then the earlier
  // audit keys' (KeyRing::audit_public_keys, in id order). Checkpoints signed before an
  // audit key rotation stay verifiable (docs/adr/0016-key-rotation.md).
  const std::vector<std::string>& TrustedPublicKeys() const { return trusted_; }

 private:
  std::string seed_;
  std::string public_key_;
  std::vector<std::string> trusted_;
};

// True iff signature is a valid Ed25519 signature of message under the 32-byte raw
// public_key. False for wrong sizes or malformed keys. Pure and thread-safe.
bool VerifyEd25519(std::string_view public_key, std::string_view message,
                   std::string_view signature);

}  // namespace smd::crypto
