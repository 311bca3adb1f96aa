#pragma once
// Calendar-date helpers for form dates. Pure, thread-safe.

#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"

namespace smd::domain {

// True when year-month-day is a real Gregorian date with year 1..9999 (2024-02-29 yes,
// 2023-02-29 no).
bool IsRealDate(int year, int month, int day);

// The CivilDay of a real date. absl::CivilDay itself silently normalizes (Feb 30 -> Mar 1
// or 2), so API conversions must build dates through this function.
// Errors: INVALID_ARGUMENT "<field>: 日期无效 (not a valid calendar date)".
absl::StatusOr<absl::CivilDay> ToCivilDay(std::string_view field, int year, int month, int day);

}  // namespace smd::domain
