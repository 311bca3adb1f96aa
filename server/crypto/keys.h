#pragma once
// The server's secret keys, loaded once at startup from a key file.
//
// Key file format (text, UTF-8):
//   # comment                       lines starting with '#' and blank lines are ignored
//   field_key=<64 hex digits>       AES-256-GCM key for encrypted columns (required)
//   field_key_id=<1..255>           id stamped into each ciphertext (optional, default 1)
//   index_key=<64 hex digits>       HMAC-SHA256 key for blind indexes (required)
//   audit_key=<64 hex digits>       Ed25519 seed for audit checkpoint signatures (required)
// Whitespace around names and values is trimmed. The three keys must differ from each other.
// Error messages name the line number and key name, never a value.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace smd::crypto {

// Raw key bytes. A KeyRing returned by ParseKeyFile/LoadKeyFile always holds three distinct
// 32-byte keys and a non-zero field_key_id; the classes that take a KeyRing CHECK this.
// Plain value type; contains secrets, so never log or serialize it.
struct KeyRing {
  std::string field_key;     // 32 bytes, AES-256-GCM
  uint8_t field_key_id = 1;  // 1..255, written into every FieldCipher blob
  std::string index_key;     // 32 bytes, HMAC-SHA256 blind index
  std::string audit_key;     // 32-byte Ed25519 seed for audit checkpoint signatures
};

// Reads and parses the key file at path.
// NOT_FOUND if it does not exist; FAILED_PRECONDITION if it is not a regular file or if group
// or others have any permission on it (mode & 077; the message says to chmod 600, as ssh does
// for private keys); PERMISSION_DENIED / UNAVAILABLE if it cannot be read; otherwise as
// ParseKeyFile.
absl::StatusOr<KeyRing> LoadKeyFile(const std::string& path);

// Parses key file contents (format above).
// INVALID_ARGUMENT on a malformed line, an unknown or duplicate name, a value that is not
// 64 hex digits (keys) or a decimal in 1..255 (field_key_id), a missing key, or two equal keys.
absl::StatusOr<KeyRing> ParseKeyFile(std::string_view contents);

// Returns a new key file with fresh random keys and an explanatory header comment; it parses
// with ParseKeyFile. The caller writes it with mode 0600. Thread-safe.
std::string GenerateKeyFileContents();

}  // namespace smd::crypto
