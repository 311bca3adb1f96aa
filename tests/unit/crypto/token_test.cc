#include "crypto/token.h"

#include <string>

#include "crypto/hash.h"
#include "gtest/gtest.h"

namespace smd::crypto {
namespace {

TEST(CryptoToken, HasPrefixLengthAndHash) {
  IssuedToken t = NewSessionToken();
  EXPECT_EQ(t.token.size(), 47u);
  EXPECT_EQ(t.token.rfind("smd_", 0), 0u);
  EXPECT_TRUE(LooksLikeToken(t.token));
  EXPECT_EQ(t.hash.size(), 32u);
  EXPECT_EQ(t.hash, Sha256(t.token));
  EXPECT_EQ(t.hash, TokenHash(t.token));
  EXPECT_NE(NewSessionToken().token, t.token);
}

TEST(CryptoToken, LooksLikeTokenRejectsOtherShapes) {
  std::string good = NewSessionToken().token;
  EXPECT_FALSE(LooksLikeToken(""));
  EXPECT_FALSE(LooksLikeToken(good.substr(0, 46)));
  EXPECT_FALSE(LooksLikeToken(good + "A"));
  EXPECT_FALSE(LooksLikeToken("xyz_" + good.substr(4)));
  std::string bad_char = good;
  bad_char[10] = '+';
  EXPECT_FALSE(LooksLikeToken(bad_char));
  EXPECT_FALSE(LooksLikeToken("Bearer " + good));
}

}  // namespace
}  // namespace smd::crypto
