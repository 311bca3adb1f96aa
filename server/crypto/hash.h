#pragma once
// Hashing, MACs and timing-safe comparison. All functions are pure and thread-safe.

#include <string>
#include <string_view>

namespace smd::crypto {

// SHA-256 of data: 32 raw bytes.
std::string Sha256(std::string_view data);

// SHA-256 of a followed by b (the same as Sha256 of their concatenation), without joining
// them: 32 raw bytes. The audit chain hashes (previous link, row) this way.
std::string Sha256(std::string_view a, std::string_view b);

// HMAC-SHA256 (RFC 2104) of data under key: 32 raw bytes. Any key length is accepted.
std::string HmacSha256(std::string_view key, std::string_view data);

// True iff a and b are byte-for-byte equal. Time depends only on the lengths, not on the
// contents (CRYPTO_memcmp); use it for secrets, MACs and hashes. Different sizes: false.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace smd::crypto
