#include "domain/patient_rules.h"

#include <functional>
#include <string>
#include <vector>

#include "domain/resident_id.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "unit/domain/test_helpers.h"

namespace smd::domain {
namespace {

using ::smd::domain::testing::HasCode;
using ::smd::domain::testing::IsFieldError;
using ::smd::domain::testing::IsOk;
using ::smd::domain::testing::kToday;
using ::smd::domain::testing::SyntheticId;
using ::smd::domain::testing::ValidRegistration;
using ::testing::HasSubstr;
using ::testing::Not;

absl::Status Register(const Patient& p) { return ValidatePatientDetails(p, kToday, true); }

// A stored patient (for update and close): identity derived.
Patient Stored() {
  Patient p = ValidRegistration();
  EXPECT_THAT(DeriveIdentity(p, kToday), IsOk());
  return p;
}

std::string Repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    out.append(s);
  }
  return out;
}

TEST(ValidatePatientDetails, ValidRegistrationPasses) {
  EXPECT_THAT(Register(ValidRegistration()), IsOk());
  EXPECT_THAT(ValidatePatientDetails(Stored(), kToday, false), IsOk());
}

TEST(ValidatePatientDetails, MinimalRegistrationPasses) {
  Patient p;
  p.id_number = SyntheticId();
  p.name = "张";
  p.address = "鼓楼";
  p.jurisdiction = "320106001003";
  p.guardian.name = "李";
  p.guardian.relationship = "父";
  p.guardian.phone = "00001380000";
  p.diagnosis = DiagnosisCategory::kBipolar;
  p.icd10 = "F31";
  EXPECT_THAT(Register(p), IsOk());
}

TEST(ValidatePatientDetails, IdNumberOnRegistrationOnly) {
  Patient p = ValidRegistration();
  p.id_number = p.id_number.substr(0, 17) + (p.id_number.back() == '0' ? "1" : "0");
  absl::Status s = Register(p);
  EXPECT_THAT(s, IsFieldError("id_number"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("checksum"));
  // On update the number is not editable, hence not checked.
  Patient stored = Stored();
  stored.id_number = "";
  EXPECT_THAT(ValidatePatientDetails(stored, kToday, false), IsOk());
}

// One mutation of a valid registration and the field it must be reported on.
struct Mutation {
  std::string name;
  std::function<void(Patient&)> mutate;
  std::string field;  // "" = still valid
};

std::vector<Mutation> Mutations() {
  const std::string s51 = Repeat("张", 51);
  return {
      // name
      {"name empty", [](Patient& p) { p.name = ""; }, "name"},
      {"name blank", [](Patient& p) { p.name = " \xE3\x80\x80"; }, "name"},
      {"name 50 han", [](Patient& p) { p.name = Repeat("张", 50); }, ""},
      {"name 51 han", [s51](Patient& p) { p.name = s51; }, "name"},
      {"name control", [](Patient& p) { p.name = "张\n三"; }, "name"},
      {"name bad utf8", [](Patient& p) { p.name = "\xE5\xBC"; }, "name"},
      // phones
      {"phone optional", [](Patient& p) { p.phone = ""; }, ""},
      {"phone bad", [](Patient& p) { p.phone = "12345"; }, "phone"},
      {"guardian phone required", [](Patient& p) { p.guardian.phone = ""; }, "guardian.phone"},
      {"guardian phone bad", [](Patient& p) { p.guardian.phone = "138x"; }, "guardian.phone"},
      {"community contact phone optional", [](Patient& p) { p.community_contact_phone = ""; }, ""},
      {"community contact phone bad", [](Patient& p) { p.community_contact_phone = "--"; },
       "community_contact_phone"},
      // address
      {"address required", [](Patient& p) { p.address = ""; }, "address"},
      {"address 200", [](Patient& p) { p.address = Repeat("路", 200); }, ""},
      {"address 201", [](Patient& p) { p.address = Repeat("路", 201); }, "address"},
      // jurisdiction
      {"jurisdiction required", [](Patient& p) { p.jurisdiction = ""; }, "jurisdiction"},
      {"jurisdiction street", [](Patient& p) { p.jurisdiction = "320106001"; }, "jurisdiction"},
      {"jurisdiction not digits", [](Patient& p) { p.jurisdiction = "32010600100a"; },
       "jurisdiction"},
      // guardian
      {"guardian name required", [](Patient& p) { p.guardian.name = ""; }, "guardian.name"},
      {"guardian name 51", [s51](Patient& p) { p.guardian.name = s51; }, "guardian.name"},
      {"relationship required", [](Patient& p) { p.guardian.relationship = ""; },
       "guardian.relationship"},
      {"relationship 20", [](Patient& p) { p.guardian.relationship = Repeat("母", 20); }, ""},
      {"relationship 21", [](Patient& p) { p.guardian.relationship = Repeat("母", 21); },
       "guardian.relationship"},
      {"guardian address optional", [](Patient& p) { p.guardian.address = ""; }, ""},
      {"guardian address 201", [](Patient& p) { p.guardian.address = Repeat("路", 201); },
       "guardian.address"},
      {"community contact name 51", [s51](Patient& p) { p.community_contact_name = s51; },
       "community_contact_name"},
      // consent
      {"consent without date", [](Patient& p) { p.consent_date.reset(); }, "consent_date"},
      {"no consent, no date",
       [](Patient& p) {
         p.consent = false;
         p.consent_date.reset();
       },
       ""},
      {"consent date today", [](Patient& p) { p.consent_date = kToday; }, ""},
      {"consent date future", [](Patient& p) { p.consent_date = kToday + 1; }, "consent_date"},
      {"refusal date future",
       [](Patient& p) {
         p.consent = false;
         p.consent_date = kToday + 1;
       },
       "consent_date"},
      {"consent date before birth",
       [](Patient& p) { p.consent_date = absl::CivilDay(1989, 12, 31); }, "consent_date"},
      {"consent signer 51", [s51](Patient& p) { p.consent_signer = s51; }, "consent_signer"},
      // diagnosis
      {"diagnosis required", [](Patient& p) { p.diagnosis = DiagnosisCategory::kUnspecified; },
       "diagnosis"},
      {"icd10 required", [](Patient& p) { p.icd10 = ""; }, "icd10"},
      {"icd10 other category", [](Patient& p) { p.icd10 = "F31.0"; }, "icd10"},
      {"icd10 lowercase", [](Patient& p) { p.icd10 = "f20.0"; }, "icd10"},
      {"hospital 100", [](Patient& p) { p.diagnosing_hospital = Repeat("院", 100); }, ""},
      {"hospital 101", [](Patient& p) { p.diagnosing_hospital = Repeat("院", 101); },
       "diagnosing_hospital"},
      {"diagnosis date optional", [](Patient& p) { p.diagnosis_date.reset(); }, ""},
      {"diagnosis date future", [](Patient& p) { p.diagnosis_date = kToday + 1; },
       "diagnosis_date"},
      {"diagnosis date before birth",
       [](Patient& p) { p.diagnosis_date = absl::CivilDay(1989, 1, 1); }, "diagnosis_date"},
      {"diagnosis date on birth", [](Patient& p) { p.diagnosis_date = absl::CivilDay(1990, 1, 1); },
       ""},
      // onset (partial date)
      {"onset empty", [](Patient& p) { p.onset = {}; }, ""},
      {"onset month only without year",
       [](Patient& p) {
         p.onset = {0, 3, 0};
       },
       "onset"},
      {"onset day without year",
       [](Patient& p) {
         p.onset = {0, 0, 3};
       },
       "onset"},
      {"onset year 1899",
       [](Patient& p) {
         p.onset = {1899, 0, 0};
       },
       "onset"},
      {"onset next year",
       [](Patient& p) {
         p.onset = {2025, 0, 0};
       },
       "onset"},
      {"onset this year",
       [](Patient& p) {
         p.onset = {2024, 0, 0};
       },
       ""},
      {"onset this month",
       [](Patient& p) {
         p.onset = {2024, 3, 0};
       },
       ""},
      {"onset next month",
       [](Patient& p) {
         p.onset = {2024, 4, 0};
       },
       "onset"},
      {"onset today",
       [](Patient& p) {
         p.onset = {2024, 3, 1};
       },
       ""},
      {"onset tomorrow",
       [](Patient& p) {
         p.onset = {2024, 3, 2};
       },
       "onset"},
      {"onset month 13",
       [](Patient& p) {
         p.onset = {2010, 13, 0};
       },
       "onset"},
      {"onset month -1",
       [](Patient& p) {
         p.onset = {2010, -1, 0};
       },
       "onset"},
      {"onset day 32",
       [](Patient& p) {
         p.onset = {2010, 1, 32};
       },
       "onset"},
      {"onset day -1",
       [](Patient& p) {
         p.onset = {2010, 1, -1};
       },
       "onset"},
      {"onset day without month",
       [](Patient& p) {
         p.onset = {2010, 0, 5};
       },
       "onset"},
      {"onset Feb 30",
       [](Patient& p) {
         p.onset = {2010, 2, 30};
       },
       "onset"},
      {"onset Feb 29 leap",
       [](Patient& p) {
         p.onset = {2012, 2, 29};
       },
       ""},
      {"onset birth year",
       [](Patient& p) {
         p.onset = {1990, 0, 0};
       },
       ""},
      {"onset birth month",
       [](Patient& p) {
         p.onset = {1990, 1, 0};
       },
       ""},
      {"onset before birth year",
       [](Patient& p) {
         p.onset = {1989, 0, 0};
       },
       "onset"},
      {"onset before birth month",
       [](Patient& p) {
         p.onset = {1989, 12, 0};
       },
       "onset"},
      {"onset before birth day",
       [](Patient& p) {
         p.onset = {1989, 12, 31};
       },
       "onset"},
      // symptoms
      {"symptoms empty", [](Patient& p) { p.past_symptoms.clear(); }, ""},
      {"symptoms all",
       [](Patient& p) { p.past_symptoms = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}; }, ""},
      {"symptom 0", [](Patient& p) { p.past_symptoms = {0}; }, "past_symptoms"},
      {"symptom 13", [](Patient& p) { p.past_symptoms = {13}; }, "past_symptoms"},
      {"symptom repeated",
       [](Patient& p) {
         p.past_symptoms = {2, 5, 2};
       },
       "past_symptoms"},
      {"symptoms other 200", [](Patient& p) { p.past_symptoms_other = Repeat("a", 200); }, ""},
      {"symptoms other 201", [](Patient& p) { p.past_symptoms_other = Repeat("a", 201); },
       "past_symptoms_other"},
      // enums: 0 = not filled
      {"lockup 0", [](Patient& p) { p.past_lockup = LockupStatus::kUnspecified; }, ""},
      {"lockup 4", [](Patient& p) { p.past_lockup = static_cast<LockupStatus>(4); }, "past_lockup"},
      {"lockup -1", [](Patient& p) { p.past_lockup = static_cast<LockupStatus>(-1); },
       "past_lockup"},
      {"outpatient 0", [](Patient& p) { p.outpatient = OutpatientHistory::kUnspecified; }, ""},
      {"outpatient 4", [](Patient& p) { p.outpatient = static_cast<OutpatientHistory>(4); },
       "outpatient"},
      {"effect 4", [](Patient& p) { p.last_treatment_effect = TreatmentEffect::kWorse; }, ""},
      {"effect 5", [](Patient& p) { p.last_treatment_effect = static_cast<TreatmentEffect>(5); },
       "last_treatment_effect"},
      {"economic 3", [](Patient& p) { p.economic = EconomicStatus::kUnknown; }, ""},
      {"economic 4", [](Patient& p) { p.economic = static_cast<EconomicStatus>(4); }, "economic"},
      // treatment history
      {"first antipsychotic future", [](Patient& p) { p.first_antipsychotic_date = kToday + 1; },
       "first_antipsychotic_date"},
      {"first antipsychotic before birth",
       [](Patient& p) { p.first_antipsychotic_date = absl::CivilDay(1980, 1, 1); },
       "first_antipsychotic_date"},
      {"hospitalizations 0", [](Patient& p) { p.hospitalizations = 0; }, ""},
      {"hospitalizations 200", [](Patient& p) { p.hospitalizations = 200; }, ""},
      {"hospitalizations 201", [](Patient& p) { p.hospitalizations = 201; }, "hospitalizations"},
      {"hospitalizations -1", [](Patient& p) { p.hospitalizations = -1; }, "hospitalizations"},
      // behaviour counts
      {"behaviour 999", [](Patient& p) { p.past_behaviour = {999, 999, 999, 999, 999, 999}; }, ""},
      {"minor trouble 1000", [](Patient& p) { p.past_behaviour.minor_trouble = 1000; },
       "past_behaviour.minor_trouble"},
      {"trouble -1", [](Patient& p) { p.past_behaviour.trouble = -1; }, "past_behaviour.trouble"},
      {"accident 1000", [](Patient& p) { p.past_behaviour.accident = 1000; },
       "past_behaviour.accident"},
      {"other harm -1", [](Patient& p) { p.past_behaviour.other_harm = -1; },
       "past_behaviour.other_harm"},
      {"self harm 1000", [](Patient& p) { p.past_behaviour.self_harm = 1000; },
       "past_behaviour.self_harm"},
      {"attempted suicide -5", [](Patient& p) { p.past_behaviour.attempted_suicide = -5; },
       "past_behaviour.attempted_suicide"},
      // specialist opinion
      {"opinion 1000 multi-line",
       [](Patient& p) { p.specialist_opinion = Repeat("意", 999) + "\n"; }, ""},
      {"opinion 1001", [](Patient& p) { p.specialist_opinion = Repeat("意", 1001); },
       "specialist_opinion"},
      {"opinion control", [](Patient& p) { p.specialist_opinion = "a\x01"; }, "specialist_opinion"},
  };
}

TEST(ValidatePatientDetails, EveryFieldRule) {
  for (const Mutation& m : Mutations()) {
    Patient p = ValidRegistration();
    m.mutate(p);
    absl::Status s = Register(p);
    if (m.field.empty()) {
      EXPECT_THAT(s, IsOk()) << m.name;
    } else {
      EXPECT_THAT(s, IsFieldError(m.field)) << m.name;
    }
    // The same rules apply on update (with the stored birth date).
    Patient u = ValidRegistration();
    ASSERT_THAT(DeriveIdentity(u, kToday), IsOk());
    m.mutate(u);
    absl::Status su = ValidatePatientDetails(u, kToday, false);
    EXPECT_EQ(su, s) << m.name << " (update)";
  }
}

TEST(ValidatePatientDetails, MessagesNeverContainTheValue) {
  Patient p = ValidRegistration();
  p.guardian.phone = "000013800000000000000";  // 21 digits
  absl::Status s = Register(p);
  EXPECT_THAT(s, IsFieldError("guardian.phone"));
  EXPECT_THAT(std::string(s.message()), Not(HasSubstr("138")));
  p = ValidRegistration();
  p.name = "张三\x01";
  s = Register(p);
  EXPECT_THAT(std::string(s.message()), Not(HasSubstr("张三")));
}

TEST(ValidatePatientDetails, UpdateUsesTheStoredBirthDate) {
  Patient p = Stored();  // born 1990-01-01
  p.diagnosis_date = absl::CivilDay(1995, 1, 1);
  EXPECT_THAT(ValidatePatientDetails(p, kToday, false), IsOk());
  p.birth_date = absl::CivilDay(2000, 1, 1);
  EXPECT_THAT(ValidatePatientDetails(p, kToday, false), IsFieldError("diagnosis_date"));
}

TEST(ValidatePatientDetails, RegistrationUsesTheBirthDateOfTheId) {
  Patient p = ValidRegistration();  // ID born 1990-01-01; p.birth_date is not set
  p.birth_date = absl::CivilDay(2020, 1, 1);
  EXPECT_THAT(Register(p), IsOk());
  p.id_number = SyntheticId(absl::CivilDay(2016, 1, 1));
  EXPECT_THAT(Register(p), IsFieldError("diagnosis_date"));  // 2015-06-01 is before birth
}

TEST(DeriveIdentity, SetsNormalizedNumberSexAndBirthDate) {
  Patient p;
  p.id_number = " " + SyntheticId(absl::CivilDay(1985, 7, 15), 124) + " ";
  ASSERT_THAT(DeriveIdentity(p, kToday), IsOk());
  EXPECT_EQ(p.id_number, SyntheticId(absl::CivilDay(1985, 7, 15), 124));
  EXPECT_EQ(p.sex, Sex::kFemale);
  EXPECT_EQ(p.birth_date, absl::CivilDay(1985, 7, 15));
}

TEST(DeriveIdentity, LeavesThePatientUnchangedOnError) {
  Patient p;
  p.id_number = "123";
  p.sex = Sex::kMale;
  EXPECT_THAT(DeriveIdentity(p, kToday), IsFieldError("id_number"));
  EXPECT_EQ(p.id_number, "123");
  EXPECT_EQ(p.sex, Sex::kMale);
}

// --- register states ---------------------------------------------------------------------

TEST(CheckPatientOpen, ByStatusAndAction) {
  const auto code = [](PatientStatus s, Action a) { return CheckPatientOpen(s, a).code(); };
  using absl::StatusCode;
  for (Action a : {Action::kPatientUpdate, Action::kPatientTransfer, Action::kPatientClose}) {
    EXPECT_EQ(code(PatientStatus::kActive, a), StatusCode::kOk);
    for (PatientStatus s :
         {PatientStatus::kMovedOut, PatientStatus::kDeceased, PatientStatus::kCancelled}) {
      EXPECT_EQ(code(s, a), StatusCode::kFailedPrecondition);
    }
  }
  EXPECT_EQ(code(PatientStatus::kTransferPending, Action::kPatientUpdate), StatusCode::kOk);
  EXPECT_EQ(code(PatientStatus::kTransferPending, Action::kPatientTransfer),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(code(PatientStatus::kTransferPending, Action::kPatientClose),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(code(PatientStatus::kDeceased, Action::kPatientRead), StatusCode::kOk);
  EXPECT_EQ(code(PatientStatus::kCancelled, Action::kPatientSearch), StatusCode::kOk);
}

// --- closing -----------------------------------------------------------------------------

CloseRequest Death() {
  CloseRequest r;
  r.kind = CloseKind::kDeath;
  r.date = absl::CivilDay(2024, 2, 20);
  r.death_cause = 1;
  return r;
}

CloseRequest Cancellation() {
  CloseRequest r;
  r.kind = CloseKind::kCancellation;
  r.reason = "误诊，经复核排除";
  return r;
}

TEST(ValidateClose, Death) {
  const Patient p = Stored();
  absl::StatusOr<absl::CivilDay> d = ValidateClose(p, Death(), kToday);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(*d, absl::CivilDay(2024, 2, 20));
  for (int cause = 1; cause <= 6; ++cause) {
    CloseRequest r = Death();
    r.death_cause = cause;
    EXPECT_TRUE(ValidateClose(p, r, kToday).ok()) << cause;
  }
  CloseRequest r = Death();
  r.date.reset();
  EXPECT_THAT(ValidateClose(p, r, kToday).status(), IsFieldError("date"));
  r = Death();
  r.date = kToday + 1;
  EXPECT_THAT(ValidateClose(p, r, kToday).status(), IsFieldError("date"));
  r = Death();
  r.date = absl::CivilDay(1989, 12, 31);
  EXPECT_THAT(ValidateClose(p, r, kToday).status(), IsFieldError("date"));
  r = Death();
  r.date = kToday;
  EXPECT_TRUE(ValidateClose(p, r, kToday).ok());
  for (int bad : {0, 7, -1}) {
    r = Death();
    r.death_cause = bad;
    EXPECT_THAT(ValidateClose(p, r, kToday).status(), IsFieldError("death_cause")) << bad;
  }
  r = Death();
  r.reason = Repeat("因", 201);
  EXPECT_THAT(ValidateClose(p, r, kToday).status(), IsFieldError("reason"));
}

TEST(ValidateClose, Cancellation) {
  const Patient p = Stored();
  absl::StatusOr<absl::CivilDay> d = ValidateClose(p, Cancellation(), kToday);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(*d, kToday);  // default date
  CloseRequest r = Cancellation();
  r.date = absl::CivilDay(2024, 1, 5);
  EXPECT_EQ(*ValidateClose(p, r, kToday), absl::CivilDay(2024, 1, 5));
  r.date = kToday + 1;
  EXPECT_THAT(ValidateClose(p, r, kToday).status(), IsFieldError("date"));
  r = Cancellation();
  r.reason = "";
  EXPECT_THAT(ValidateClose(p, r, kToday).status(), IsFieldError("reason"));
  r.reason = "   ";
  EXPECT_THAT(ValidateClose(p, r, kToday).status(), IsFieldError("reason"));
  r.reason = Repeat("因", 200);
  EXPECT_TRUE(ValidateClose(p, r, kToday).ok());
  r.reason = Repeat("因", 201);
  EXPECT_THAT(ValidateClose(p, r, kToday).status(), IsFieldError("reason"));
  r.reason = "a\x02";
  EXPECT_THAT(ValidateClose(p, r, kToday).status(), IsFieldError("reason"));
}

TEST(ValidateClose, KindIsRequired) {
  CloseRequest r = Cancellation();
  r.kind = CloseKind::kUnspecified;
  EXPECT_THAT(ValidateClose(Stored(), r, kToday).status(), IsFieldError("kind"));
  r.kind = static_cast<CloseKind>(3);
  EXPECT_THAT(ValidateClose(Stored(), r, kToday).status(), IsFieldError("kind"));
}

TEST(ValidateClose, OnlyAnActivePatient) {
  Patient p = Stored();
  for (PatientStatus s : {PatientStatus::kTransferPending, PatientStatus::kMovedOut,
                          PatientStatus::kDeceased, PatientStatus::kCancelled}) {
    p.status = s;
    EXPECT_THAT(ValidateClose(p, Death(), kToday).status(),
                HasCode(absl::StatusCode::kFailedPrecondition));
  }
}

TEST(ApplyClose, SetsTheRegisterState) {
  Patient p = Stored();
  CloseRequest r = Death();
  r.death_cause = 2;
  ASSERT_THAT(ApplyClose(p, r, kToday), IsOk());
  EXPECT_EQ(p.status, PatientStatus::kDeceased);
  EXPECT_EQ(p.closed_date, absl::CivilDay(2024, 2, 20));
  EXPECT_EQ(p.death_cause, 2);
  EXPECT_EQ(p.close_reason, "");

  Patient q = Stored();
  ASSERT_THAT(ApplyClose(q, Cancellation(), kToday), IsOk());
  EXPECT_EQ(q.status, PatientStatus::kCancelled);
  EXPECT_EQ(q.closed_date, kToday);
  EXPECT_EQ(q.death_cause, 0);
  EXPECT_EQ(q.close_reason, "误诊，经复核排除");

  // Closing twice fails and changes nothing.
  EXPECT_THAT(ApplyClose(q, Death(), kToday), HasCode(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(q.status, PatientStatus::kCancelled);
}

TEST(DeathCauseNameZh, SixCauses) {
  EXPECT_EQ(DeathCauseNameZh(1), "躯体疾病");
  EXPECT_EQ(DeathCauseNameZh(2), "自杀");
  EXPECT_EQ(DeathCauseNameZh(3), "他杀");
  EXPECT_EQ(DeathCauseNameZh(4), "意外");
  EXPECT_EQ(DeathCauseNameZh(5), "精神疾病相关并发症");
  EXPECT_EQ(DeathCauseNameZh(6), "其他");
  EXPECT_EQ(DeathCauseNameZh(0), "");
  EXPECT_EQ(DeathCauseNameZh(7), "");
}

}  // namespace
}  // namespace smd::domain
