#include "crypto/token.h"

#include "crypto/encoding.h"
#include "crypto/hash.h"
#include "crypto/random.h"

namespace smd::crypto {
namespace {

constexpr std::string_view kPrefix = "smd_";
constexpr size_t kTokenBytes = 32;
constexpr size_t kEncodedBytes = (kTokenBytes * 4 + 2) / 3;  // base64 without padding: 43

}  // namespace

IssuedToken NewSessionToken() {
  IssuedToken t;
  t.token = std::string(kPrefix) + Base64UrlEncode(RandomBytes(kTokenBytes));
  t.hash = TokenHash(t.token);
  return t;
}

std::string TokenHash(std::string_view token) { return Sha256(token); }

bool LooksLikeToken(std::string_view token) {
  if (token.size() != kPrefix.size() + kEncodedBytes || !token.starts_with(kPrefix)) {
    return false;
  }
  for (char c : token.substr(kPrefix.size())) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace smd::crypto
