#include "domain/care_records.h"

#include "common/status_macros.h"
#include "domain/dates.h"
#include "domain/errors.h"
#include "domain/text.h"

namespace smd::domain {
namespace {

// Register dates are Beijing dates (docs/style.md "Time and randomness").
const absl::TimeZone& Beijing() {
  static const absl::TimeZone tz = absl::FixedTimeZone(8 * 3600);
  return tz;
}

}  // namespace

absl::Status ValidateEmergency(const Emergency& e, absl::Time now, absl::CivilDay birth_date) {
  if (e.started_at == absl::InfinitePast() || e.started_at > now + kEmergencyClockSkew) {
    return FieldError("started_at", "开始时间必填且不能晚于现在", "required and not in the future");
  }
  const absl::CivilDay start_day = absl::ToCivilDay(e.started_at, Beijing());
  if (start_day < kEarliestRecordDate) {
    return FieldError("started_at", "不能早于2000年1月1日", "must not be before 2000-01-01");
  }
  if (start_day < birth_date) {
    return FieldError("started_at", "不能早于出生日期", "must not be before the birth date");
  }
  if (e.ended_at != absl::InfinitePast()) {
    if (e.ended_at < e.started_at) {
      return FieldError("ended_at", "结束时间早于开始时间", "before started_at");
    }
    if (e.ended_at > now + kEmergencyClockSkew) {
      return FieldError("ended_at", "结束时间不能晚于现在", "must not be in the future");
    }
  }
  RETURN_IF_ERROR(CheckText("place", e.place, true, 200));
  if (e.trigger == EmergencyTrigger::kUnspecified) {
    return FieldError("trigger", "请选择处置原因", "required (1..4, rules.md §6)");
  }
  RETURN_IF_ERROR(CheckText("description", e.description, false, 2000, TextLines::kMulti));
  RETURN_IF_ERROR(CheckText("measures", e.measures, true, 2000, TextLines::kMulti));
  RETURN_IF_ERROR(CheckText("outcome", e.outcome, false, 1000, TextLines::kMulti));
  RETURN_IF_ERROR(CheckText("people_involved", e.people_involved, false, 500));
  return absl::OkStatus();
}

}  // namespace smd::domain
