#pragma once
// The server's secret keys, loaded once at startup from a key file.
//
// Key file format (text, UTF-8):
//   # comment                       lines starting with '#' and blank lines are ignored
//   field_key=<64 hex digits>       AES-256-GCM key for encrypted columns (required)
//   field_key_id=<1..255>           id stamped into each ciphertext (optional, default 1)
//   index_key=<64 hex digits>       HMAC-SHA256 key for blind indexes (required)
//   audit_key=<64 hex digits>       Ed25519 seed for audit checkpoint signatures (required)
// and, for key rotation (docs/adr/0016-key-rotation.md, docs/operations.md "Key rotation"):
//   index_key_id=<1..255>           id of index_key (optional, default 1)
//   audit_key_id=<1..255>           id of audit_key (optional, default 1)
//   field_key.<id>=<64 hex digits>  another field key that decrypts but never encrypts: an
//                                   older one rows still use, or a newer one staged on every
//                                   server before it becomes field_key (repeatable)
//   index_key.<id>=<64 hex digits>  another blind-index key, searched beside index_key while
//                                   the indexes are rebuilt (repeatable)
//   audit_public_key.<id>=<64 hex>  the Ed25519 public key of an earlier audit key: its
//                                   checkpoints stay verifiable; its seed is gone (repeatable)
// Whitespace around names and values is trimmed. All secret keys must differ from each other,
// and an id appears once per kind. Error messages name the line number and key name, never a
// value.

#include <cstdint>
#include <map>
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
  uint8_t index_key_id = 1;  // 1..255, recorded on each patient row (patient.index_key_id)
  uint8_t audit_key_id = 1;  // 1..255, named by `smd-server keys status`
  // Decrypt-only field keys by id (never field_key_id), 32 bytes each.
  std::map<uint8_t, std::string> other_field_keys;
  // Blind-index keys searched beside index_key by id (never index_key_id), 32 bytes each.
  std::map<uint8_t, std::string> other_index_keys;
  // Earlier audit keys' 32-byte raw Ed25519 public keys by id (never audit_key_id).
  std::map<uint8_t, std::string> audit_public_keys;
};

// The key file for `keys` (format above), with the explanatory header. ParseKeyFile of the
// result gives `keys` back. The caller writes it with mode 0600.
std::string FormatKeyFile(const KeyRing& keys);

// The rotation steps on a ring (pure; `smd-server keys`, app::KeyRotation). Each returns the
// changed ring; the caller writes it (FormatKeyFile) and restarts the servers.
enum class KeyKind { kField, kIndex, kAudit };
// "field", "blind-index", "audit"; INVALID_ARGUMENT otherwise.
absl::StatusOr<KeyKind> ParseKeyKind(std::string_view name);
const char* KeyKindName(KeyKind kind);
// Adds a fresh decrypt-only key (field, blind-index) with the next free id (the highest id
// of that kind + 1). FAILED_PRECONDITION if ids are exhausted or for audit (an audit key
// needs no staging: checkpoints name their public key).
absl::StatusOr<KeyRing> StageKey(const KeyRing& keys, KeyKind kind);
// Makes a new key the active one: the staged key with the highest id above the active one
// if there is one, else a fresh key with the next id. The old field/index key stays as a
// decrypt-only key; the old audit key's seed is dropped and its public key kept.
absl::StatusOr<KeyRing> RotateKey(const KeyRing& keys, KeyKind kind);
// Removes decrypt-only key `id` of `kind` (field, blind-index, or an audit public key).
// NOT_FOUND if there is no such decrypt-only key; FAILED_PRECONDITION for the active id.
// Whether anything still uses it is for the caller to count first.
absl::StatusOr<KeyRing> RemoveKey(const KeyRing& keys, KeyKind kind, uint8_t id);

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
