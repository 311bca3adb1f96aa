#pragma once
// Password hashing with scrypt (OpenSSL EVP_PBE_scrypt), and the password strength rule.
//
// Encoded form (what the database stores; ASCII):
//   $scrypt$ln=<log2 N>,r=<r>,p=<p>$<base64url salt>$<base64url hash>
// with a 16-byte random salt and a 32-byte hash, base64url without padding. Verification reads
// the parameters from the string, so hashes made with other parameters keep verifying after the
// defaults change.
//
// All functions are thread-safe. Hashing and verifying are deliberately slow (~50-100 ms and
// 32 MiB of memory with the default parameters); call them off latency-critical threads.

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace smd::crypto {

// scrypt cost parameters: N = 2^log2_n, block size r, parallelism p. Accepted ranges:
// log2_n 4..20 (production uses >= 15; small values exist so tests run fast), r 1..16, p 1..16,
// log2_n < 16 * r (an scrypt rule), and at most 256 MiB of memory (128 * r * 2^log2_n bytes).
struct PasswordParams {
  int log2_n = 15;
  int r = 8;
  int p = 1;
};

// Returns the encoded scrypt hash of password under a fresh random salt.
// INVALID_ARGUMENT if params are outside the accepted ranges; INTERNAL if OpenSSL fails.
// Does not check strength (see CheckPasswordStrength).
absl::StatusOr<std::string> HashPassword(std::string_view password,
                                         const PasswordParams& params = {});

// True iff password matches encoded (as made by HashPassword, with any accepted params).
// False on a malformed encoding or parameters outside the accepted ranges. The final
// comparison is constant-time.
bool VerifyPassword(std::string_view password, std::string_view encoded);

// Does the work of VerifyPassword against a hash made with `params` (pass the server's
// configured parameters, those of its users' hashes), and discards the result. Call it when
// the user name is unknown, so that response time does not reveal which user names exist.
void DummyVerify(std::string_view password, const PasswordParams& params = {});

// OK iff password is at least 10 bytes long and contains at least two of the classes
// {ASCII lowercase, ASCII uppercase, digit, anything else}. Otherwise INVALID_ARGUMENT with a
// user-facing message (Chinese and English) that does not include the password.
absl::Status CheckPasswordStrength(std::string_view password);

}  // namespace smd::crypto
