#pragma once
// Byte <-> text encodings for keys, salts, hashes and tokens.
//
// All functions are pure and thread-safe. Decoders are strict: they accept exactly what the
// matching encoder produces, so every byte string has one text form (needed where encoded
// values are compared or used as lookup keys). Error messages never echo the input.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace smd::crypto {

// Lowercase hexadecimal, two characters per byte.
std::string HexEncode(std::string_view bytes);

// Inverse of HexEncode; accepts upper- and lowercase digits.
// INVALID_ARGUMENT on odd length or a non-hex character.
absl::StatusOr<std::string> HexDecode(std::string_view hex);

// RFC 4648 section 5 "base64url" (alphabet A-Z a-z 0-9 - _), without '=' padding.
std::string Base64UrlEncode(std::string_view bytes);

// Inverse of Base64UrlEncode. INVALID_ARGUMENT on padding, whitespace, characters outside
// the alphabet, an impossible length, or non-zero unused trailing bits (non-canonical text).
absl::StatusOr<std::string> Base64UrlDecode(std::string_view text);

}  // namespace smd::crypto
