#include "crypto/hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <climits>
#include <memory>

#include "common/status_macros.h"

namespace smd::crypto {

std::string Sha256(std::string_view data) { return Sha256(data, {}); }

std::string Sha256(std::string_view a, std::string_view b) {
  // The digest is fetched once and the context reused per thread: audit verification hashes
  // a million rows, and the implicit fetch and context allocation of one-shot EVP_Digest
  // cost as much as the hashing itself.
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  SMD_CHECK(md != nullptr);
  struct CtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  thread_local std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  SMD_CHECK(ctx != nullptr);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  SMD_CHECK(EVP_DigestInit_ex(ctx.get(), md, nullptr) == 1);
  SMD_CHECK(EVP_DigestUpdate(ctx.get(), a.data(), a.size()) == 1);
  SMD_CHECK(EVP_DigestUpdate(ctx.get(), b.data(), b.size()) == 1);
  SMD_CHECK(EVP_DigestFinal_ex(ctx.get(), out, &len) == 1);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  // An empty string_view may carry a null pointer, which HMAC() treats specially; give it a
  // real (zero-length) buffer instead.
  SMD_CHECK(key.size() <= INT_MAX);
  static const unsigned char kEmpty[1] = {0};
  const void* key_ptr = key.empty() ? static_cast<const void*>(kEmpty) : key.data();
  const auto* data_ptr =
      data.empty() ? kEmpty : reinterpret_cast<const unsigned char*>(data.data());
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  SMD_CHECK(HMAC(EVP_sha256(), key_ptr, static_cast<int>(key.size()), data_ptr, data.size(), out,
                 &len) != nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace smd::crypto
