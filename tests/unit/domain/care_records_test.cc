#include "domain/care_records.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "unit/domain/test_helpers.h"

namespace smd::domain {
namespace {

using ::smd::domain::testing::IsFieldError;
using ::smd::domain::testing::IsOk;

const absl::TimeZone kBeijing = absl::FixedTimeZone(8 * 3600);
// 2024-03-01 10:00 Beijing.
const absl::Time kNow = absl::FromCivil(absl::CivilSecond(2024, 3, 1, 10, 0, 0), kBeijing);
const absl::CivilDay kBirth(1980, 1, 1);

Emergency Valid() {
  Emergency e;
  e.started_at = kNow - absl::Hours(3);
  e.ended_at = kNow - absl::Hours(1);
  e.place = "患者家中";
  e.trigger = EmergencyTrigger::kEndangersOthers;
  e.measures = "劝说，送医";
  return e;
}

TEST(ValidateEmergency, AcceptsARecentRecord) {
  EXPECT_THAT(ValidateEmergency(Valid(), kNow, kBirth), IsOk());
  Emergency open = Valid();
  open.ended_at = absl::InfinitePast();  // still going on
  EXPECT_THAT(ValidateEmergency(open, kNow, kBirth), IsOk());
}

TEST(ValidateEmergency, StartMustBeSetAndNotInTheFuture) {
  Emergency e = Valid();
  e.started_at = absl::InfinitePast();
  EXPECT_THAT(ValidateEmergency(e, kNow, kBirth), IsFieldError("started_at"));
  e.started_at = kNow + absl::Minutes(6);
  EXPECT_THAT(ValidateEmergency(e, kNow, kBirth), IsFieldError("started_at"));
  e.started_at = kNow + absl::Minutes(4);  // clock skew
  e.ended_at = absl::InfinitePast();
  EXPECT_THAT(ValidateEmergency(e, kNow, kBirth), IsOk());
}

// A start at the epoch (an unset client clock) or before the system's floor is refused.
TEST(ValidateEmergency, StartBefore2000OrBeforeBirthIsRefused) {
  Emergency e = Valid();
  e.started_at = absl::UnixEpoch() + absl::Seconds(1);
  EXPECT_THAT(ValidateEmergency(e, kNow, kBirth), IsFieldError("started_at"));
  // 1999-12-31 23:59 Beijing is still before the floor; 2000-01-01 00:00 is not.
  e.started_at = absl::FromCivil(absl::CivilSecond(1999, 12, 31, 23, 59, 0), kBeijing);
  EXPECT_THAT(ValidateEmergency(e, kNow, kBirth), IsFieldError("started_at"));
  e.started_at = absl::FromCivil(absl::CivilSecond(2000, 1, 1, 0, 0, 0), kBeijing);
  EXPECT_THAT(ValidateEmergency(e, kNow, kBirth), IsOk());
  // Born in 2005: an emergency in 2004 cannot be this patient's.
  e.started_at = absl::FromCivil(absl::CivilSecond(2004, 6, 1, 0, 0, 0), kBeijing);
  EXPECT_THAT(ValidateEmergency(e, kNow, absl::CivilDay(2005, 1, 1)), IsFieldError("started_at"));
  EXPECT_THAT(ValidateEmergency(e, kNow, kBirth), IsOk());
}

TEST(ValidateEmergency, EndBetweenStartAndNow) {
  Emergency e = Valid();
  e.ended_at = e.started_at - absl::Seconds(1);
  EXPECT_THAT(ValidateEmergency(e, kNow, kBirth), IsFieldError("ended_at"));
  e.ended_at = kNow + absl::Hours(1);
  EXPECT_THAT(ValidateEmergency(e, kNow, kBirth), IsFieldError("ended_at"));
}

TEST(ValidateEmergency, TextsAndTriggerInFieldOrder) {
  Emergency e = Valid();
  e.place.clear();
  e.trigger = EmergencyTrigger::kUnspecified;
  EXPECT_THAT(ValidateEmergency(e, kNow, kBirth), IsFieldError("place"));
  e.place = "家中";
  EXPECT_THAT(ValidateEmergency(e, kNow, kBirth), IsFieldError("trigger"));
  e.trigger = EmergencyTrigger::kRelapse;
  e.measures.clear();
  EXPECT_THAT(ValidateEmergency(e, kNow, kBirth), IsFieldError("measures"));
}

}  // namespace
}  // namespace smd::domain
