#include "crypto/hash.h"

#include <string>

#include "crypto/encoding.h"
#include "gtest/gtest.h"

namespace smd::crypto {
namespace {

TEST(CryptoHash, Sha256KnownVector) {
  EXPECT_EQ(HexEncode(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexEncode(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(CryptoHash, Sha256OfTwoPartsIsTheirConcatenationsHash) {
  EXPECT_EQ(Sha256("ab", "c"), Sha256("abc"));
  EXPECT_EQ(Sha256("", "abc"), Sha256("abc"));
  EXPECT_EQ(Sha256("abc", ""), Sha256("abc"));
  EXPECT_EQ(Sha256("", ""), Sha256(""));
  const std::string big(100000, 'x');
  EXPECT_EQ(Sha256(big.substr(0, 33333), big.substr(33333)), Sha256(big));
}

TEST(CryptoHash, HmacSha256Rfc4231Case2) {
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(CryptoHash, HmacSha256AcceptsEmptyKeyAndData) {
  // Python: hmac.new(b"", b"", hashlib.sha256).hexdigest()
  EXPECT_EQ(HexEncode(HmacSha256("", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(CryptoHash, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
}

}  // namespace
}  // namespace smd::crypto
