#include "crypto/field_cipher.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <memory>

#include "absl/status/status.h"
#include "common/status_macros.h"
#include "crypto/random.h"

namespace smd::crypto {
namespace {

constexpr uint8_t kVersion = 1;
constexpr size_t kKeyBytes = 32;
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr size_t kHeaderBytes = 2 + kNonceBytes;
// EVP lengths are int; a field this large is a bug elsewhere anyway.
constexpr size_t kMaxInputBytes = size_t{1} << 30;

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* U(std::string& s, size_t offset = 0) {
  return reinterpret_cast<unsigned char*>(s.data() + offset);
}

absl::Status OpenSslError(const char* what) {
  return absl::InternalError(std::string("field cipher: ") + what + " failed");
}

}  // namespace

FieldCipher::FieldCipher(const KeyRing& keys)
    : key_(keys.field_key), key_id_(keys.field_key_id), others_(keys.other_field_keys) {
  SMD_CHECK(key_.size() == kKeyBytes);
  for (const auto& [id, k] : others_) SMD_CHECK(k.size() == kKeyBytes && id != key_id_);
}

std::optional<uint8_t> FieldCipher::BlobKeyId(std::string_view blob) {
  if (blob.size() < 2) return std::nullopt;
  return static_cast<uint8_t>(blob[1]);
}

absl::StatusOr<std::string> FieldCipher::Encrypt(std::string_view plaintext,
                                                 std::string_view aad) const {
  if (plaintext.size() > kMaxInputBytes || aad.size() > kMaxInputBytes) {
    return absl::InvalidArgumentError("field cipher: input too large");
  }
  std::string blob(kHeaderBytes + plaintext.size() + kTagBytes, '\0');
  blob[0] = static_cast<char>(kVersion);
  blob[1] = static_cast<char>(key_id_);
  std::string nonce = RandomBytes(kNonceBytes);
  blob.replace(2, kNonceBytes, nonce);

  CtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return OpenSslError("EVP_CIPHER_CTX_new");
  int len = 0;
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, U(key_), U(nonce)) != 1) {
    return OpenSslError("EncryptInit");
  }
  if (!aad.empty() &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, U(aad), static_cast<int>(aad.size())) != 1) {
    return OpenSslError("EncryptUpdate(aad)");
  }
  int written = 0;
  if (!plaintext.empty()) {
    if (EVP_EncryptUpdate(ctx.get(), U(blob, kHeaderBytes), &len, U(plaintext),
                          static_cast<int>(plaintext.size())) != 1) {
      return OpenSslError("EncryptUpdate");
    }
    written = len;
  }
  if (EVP_EncryptFinal_ex(ctx.get(), U(blob, kHeaderBytes + written), &len) != 1) {
    return OpenSslError("EncryptFinal");
  }
  written += len;
  SMD_CHECK(static_cast<size_t>(written) == plaintext.size());  // GCM is a stream mode
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                          U(blob, kHeaderBytes + plaintext.size())) != 1) {
    return OpenSslError("GET_TAG");
  }
  return blob;
}

absl::StatusOr<std::string> FieldCipher::Decrypt(std::string_view blob,
                                                 std::string_view aad) const {
  if (blob.size() < kHeaderBytes + kTagBytes) {
    return absl::InvalidArgumentError("field cipher: blob truncated");
  }
  if (static_cast<uint8_t>(blob[0]) != kVersion) {
    return absl::InvalidArgumentError("field cipher: unknown blob format version");
  }
  const uint8_t blob_key_id = static_cast<uint8_t>(blob[1]);
  const std::string* key = &key_;
  if (blob_key_id != key_id_) {
    auto it = others_.find(blob_key_id);
    if (it == others_.end()) {
      return absl::FailedPreconditionError(
          "field cipher: blob was encrypted under a key id this key ring does not hold");
    }
    key = &it->second;
  }
  if (blob.size() > kMaxInputBytes + kHeaderBytes + kTagBytes || aad.size() > kMaxInputBytes) {
    return absl::InvalidArgumentError("field cipher: input too large");
  }
  std::string_view nonce = blob.substr(2, kNonceBytes);
  std::string_view ciphertext = blob.substr(kHeaderBytes, blob.size() - kHeaderBytes - kTagBytes);
  // EVP_CTRL_GCM_SET_TAG takes a non-const pointer.
  std::string tag(blob.substr(blob.size() - kTagBytes));

  CtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return OpenSslError("EVP_CIPHER_CTX_new");
  int len = 0;
  if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, U(*key), U(nonce)) != 1) {
    return OpenSslError("DecryptInit");
  }
  if (!aad.empty() &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, U(aad), static_cast<int>(aad.size())) != 1) {
    return OpenSslError("DecryptUpdate(aad)");
  }
  std::string plaintext(ciphertext.size(), '\0');
  int written = 0;
  if (!ciphertext.empty()) {
    if (EVP_DecryptUpdate(ctx.get(), U(plaintext), &len, U(ciphertext),
                          static_cast<int>(ciphertext.size())) != 1) {
      return OpenSslError("DecryptUpdate");
    }
    written = len;
  }
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) != 1) {
    return OpenSslError("SET_TAG");
  }
  if (EVP_DecryptFinal_ex(ctx.get(), U(plaintext, written), &len) != 1) {
    // Unauthenticated output must not leak out, even through freed memory.
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    ERR_clear_error();
    return absl::DataLossError(
        "field cipher: authentication failed (wrong aad or key, or "
        "the value was modified)");
  }
  return plaintext;
}

}  // namespace smd::crypto
