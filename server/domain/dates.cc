#include "domain/dates.h"

#include "domain/errors.h"

namespace smd::domain {

bool IsRealDate(int year, int month, int day) {
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 || day > 31) {
    return false;
  }
  const absl::CivilDay d(year, month, day);
  return d.year() == year && d.month() == month && d.day() == day;
}

absl::StatusOr<absl::CivilDay> ToCivilDay(std::string_view field, int year, int month, int day) {
  if (!IsRealDate(year, month, day)) {
    return FieldError(field, "日期无效", "not a valid calendar date");
  }
  return absl::CivilDay(year, month, day);
}

}  // namespace smd::domain
