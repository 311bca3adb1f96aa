#include "crypto/signer.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <memory>

#include "common/status_macros.h"

namespace smd::crypto {
namespace {

constexpr size_t kSeedBytes = 32;
constexpr size_t kPublicKeyBytes = 32;
constexpr size_t kSignatureBytes = 64;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

PkeyPtr PrivateKey(std::string_view seed) {
  PkeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, U(seed), seed.size()));
  SMD_CHECK(key != nullptr);
  return key;
}

}  // namespace

Signer::Signer(const KeyRing& keys) : seed_(keys.audit_key) {
  SMD_CHECK(seed_.size() == kSeedBytes);
  PkeyPtr key = PrivateKey(seed_);
  public_key_.assign(kPublicKeyBytes, '\0');
  size_t len = public_key_.size();
  SMD_CHECK(EVP_PKEY_get_raw_public_key(
                key.get(), reinterpret_cast<unsigned char*>(public_key_.data()), &len) == 1);
  SMD_CHECK(len == kPublicKeyBytes);
  trusted_.push_back(public_key_);
  for (const auto& [id, pk] : keys.audit_public_keys) trusted_.push_back(pk);
}

std::string Signer::Sign(std::string_view message) const {
  // A fresh EVP_PKEY per call avoids relying on OpenSSL's rules for sharing one across
  // threads; checkpoints are rare, so the extra key setup costs nothing that matters.
  PkeyPtr key = PrivateKey(seed_);
  MdCtxPtr ctx(EVP_MD_CTX_new());
  SMD_CHECK(ctx != nullptr);
  SMD_CHECK(EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1);
  std::string sig(kSignatureBytes, '\0');
  size_t len = sig.size();
  SMD_CHECK(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                           U(message), message.size()) == 1);
  SMD_CHECK(len == kSignatureBytes);
  return sig;
}

bool VerifyEd25519(std::string_view public_key, std::string_view message,
                   std::string_view signature) {
  if (public_key.size() != kPublicKeyBytes || signature.size() != kSignatureBytes) return false;
  PkeyPtr key(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, U(public_key), public_key.size()));
  if (!key) {
    ERR_clear_error();
    return false;
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return false;
  bool ok =
      EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
      EVP_DigestVerify(ctx.get(), U(signature), signature.size(), U(message), message.size()) == 1;
  // A rejected signature is an expected outcome; leave no stale entries on this thread's
  // OpenSSL error queue.
  if (!ok) ERR_clear_error();
  return ok;
}

}  // namespace smd::crypto
