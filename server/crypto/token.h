#pragma once
// Opaque bearer session tokens. The client holds the token; the server stores only its
// SHA-256 hash, so a leaked sessions table does not yield usable tokens. Thread-safe.

#include <string>
#include <string_view>

namespace smd::crypto {

struct IssuedToken {
  std::string token;  // "smd_" + base64url(32 random bytes): 47 ASCII characters; secret
  std::string hash;   // TokenHash(token): 32 raw bytes, the value to store
};

// Returns a fresh random token and its hash.
IssuedToken NewSessionToken();

// SHA-256 of the token text: 32 raw bytes. Tokens carry 256 bits of entropy, so a fast
// unsalted hash suffices (no password-style stretching is needed).
std::string TokenHash(std::string_view token);

// True iff token has the shape NewSessionToken produces (prefix, length, base64url
// characters). A cheap pre-filter before a database lookup, not a proof of validity.
bool LooksLikeToken(std::string_view token);

}  // namespace smd::crypto
