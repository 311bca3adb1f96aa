#pragma once
// Cryptographically secure randomness from OpenSSL's CSPRNG (RAND_bytes).
//
// Thread-safe. A CSPRNG failure means the process cannot produce keys, salts, nonces or
// tokens safely, so it aborts (SMD_CHECK) instead of returning an error.

#include <cstddef>
#include <string>

namespace smd::crypto {

// Returns n random bytes.
std::string RandomBytes(size_t n);

// Returns a random RFC 4122 version-4 UUID as 36 lowercase characters,
// e.g. "3f2a9c1e-7b4d-4e8a-9c01-5d6e7f8a9b0c".
std::string NewUuid();

}  // namespace smd::crypto
