#include "crypto/field_cipher.h"

#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "test_keys.h"

namespace smd::crypto {
namespace {

using test::TestKeys;

TEST(CryptoFieldCipher, RoundTrips) {
  FieldCipher cipher(TestKeys());
  for (std::string plaintext :
       {std::string(), std::string("13800138000"), std::string("张三"), std::string(1000, 'x')}) {
    auto blob = cipher.Encrypt(plaintext, "patient.phone:42");
    ASSERT_TRUE(blob.ok()) << blob.status();
    EXPECT_EQ(blob->size(), 2 + 12 + plaintext.size() + 16);
    EXPECT_EQ((*blob)[0], '\x01');
    EXPECT_EQ((*blob)[1], '\x01');
    auto back = cipher.Decrypt(*blob, "patient.phone:42");
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, plaintext);
  }
}

TEST(CryptoFieldCipher, EmptyAadRoundTrips) {
  FieldCipher cipher(TestKeys());
  auto blob = cipher.Encrypt("x", "");
  ASSERT_TRUE(blob.ok());
  EXPECT_EQ(*cipher.Decrypt(*blob, ""), "x");
}

TEST(CryptoFieldCipher, UsesFreshNonceEachCall) {
  FieldCipher cipher(TestKeys());
  EXPECT_NE(*cipher.Encrypt("same", "aad"), *cipher.Encrypt("same", "aad"));
}

TEST(CryptoFieldCipher, WrongAadIsDataLoss) {
  FieldCipher cipher(TestKeys());
  std::string blob = *cipher.Encrypt("secret", "patient.phone:42");
  EXPECT_EQ(cipher.Decrypt(blob, "patient.phone:43").status().code(), absl::StatusCode::kDataLoss);
}

TEST(CryptoFieldCipher, TamperingIsDataLoss) {
  FieldCipher cipher(TestKeys());
  std::string blob = *cipher.Encrypt("secret", "aad");
  for (size_t i = 2; i < blob.size(); ++i) {  // nonce, ciphertext and tag bytes
    std::string tampered = blob;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    EXPECT_EQ(cipher.Decrypt(tampered, "aad").status().code(), absl::StatusCode::kDataLoss) << i;
  }
}

TEST(CryptoFieldCipher, WrongKeyIsDataLoss) {
  auto other_keys = TestKeys();
  other_keys.field_key = std::string(32, '\x44');
  std::string blob = *FieldCipher(TestKeys()).Encrypt("secret", "aad");
  EXPECT_EQ(FieldCipher(other_keys).Decrypt(blob, "aad").status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(CryptoFieldCipher, RejectsTruncatedAndUnknownVersion) {
  FieldCipher cipher(TestKeys());
  std::string blob = *cipher.Encrypt("", "aad");
  EXPECT_EQ(cipher.Decrypt(blob.substr(0, blob.size() - 1), "aad").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(cipher.Decrypt("", "aad").status().code(), absl::StatusCode::kInvalidArgument);
  std::string v2 = blob;
  v2[0] = '\x02';
  EXPECT_EQ(cipher.Decrypt(v2, "aad").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(CryptoFieldCipher, UnknownKeyIdIsFailedPrecondition) {
  auto keys2 = TestKeys();
  keys2.field_key_id = 2;
  std::string blob = *FieldCipher(keys2).Encrypt("secret", "aad");
  EXPECT_EQ(blob[1], '\x02');
  EXPECT_EQ(FieldCipher(TestKeys()).Decrypt(blob, "aad").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(CryptoFieldCipher, ConcurrentUseIsSafe) {
  const FieldCipher cipher(TestKeys());
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        std::string plaintext = std::to_string(t * 1000 + i);
        auto blob = cipher.Encrypt(plaintext, "aad");
        auto back = blob.ok() ? cipher.Decrypt(*blob, "aad") : blob.status();
        if (!back.ok() || *back != plaintext) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

}  // namespace
}  // namespace smd::crypto
