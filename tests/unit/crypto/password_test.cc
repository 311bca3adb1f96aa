#include "crypto/password.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace smd::crypto {
namespace {

using ::testing::MatchesRegex;

// Low cost so the suite stays fast; the defaults are exercised once below.
constexpr PasswordParams kFast{.log2_n = 4, .r = 8, .p = 1};

TEST(CryptoPassword, HashHasDocumentedFormat) {
  auto encoded = HashPassword("correct horse", kFast);
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  // 16-byte salt -> 22 chars, 32-byte hash -> 43 chars.
  EXPECT_THAT(*encoded,
              MatchesRegex("\\$scrypt\\$ln=4,r=8,p=1\\$[A-Za-z0-9_-]{22}\\$[A-Za-z0-9_-]{43}"));
  EXPECT_NE(*encoded, *HashPassword("correct horse", kFast));  // fresh salt
}

TEST(CryptoPassword, VerifiesRightAndRejectsWrong) {
  std::string encoded = *HashPassword("Tr0ub4dor&3", kFast);
  EXPECT_TRUE(VerifyPassword("Tr0ub4dor&3", encoded));
  EXPECT_FALSE(VerifyPassword("Tr0ub4dor&4", encoded));
  EXPECT_FALSE(VerifyPassword("", encoded));
  std::string empty = *HashPassword("", kFast);
  EXPECT_TRUE(VerifyPassword("", empty));
  EXPECT_FALSE(VerifyPassword("x", empty));
}

TEST(CryptoPassword, DefaultParamsRoundTrip) {
  auto encoded = HashPassword("密码Password1");
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  EXPECT_EQ(encoded->rfind("$scrypt$ln=15,r=8,p=1$", 0), 0u);
  EXPECT_TRUE(VerifyPassword("密码Password1", *encoded));
  DummyVerify("anything");  // must not crash; timing is not asserted
}

TEST(CryptoPassword, ParamsAreReadFromTheEncoding) {
  std::string encoded = *HashPassword("pw", PasswordParams{.log2_n = 5, .r = 2, .p = 3});
  EXPECT_EQ(encoded.rfind("$scrypt$ln=5,r=2,p=3$", 0), 0u);
  EXPECT_TRUE(VerifyPassword("pw", encoded));
  // Changing the params in the string changes the derived hash.
  std::string altered = encoded;
  altered.replace(altered.find("ln=5"), 4, "ln=6");
  EXPECT_FALSE(VerifyPassword("pw", altered));
}

TEST(CryptoPassword, MalformedEncodingsFail) {
  std::string good = *HashPassword("pw", kFast);
  for (std::string bad :
       {std::string(), std::string("pw"), std::string("$scrypt$"), good.substr(1), good + "$",
        good.substr(0, good.size() - 1), "$bcrypt" + good.substr(7)}) {
    EXPECT_FALSE(VerifyPassword("pw", bad)) << bad;
  }
  std::string reordered = good;
  reordered.replace(reordered.find("ln=4,r=8"), 8, "r=8,ln=4");
  EXPECT_FALSE(VerifyPassword("pw", reordered));
}

TEST(CryptoPassword, RejectsAbsurdParams) {
  for (PasswordParams p :
       {PasswordParams{.log2_n = 3}, PasswordParams{.log2_n = 21},
        PasswordParams{.log2_n = 10, .r = 0}, PasswordParams{.r = 17}, PasswordParams{.p = 0},
        PasswordParams{.p = 17}, PasswordParams{.log2_n = 20, .r = 16}}) {
    EXPECT_EQ(HashPassword("pw", p).status().code(), absl::StatusCode::kInvalidArgument)
        << p.log2_n << " " << p.r << " " << p.p;
  }
  std::string good = *HashPassword("pw", kFast);
  std::string absurd = good;
  absurd.replace(absurd.find("ln=4"), 4, "ln=30");
  EXPECT_FALSE(VerifyPassword("pw", absurd));
}

TEST(CryptoPassword, StrengthRules) {
  EXPECT_TRUE(CheckPasswordStrength("abcdefghi1").ok());
  EXPECT_TRUE(CheckPasswordStrength("ABCDEFGHIj").ok());
  EXPECT_TRUE(CheckPasswordStrength("abcdefghi!").ok());
  EXPECT_TRUE(CheckPasswordStrength("密码密码abcd").ok());  // non-ASCII counts as "other"
  EXPECT_FALSE(CheckPasswordStrength("abcdefghij").ok());   // one kind
  EXPECT_FALSE(CheckPasswordStrength("1234567890").ok());
  EXPECT_FALSE(CheckPasswordStrength("Abc123!").ok());  // too short
  absl::Status s = CheckPasswordStrength("short");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("at least 10 characters"));
  EXPECT_THAT(std::string(s.message()), ::testing::Not(::testing::HasSubstr("short")));
}

}  // namespace
}  // namespace smd::crypto
