#pragma once
// Blind indexes: deterministic keyed hashes of sensitive values (ID numbers, names) that allow
// exact-match lookup of encrypted columns without storing the plaintext. Pure and thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include "crypto/keys.h"

namespace smd::crypto {

// HMAC-SHA256(keys.index_key, purpose + '\0' + normalized_value): 32 raw bytes.
// purpose separates index domains so equal values under different purposes do not match;
// the app uses "id_number" and "name". The caller normalizes the value first (for names,
// NormalizeName), since any byte difference gives an unrelated index. Uses the active
// index key (KeyRing::index_key); this is what rows are written with.
std::string BlindIndex(const KeyRing& keys, std::string_view purpose,
                       std::string_view normalized_value);

// The index of the value under every index key of the ring: the active key's first, then
// KeyRing::other_index_keys' in id order. A lookup matches any of them, so rows whose index
// was not rebuilt yet under the active key are still found (docs/adr/0016-key-rotation.md).
std::vector<std::string> BlindIndexes(const KeyRing& keys, std::string_view purpose,
                                      std::string_view normalized_value);

// Canonical form of a person's name for BlindIndex("name", ...): removes ASCII whitespace and
// ideographic spaces (U+3000) at both ends and uppercases ASCII letters. Interior characters
// and all non-ASCII bytes are kept as they are.
std::string NormalizeName(std::string_view utf8_name);

}  // namespace smd::crypto
