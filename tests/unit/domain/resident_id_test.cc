#include "domain/resident_id.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "unit/domain/test_helpers.h"

namespace smd::domain {
namespace {

using ::smd::domain::testing::First17;
using ::smd::domain::testing::IsFieldError;
using ::smd::domain::testing::kToday;
using ::smd::domain::testing::SyntheticId;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Message(const absl::StatusOr<ResidentId>& r) {
  return std::string(r.status().message());
}

TEST(ComputeCheckChar, FollowsIso7064Mod112) {
  // Weighted sum of 17 zeros is 0 -> '1'; of "00000000000000001" is 2 -> 'X' (index 2).
  EXPECT_EQ(ComputeCheckChar("00000000000000000"), "1");
  EXPECT_EQ(ComputeCheckChar("00000000000000001"), "X");
  // "10000000000000000": 7 -> index 7 -> '5'. "01000000000000000": 9 -> '3'.
  EXPECT_EQ(ComputeCheckChar("10000000000000000"), "5");
  EXPECT_EQ(ComputeCheckChar("01000000000000000"), "3");
  // Every residue 0..10 maps to "10X98765432": vary the last digit (weight 2).
  const std::string kChars = "10X98765432";
  for (int d = 0; d <= 9; ++d) {
    const std::string first17 = std::string(16, '0') + static_cast<char>('0' + d);
    EXPECT_EQ(ComputeCheckChar(first17), std::string(1, kChars[(2 * d) % 11])) << d;
  }
}

TEST(ComputeCheckChar, RejectsBadInput) {
  EXPECT_EQ(ComputeCheckChar(""), "");
  EXPECT_EQ(ComputeCheckChar("1234567890123456"), "");
  EXPECT_EQ(ComputeCheckChar("123456789012345678"), "");
  EXPECT_EQ(ComputeCheckChar("1234567890123456a"), "");
}

TEST(ParseResidentId, ParsesASyntheticMaleId) {
  const std::string id = SyntheticId(absl::CivilDay(1990, 1, 1), 123);
  absl::StatusOr<ResidentId> r = ParseResidentId(id, kToday);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->number, id);
  EXPECT_EQ(r->birth_date, absl::CivilDay(1990, 1, 1));
  EXPECT_EQ(r->sex, Sex::kMale);  // digit 17 = 3
  EXPECT_EQ(r->region_prefix, "320106");
}

TEST(ParseResidentId, EvenSequenceDigitIsFemale) {
  absl::StatusOr<ResidentId> r =
      ParseResidentId(SyntheticId(absl::CivilDay(1985, 7, 15), 124), kToday);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->sex, Sex::kFemale);
  EXPECT_EQ(r->birth_date, absl::CivilDay(1985, 7, 15));
}

TEST(ParseResidentId, TrimsWhitespaceAndUppercasesX) {
  // Find a synthetic sequence whose check character is X.
  std::string first17;
  for (int seq = 0; seq < 1000; ++seq) {
    first17 = First17("320106", absl::CivilDay(1990, 1, 1), seq);
    if (ComputeCheckChar(first17) == "X") {
      break;
    }
  }
  ASSERT_EQ(ComputeCheckChar(first17), "X");
  absl::StatusOr<ResidentId> r = ParseResidentId("  " + first17 + "x\t", kToday);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->number, first17 + "X");
  EXPECT_TRUE(ParseResidentId(first17 + "X", kToday).ok());
}

TEST(ParseResidentId, RejectsWrongLength) {
  const std::string id = SyntheticId();
  for (const std::string& bad : {std::string(), id.substr(0, 17), id + "0", id.substr(0, 15)}) {
    absl::StatusOr<ResidentId> r = ParseResidentId(bad, kToday);
    EXPECT_THAT(r.status(), IsFieldError("id_number"));
    EXPECT_THAT(Message(r), HasSubstr("18 characters"));
  }
}

TEST(ParseResidentId, RejectsBadCharacters) {
  const std::string id = SyntheticId();
  std::string letter_inside = id;
  letter_inside[3] = 'A';
  std::string x_inside = id;
  x_inside[10] = 'X';
  std::string bad_last = id;
  bad_last[17] = 'Y';
  std::string non_ascii = id.substr(0, 16) + "\xC3\xA9";  // 18 bytes, last two non-ASCII
  for (const std::string& bad : {letter_inside, x_inside, bad_last, non_ascii}) {
    absl::StatusOr<ResidentId> r = ParseResidentId(bad, kToday);
    EXPECT_THAT(r.status(), IsFieldError("id_number"));
    EXPECT_THAT(Message(r), HasSubstr("digits")) << r.status();
  }
}

TEST(ParseResidentId, RejectsImpossibleBirthDates) {
  for (const char* date : {"19900230", "19901301", "19900001", "19900100", "20230229"}) {
    const std::string first17 = std::string("320106") + date + "123";
    absl::StatusOr<ResidentId> r = ParseResidentId(first17 + ComputeCheckChar(first17), kToday);
    EXPECT_THAT(r.status(), IsFieldError("id_number"));
    EXPECT_THAT(Message(r), HasSubstr("not a valid date")) << date;
  }
  // A leap day is a real date.
  EXPECT_TRUE(ParseResidentId(SyntheticId(absl::CivilDay(2000, 2, 29)), kToday).ok());
}

TEST(ParseResidentId, RejectsBirthDatesOutOfRange) {
  for (absl::CivilDay birth : {absl::CivilDay(1899, 12, 31), absl::CivilDay(2024, 3, 2)}) {
    absl::StatusOr<ResidentId> r = ParseResidentId(SyntheticId(birth), kToday);
    EXPECT_THAT(r.status(), IsFieldError("id_number"));
    EXPECT_THAT(Message(r), HasSubstr("between 1900-01-01 and today")) << birth;
  }
  EXPECT_TRUE(ParseResidentId(SyntheticId(absl::CivilDay(1900, 1, 1)), kToday).ok());
  EXPECT_TRUE(ParseResidentId(SyntheticId(kToday), kToday).ok());
}

TEST(ParseResidentId, RejectsWrongChecksum) {
  const std::string id = SyntheticId();
  const std::string kChars = "0123456789X";
  for (char c : kChars) {
    if (c == id.back()) {
      continue;
    }
    absl::StatusOr<ResidentId> r = ParseResidentId(id.substr(0, 17) + c, kToday);
    EXPECT_THAT(r.status(), IsFieldError("id_number"));
    EXPECT_THAT(Message(r), HasSubstr("checksum")) << c;
  }
  // A single mistyped digit is caught.
  std::string typo = id;
  typo[16] = typo[16] == '9' ? '8' : typo[16] + 1;
  EXPECT_THAT(Message(ParseResidentId(typo, kToday)), HasSubstr("checksum"));
}

TEST(ParseResidentId, ErrorNeverContainsTheNumber) {
  const std::string id = SyntheticId();
  std::string wrong = id.substr(0, 17) + (id.back() == '0' ? '1' : '0');
  for (const std::string& bad : {wrong, id.substr(0, 17), "A" + id.substr(1)}) {
    absl::StatusOr<ResidentId> r = ParseResidentId(bad, kToday);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(Message(r), Not(HasSubstr(bad.substr(0, 10))));
    EXPECT_THAT(Message(r), Not(HasSubstr("19900101")));
  }
}

TEST(MaskIdNumber, KeepsFirstSixAndLastFour) {
  EXPECT_EQ(MaskIdNumber("32010619900101123X"), "320106********123X");
  const std::string id = SyntheticId();
  EXPECT_EQ(MaskIdNumber(id), id.substr(0, 6) + "********" + id.substr(14));
}

TEST(MaskIdNumber, MasksEverythingWhenNotEighteen) {
  EXPECT_EQ(MaskIdNumber(""), "");
  EXPECT_EQ(MaskIdNumber("12345"), "*****");
  EXPECT_EQ(MaskIdNumber("3201061990010112345"), std::string(19, '*'));
}

}  // namespace
}  // namespace smd::domain
