#include "domain/rehab_records.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "unit/domain/test_helpers.h"

namespace smd::domain {
namespace {

using ::smd::domain::testing::IsFieldError;
using ::smd::domain::testing::IsOk;

const absl::CivilDay kToday(2024, 3, 1);
const absl::CivilDay kRegistered(2023, 6, 1);

RehabSession ValidSession() {
  RehabSession s;
  s.session_date = absl::CivilDay(2024, 2, 20);
  s.activity = RehabActivity::kSunshineGarden;
  s.place = "宁海路街道阳光心园";
  s.duration_minutes = 90;
  return s;
}

PsychSupport ValidSupport() {
  PsychSupport p;
  p.support_date = absl::CivilDay(2024, 2, 20);
  p.recipients = SupportRecipients::kBoth;
  p.family_members = "母亲";
  p.method = SupportMethod::kFaceToFace;
  return p;
}

TEST(ValidateRehabSession, AcceptsASunshineGardenDay) {
  EXPECT_THAT(ValidateRehabSession(ValidSession(), kToday, kRegistered), IsOk());
  RehabSession s = ValidSession();
  s.duration_minutes.reset();  // not recorded
  s.session_date = kToday;     // today and the registration day itself are fine
  EXPECT_THAT(ValidateRehabSession(s, kToday, kRegistered), IsOk());
  s.session_date = kRegistered;
  EXPECT_THAT(ValidateRehabSession(s, kToday, kRegistered), IsOk());
}

TEST(ValidateRehabSession, DateNotInTheFutureNorBeforeRegistration) {
  RehabSession s = ValidSession();
  s.session_date = kToday + 1;
  EXPECT_THAT(ValidateRehabSession(s, kToday, kRegistered), IsFieldError("session_date"));
  s.session_date = kRegistered - 1;
  const absl::Status before = ValidateRehabSession(s, kToday, kRegistered);
  EXPECT_THAT(before, IsFieldError("session_date"));
  EXPECT_THAT(std::string(before.message()), ::testing::HasSubstr("2023-06-01"));
}

TEST(ValidateRehabSession, ActivityPlaceProgrammeDuration) {
  RehabSession s = ValidSession();
  s.activity = RehabActivity::kUnspecified;
  EXPECT_THAT(ValidateRehabSession(s, kToday, kRegistered), IsFieldError("activity"));
  s.activity = static_cast<RehabActivity>(7);  // a gap in the numbering
  EXPECT_THAT(ValidateRehabSession(s, kToday, kRegistered), IsFieldError("activity"));
  s = ValidSession();
  s.place = "  ";
  EXPECT_THAT(ValidateRehabSession(s, kToday, kRegistered), IsFieldError("place"));
  s = ValidSession();
  s.activity = RehabActivity::kOther;
  EXPECT_THAT(ValidateRehabSession(s, kToday, kRegistered), IsFieldError("programme"));
  s.programme = "园艺";
  EXPECT_THAT(ValidateRehabSession(s, kToday, kRegistered), IsOk());
  s.duration_minutes = 0;
  EXPECT_THAT(ValidateRehabSession(s, kToday, kRegistered), IsFieldError("duration_minutes"));
  s.duration_minutes = 721;
  EXPECT_THAT(ValidateRehabSession(s, kToday, kRegistered), IsFieldError("duration_minutes"));
  s.duration_minutes = 720;
  s.note = std::string(501, 'x');
  EXPECT_THAT(ValidateRehabSession(s, kToday, kRegistered), IsFieldError("note"));
}

TEST(ValidatePsychSupport, AcceptsSupportToPatientFamilyOrBoth) {
  EXPECT_THAT(ValidatePsychSupport(ValidSupport(), kToday, kRegistered), IsOk());
  PsychSupport p = ValidSupport();
  p.recipients = SupportRecipients::kPatient;
  p.family_members.clear();
  p.method = SupportMethod::kPhone;
  EXPECT_THAT(ValidatePsychSupport(p, kToday, kRegistered), IsOk());
}

TEST(ValidatePsychSupport, RefusalsNameTheField) {
  PsychSupport p = ValidSupport();
  p.support_date = kToday + 1;
  EXPECT_THAT(ValidatePsychSupport(p, kToday, kRegistered), IsFieldError("support_date"));
  p = ValidSupport();
  p.recipients = SupportRecipients::kUnspecified;
  EXPECT_THAT(ValidatePsychSupport(p, kToday, kRegistered), IsFieldError("recipients"));
  p.recipients = static_cast<SupportRecipients>(4);
  EXPECT_THAT(ValidatePsychSupport(p, kToday, kRegistered), IsFieldError("recipients"));
  p = ValidSupport();
  p.recipients = SupportRecipients::kPatient;  // but family members named
  EXPECT_THAT(ValidatePsychSupport(p, kToday, kRegistered), IsFieldError("family_members"));
  p = ValidSupport();
  p.method = SupportMethod::kUnspecified;
  EXPECT_THAT(ValidatePsychSupport(p, kToday, kRegistered), IsFieldError("method"));
  p = ValidSupport();
  p.provider = "a\nb";
  EXPECT_THAT(ValidatePsychSupport(p, kToday, kRegistered), IsFieldError("provider"));
}

TEST(RehabNames, EveryKnownCodeHasAChineseName) {
  for (int a : {1, 2, 3, 4, 5, 6, 9}) {
    EXPECT_FALSE(RehabActivityNameZh(static_cast<RehabActivity>(a)).empty()) << a;
  }
  EXPECT_TRUE(RehabActivityNameZh(RehabActivity::kUnspecified).empty());
  EXPECT_EQ(SupportRecipientsNameZh(SupportRecipients::kBoth), "患者及家属");
  EXPECT_EQ(SupportMethodNameZh(SupportMethod::kPhone), "电话");
}

}  // namespace
}  // namespace smd::domain
