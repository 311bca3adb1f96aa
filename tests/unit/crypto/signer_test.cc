#include "crypto/signer.h"

#include <string>
#include <thread>
#include <vector>

#include "crypto/encoding.h"
#include "gtest/gtest.h"
#include "test_keys.h"

namespace smd::crypto {
namespace {

using test::TestKeys;

TEST(CryptoSigner, SignsAndVerifies) {
  Signer signer(TestKeys());
  EXPECT_EQ(signer.PublicKey().size(), 32u);
  std::string sig = signer.Sign("checkpoint 42");
  EXPECT_EQ(sig.size(), 64u);
  EXPECT_TRUE(VerifyEd25519(signer.PublicKey(), "checkpoint 42", sig));
  EXPECT_EQ(sig, signer.Sign("checkpoint 42"));  // Ed25519 is deterministic
  EXPECT_TRUE(VerifyEd25519(signer.PublicKey(), "", signer.Sign("")));
}

TEST(CryptoSigner, RejectsTamperedMessageSignatureOrKey) {
  Signer signer(TestKeys());
  std::string sig = signer.Sign("checkpoint 42");
  EXPECT_FALSE(VerifyEd25519(signer.PublicKey(), "checkpoint 43", sig));
  std::string bad_sig = sig;
  bad_sig[5] = static_cast<char>(bad_sig[5] ^ 1);
  EXPECT_FALSE(VerifyEd25519(signer.PublicKey(), "checkpoint 42", bad_sig));
  KeyRing other = TestKeys();
  other.audit_key = std::string(32, '\x66');
  EXPECT_FALSE(VerifyEd25519(Signer(other).PublicKey(), "checkpoint 42", sig));
  EXPECT_FALSE(VerifyEd25519("short", "checkpoint 42", sig));
  EXPECT_FALSE(VerifyEd25519(signer.PublicKey(), "checkpoint 42", sig.substr(1)));
}

TEST(CryptoSigner, Rfc8032TestVector1) {
  KeyRing keys = TestKeys();
  keys.audit_key = *HexDecode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  Signer signer(keys);
  EXPECT_EQ(HexEncode(signer.PublicKey()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  EXPECT_EQ(HexEncode(signer.Sign("")),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
            "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
}

TEST(CryptoSigner, ConcurrentSignIsSafe) {
  const Signer signer(TestKeys());
  const std::string expected = signer.Sign("m");
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        if (signer.Sign("m") != expected) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

}  // namespace
}  // namespace smd::crypto
