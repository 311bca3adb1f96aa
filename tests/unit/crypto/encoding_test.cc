#include "crypto/encoding.h"

#include <string>

#include "gtest/gtest.h"

namespace smd::crypto {
namespace {

TEST(CryptoHex, EncodesLowercaseAndRoundTrips) {
  std::string bytes("\x00\x01\xab\xff", 4);
  EXPECT_EQ(HexEncode(bytes), "0001abff");
  EXPECT_EQ(*HexDecode("0001abff"), bytes);
  EXPECT_EQ(*HexDecode("0001ABFF"), bytes);
  EXPECT_EQ(HexEncode(""), "");
  EXPECT_EQ(*HexDecode(""), "");
}

TEST(CryptoHex, RejectsOddLengthAndBadCharacters) {
  EXPECT_EQ(HexDecode("abc").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(HexDecode("zz").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(HexDecode("0 ").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(CryptoBase64Url, EncodesWithoutPaddingAndRoundTrips) {
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
  for (size_t n = 0; n < 40; ++n) {
    std::string bytes;
    for (size_t i = 0; i < n; ++i) bytes.push_back(static_cast<char>(i * 37 + n));
    auto decoded = Base64UrlDecode(Base64UrlEncode(bytes));
    ASSERT_TRUE(decoded.ok()) << n;
    EXPECT_EQ(*decoded, bytes);
  }
}

TEST(CryptoBase64Url, RejectsNonCanonicalText) {
  EXPECT_FALSE(Base64UrlDecode("Zg==").ok());  // padding
  EXPECT_FALSE(Base64UrlDecode("Zh").ok());    // non-zero unused bits
  EXPECT_FALSE(Base64UrlDecode("Z").ok());     // impossible length
  EXPECT_FALSE(Base64UrlDecode("Zm9v+mFy").ok());
  EXPECT_FALSE(Base64UrlDecode("Zm9v YmFy").ok());
}

}  // namespace
}  // namespace smd::crypto
