#pragma once
// Calendar-date helpers for form dates. Pure, thread-safe.

#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"

namespace smd::domain {

// The earliest date a record may carry: a visit, the start of an emergency, a
// registration date given on import, a metrics cut-off. Records from before the national
// platform era are not entered (rules.md §3 随访日期; the 2012 and 2018 specs). It also
// catches an unset date or client clock (1970-01-01).
inline constexpr absl::CivilDay kEarliestRecordDate{2000, 1, 1};

// True when year-month-day is a real Gregorian date with year 1..9999 (2024-02-29 yes,
// 2023-02-29 no).
bool IsRealDate(int year, int month, int day);

// The CivilDay of a real date. absl::CivilDay itself silently normalizes (Feb 30 -> Mar 1
// or 2), so API conversions must build dates through this function.
// Errors: INVALID_ARGUMENT "<field>: 日期无效 (not a valid calendar date)".
absl::StatusOr<absl::CivilDay> ToCivilDay(std::string_view field, int year, int month, int day);

}  // namespace smd::domain
