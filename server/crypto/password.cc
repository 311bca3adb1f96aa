#include "crypto/password.h"

#include <openssl/evp.h>

#include <cstdint>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "crypto/encoding.h"
#include "crypto/hash.h"
#include "crypto/random.h"

namespace smd::crypto {
namespace {

constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;
constexpr uint64_t kMaxMemoryBytes = uint64_t{256} << 20;

// Memory EVP_PBE_scrypt allocates: V (128 * r * (N + 2)) plus B (128 * r * p).
uint64_t ScryptMemory(const PasswordParams& params) {
  uint64_t r = static_cast<uint64_t>(params.r);
  return 128 * r * ((uint64_t{1} << params.log2_n) + 2) + 128 * r * static_cast<uint64_t>(params.p);
}

bool ValidParams(const PasswordParams& params) {
  return params.log2_n >= 4 && params.log2_n <= 20 && params.r >= 1 && params.r <= 16 &&
         params.p >= 1 && params.p <= 16 &&
         params.log2_n < 16 * params.r &&  // scrypt's own bound: N < 2^(128 * r / 8)
         (uint64_t{128} * static_cast<uint64_t>(params.r) << params.log2_n) <= kMaxMemoryBytes;
}

// Returns false only if OpenSSL fails (params are validated by the callers).
bool Derive(std::string_view password, std::string_view salt, const PasswordParams& params,
            size_t out_len, std::string* out) {
  out->assign(out_len, '\0');
  // maxmem is computed from the params, with slack, so OpenSSL's default 32 MiB limit does
  // not reject valid larger parameters; ValidParams bounds it.
  uint64_t maxmem = ScryptMemory(params) + (uint64_t{1} << 20);
  return EVP_PBE_scrypt(password.data(), password.size(),
                        reinterpret_cast<const unsigned char*>(salt.data()), salt.size(),
                        uint64_t{1} << params.log2_n, static_cast<uint64_t>(params.r),
                        static_cast<uint64_t>(params.p), maxmem,
                        reinterpret_cast<unsigned char*>(out->data()), out_len) == 1;
}

bool ParseSmallInt(absl::string_view text, int* out) {
  // Digits only, no sign or leading zeros, at most 2 digits (every accepted value fits).
  if (text.empty() || text.size() > 2 || (text.size() > 1 && text[0] == '0')) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return absl::SimpleAtoi(text, out);
}

struct Decoded {
  PasswordParams params;
  std::string salt;
  std::string hash;
};

bool Decode(std::string_view encoded, Decoded* d) {
  std::vector<absl::string_view> parts =
      absl::StrSplit(absl::string_view(encoded.data(), encoded.size()), '$');
  if (parts.size() != 5 || !parts[0].empty() || parts[1] != "scrypt") return false;
  std::vector<absl::string_view> kv = absl::StrSplit(parts[2], ',');
  if (kv.size() != 3) return false;
  if (!absl::ConsumePrefix(&kv[0], "ln=") || !ParseSmallInt(kv[0], &d->params.log2_n)) {
    return false;
  }
  if (!absl::ConsumePrefix(&kv[1], "r=") || !ParseSmallInt(kv[1], &d->params.r)) return false;
  if (!absl::ConsumePrefix(&kv[2], "p=") || !ParseSmallInt(kv[2], &d->params.p)) return false;
  if (!ValidParams(d->params)) return false;
  auto salt = Base64UrlDecode(std::string_view(parts[3].data(), parts[3].size()));
  auto hash = Base64UrlDecode(std::string_view(parts[4].data(), parts[4].size()));
  // Other salt lengths than ours are tolerated within sane bounds.
  if (!salt.ok() || salt->size() < 8 || salt->size() > 64) return false;
  // Exactly the length HashPassword writes: a truncated hash must not verify by prefix.
  if (!hash.ok() || hash->size() != kHashBytes) return false;
  d->salt = *std::move(salt);
  d->hash = *std::move(hash);
  return true;
}

}  // namespace

absl::StatusOr<std::string> HashPassword(std::string_view password, const PasswordParams& params) {
  if (!ValidParams(params)) {
    return absl::InvalidArgumentError("password hash: scrypt parameters out of range");
  }
  std::string salt = RandomBytes(kSaltBytes);
  std::string hash;
  if (!Derive(password, salt, params, kHashBytes, &hash)) {
    return absl::InternalError("password hash: EVP_PBE_scrypt failed");
  }
  return absl::StrCat("$scrypt$ln=", params.log2_n, ",r=", params.r, ",p=", params.p, "$",
                      Base64UrlEncode(salt), "$", Base64UrlEncode(hash));
}

bool VerifyPassword(std::string_view password, std::string_view encoded) {
  Decoded d;
  if (!Decode(encoded, &d)) return false;
  std::string candidate;
  if (!Derive(password, d.salt, d.params, d.hash.size(), &candidate)) return false;
  return ConstantTimeEquals(candidate, d.hash);
}

void DummyVerify(std::string_view password, const PasswordParams& params) {
  // Same derivation and comparison as VerifyPassword on a hash made with `params`; only the
  // (microsecond) decoding step is skipped.
  static const std::string kSalt(kSaltBytes, '\x5a');
  static const std::string kHash(kHashBytes, '\0');
  std::string candidate;
  if (Derive(password, kSalt, params, kHashBytes, &candidate)) {
    (void)ConstantTimeEquals(candidate, kHash);
  }
}

absl::Status CheckPasswordStrength(std::string_view password) {
  bool lower = false, upper = false, digit = false, other = false;
  for (char ch : password) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c >= 'a' && c <= 'z') {
      lower = true;
    } else if (c >= 'A' && c <= 'Z') {
      upper = true;
    } else if (c >= '0' && c <= '9') {
      digit = true;
    } else {
      other = true;
    }
  }
  int kinds = int{lower} + int{upper} + int{digit} + int{other};
  if (password.size() < 10 || kinds < 2) {
    return absl::InvalidArgumentError(
        "password: 密码至少10位且包含两类字符 (at least 10 characters of two kinds)");
  }
  return absl::OkStatus();
}

}  // namespace smd::crypto
