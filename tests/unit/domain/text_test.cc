#include "domain/text.h"

#include <string>

#include "domain/dates.h"
#include "domain/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "unit/domain/test_helpers.h"

namespace smd::domain {
namespace {

using ::smd::domain::testing::IsFieldError;
using ::smd::domain::testing::IsOk;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(FieldError, FormatsFieldChineseAndEnglish) {
  absl::Status s = FieldError("guardian.phone", "必填", "required");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "guardian.phone: 必填 (required)");
}

TEST(Utf8Length, CountsCodePoints) {
  EXPECT_EQ(Utf8Length(""), 0u);
  EXPECT_EQ(Utf8Length("abc"), 3u);
  EXPECT_EQ(Utf8Length("张三"), 2u);
  EXPECT_EQ(Utf8Length("\xF0\x9F\x98\x80"), 1u);  // U+1F600
  EXPECT_EQ(Utf8Length("a\xC2\xA9"), 2u);         // U+00A9
}

TEST(Utf8Length, RejectsInvalidUtf8) {
  EXPECT_EQ(Utf8Length("\xFF"), std::nullopt);
  EXPECT_EQ(Utf8Length("\x80"), std::nullopt);              // lone continuation byte
  EXPECT_EQ(Utf8Length("\xE5\xBC"), std::nullopt);          // truncated
  EXPECT_EQ(Utf8Length("\xC0\xAF"), std::nullopt);          // overlong '/'
  EXPECT_EQ(Utf8Length("\xE0\x80\xAF"), std::nullopt);      // overlong
  EXPECT_EQ(Utf8Length("\xED\xA0\x80"), std::nullopt);      // surrogate U+D800
  EXPECT_EQ(Utf8Length("\xF4\x90\x80\x80"), std::nullopt);  // above U+10FFFF
  EXPECT_EQ(Utf8Length("\xE5\x41\x80"), std::nullopt);      // bad continuation
}

TEST(IsBlank, AsciiAndIdeographicSpaces) {
  EXPECT_TRUE(IsBlank(""));
  EXPECT_TRUE(IsBlank(" \t\n"));
  EXPECT_TRUE(IsBlank("\xE3\x80\x80 "));  // U+3000
  EXPECT_FALSE(IsBlank(" 张 "));
}

TEST(CheckText, RequiredAndOptional) {
  EXPECT_THAT(CheckText("name", "", /*required=*/false, 50), IsOk());
  absl::Status s = CheckText("name", "", /*required=*/true, 50);
  EXPECT_THAT(s, IsFieldError("name"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("required"));
  EXPECT_THAT(CheckText("name", "  \xE3\x80\x80", /*required=*/true, 50), IsFieldError("name"));
  EXPECT_THAT(CheckText("name", "  ", /*required=*/false, 50), IsOk());
}

TEST(CheckText, LengthIsInCodePoints) {
  const std::string fifty_han = [] {
    std::string s;
    for (int i = 0; i < 50; ++i) {
      s += "张";
    }
    return s;
  }();
  EXPECT_THAT(CheckText("name", fifty_han, true, 50), IsOk());  // 150 bytes, 50 characters
  absl::Status s = CheckText("name", fifty_han + "a", true, 50);
  EXPECT_THAT(s, IsFieldError("name"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("at most 50 characters"));
}

TEST(CheckText, RejectsInvalidUtf8AndControls) {
  absl::Status s = CheckText("address", "a\xFF", true, 200);
  EXPECT_THAT(s, IsFieldError("address"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("UTF-8"));
  for (const std::string& bad : {std::string("a\nb"), std::string("a\tb"), std::string("a\x7F"),
                                 std::string("a\xC2\x85"), std::string("a\0b", 3)}) {
    s = CheckText("address", bad, true, 200);
    EXPECT_THAT(s, IsFieldError("address"));
    EXPECT_THAT(std::string(s.message()), HasSubstr("control characters"));
  }
  EXPECT_THAT(CheckText("opinion", "a\r\nb\tc", false, 1000, TextLines::kMulti), IsOk());
  EXPECT_THAT(CheckText("opinion", "a\x01", false, 1000, TextLines::kMulti),
              IsFieldError("opinion"));
}

// The forms of a Chinese phone number (local 7 digits, mobile 11, area code with '-', +
// with spaces or '-', the 20-digit maximum), written with numbers that cannot be dialled
// (tests/support/synthetic.h): "0000..." and "+0..." lead to no country code.
TEST(CheckPhone, AcceptsCommonForms) {
  for (const char* ok : {"0000000", "00001380000", "0000-83712345", "+0 138 0000 0000",
                         "+0-25-8371-2345", "00001234567890123456"}) {
    EXPECT_THAT(CheckPhone("phone", ok, true), IsOk()) << ok;
  }
  EXPECT_THAT(CheckPhone("phone", "", false), IsOk());
}

TEST(CheckPhone, RejectsBadForms) {
  EXPECT_THAT(CheckPhone("guardian.phone", "", true), IsFieldError("guardian.phone"));
  for (const char* bad :
       {"000000", "000012345678901234567", "+", "++0013800000000", "000-0000--0000",
        "-00001380000", "00001380000-", " 00001380000", "000 0138 000a", "000.0138.0000",
        "(0000)8371234", "+ 0013800000", "００００１３８００００"}) {
    absl::Status s = CheckPhone("phone", bad, false);
    EXPECT_THAT(s, IsFieldError("phone")) << bad;
    if (std::string_view(bad).size() >= 6) {  // "+" or "--" occur in the reason itself
      EXPECT_THAT(std::string(s.message()), Not(HasSubstr(bad)));
    }
  }
}

TEST(Dates, IsRealDate) {
  EXPECT_TRUE(IsRealDate(2024, 2, 29));
  EXPECT_FALSE(IsRealDate(2023, 2, 29));
  EXPECT_FALSE(IsRealDate(1900, 2, 29));
  EXPECT_TRUE(IsRealDate(2000, 2, 29));
  EXPECT_FALSE(IsRealDate(2024, 4, 31));
  EXPECT_FALSE(IsRealDate(2024, 0, 1));
  EXPECT_FALSE(IsRealDate(2024, 13, 1));
  EXPECT_FALSE(IsRealDate(2024, 1, 0));
  EXPECT_FALSE(IsRealDate(0, 1, 1));
  EXPECT_FALSE(IsRealDate(10000, 1, 1));
}

TEST(Dates, ToCivilDay) {
  absl::StatusOr<absl::CivilDay> d = ToCivilDay("consent_date", 2024, 2, 29);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, absl::CivilDay(2024, 2, 29));
  EXPECT_THAT(ToCivilDay("consent_date", 2024, 2, 30).status(), IsFieldError("consent_date"));
}

}  // namespace
}  // namespace smd::domain
