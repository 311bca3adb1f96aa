#include "domain/resident_id.h"

#include <array>

#include "domain/dates.h"
#include "domain/errors.h"

namespace smd::domain {
namespace {

constexpr std::string_view kField = "id_number";
constexpr std::size_t kLength = 18;
constexpr std::array<int, 17> kWeights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
constexpr std::string_view kCheckChars = "10X98765432";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view TrimAsciiWhitespace(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && IsAsciiSpace(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

int DigitsToInt(std::string_view digits) {
  int value = 0;
  for (char c : digits) {
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

std::string ComputeCheckChar(std::string_view first17) {
  if (first17.size() != kWeights.size()) {
    return "";
  }
  int sum = 0;
  for (std::size_t i = 0; i < kWeights.size(); ++i) {
    if (!IsDigit(first17[i])) {
      return "";
    }
    sum += (first17[i] - '0') * kWeights[i];
  }
  return std::string(1, kCheckChars[sum % 11]);
}

absl::StatusOr<ResidentId> ParseResidentId(std::string_view raw, absl::CivilDay today) {
  // GB 11643-1999 structure; rules.md §7 (the patient is identified by this number).
  const std::string_view trimmed = TrimAsciiWhitespace(raw);
  if (trimmed.size() != kLength) {
    return FieldError(kField, "身份证号码必须为18位", "must be 18 characters");
  }
  std::string number(trimmed);
  for (std::size_t i = 0; i + 1 < kLength; ++i) {
    if (!IsDigit(number[i])) {
      return FieldError(kField, "前17位必须为数字，末位为数字或X",
                        "the first 17 characters must be digits and the last a digit or X");
    }
  }
  if (number.back() == 'x') {
    number.back() = 'X';
  }
  if (!IsDigit(number.back()) && number.back() != 'X') {
    return FieldError(kField, "前17位必须为数字，末位为数字或X",
                      "the first 17 characters must be digits and the last a digit or X");
  }

  const std::string_view digits = number;
  const int year = DigitsToInt(digits.substr(6, 4));
  const int month = DigitsToInt(digits.substr(10, 2));
  const int day = DigitsToInt(digits.substr(12, 2));
  if (!IsRealDate(year, month, day)) {
    return FieldError(kField, "出生日期不是有效日期", "the birth date is not a valid date");
  }
  const absl::CivilDay birth(year, month, day);
  if (birth < absl::CivilDay(1900, 1, 1) || birth > today) {
    return FieldError(kField, "出生日期超出范围",
                      "the birth date must be between 1900-01-01 and today");
  }

  if (ComputeCheckChar(digits.substr(0, 17)) != digits.substr(17, 1)) {
    return FieldError(kField, "校验位错误", "checksum digit is wrong");
  }

  ResidentId id;
  id.birth_date = birth;
  id.sex = (digits[16] - '0') % 2 == 1 ? Sex::kMale : Sex::kFemale;
  id.region_prefix = std::string(digits.substr(0, 6));
  id.number = std::move(number);
  return id;
}

std::string MaskIdNumber(std::string_view number) {
  if (number.size() != kLength) {
    return std::string(number.size(), '*');
  }
  std::string masked(number.substr(0, 6));
  masked.append(8, '*');
  masked.append(number.substr(14, 4));
  return masked;
}

}  // namespace smd::domain
