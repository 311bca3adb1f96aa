#include "domain/followup_validation.h"

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "unit/domain/test_helpers.h"

namespace smd::domain {
namespace {

using ::smd::domain::testing::IsFieldError;
using ::smd::domain::testing::IsOk;
using ::smd::domain::testing::kToday;
using ::testing::HasSubstr;
using ::testing::Not;

const absl::CivilDay kBirth(1990, 1, 1);

std::string Repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    out.append(s);
  }
  return out;
}

MedicationLine Oral() {
  MedicationLine m;
  m.drug_code = "RIS";
  m.morning_mg = 2;
  m.evening_mg = 2;
  return m;
}

MedicationLine LongActing() {
  MedicationLine m;
  m.drug_code = "PALI-LAI";
  m.long_acting = true;
  m.interval_weeks = 4;
  m.dose_mg = 150;
  return m;
}

// A visit with every assessment field filled in (synthetic data).
FollowUpForm ValidVisit() {
  FollowUpForm f;
  f.visit_date = kToday - 1;
  f.mode = VisitMode::kHome;
  f.subjects = {1, 2};
  f.risk_level = 1;
  f.symptom_severity = SymptomSeverity::kResidual;
  f.symptoms = {1, 3, 12};
  f.symptoms_other = "失眠";
  f.insight = Insight::kPartial;
  f.sleep = 2;
  f.diet = 1;
  f.social = {1, 2, kNotApplicable, 1, 3};
  f.behaviour.minor_trouble = 1;
  f.lockup = LockupStatus::kNone;
  f.hospitalization = Hospitalization::kPreviously;
  f.last_discharge_date = absl::CivilDay(2024, 1, 10);
  f.lab_done = true;
  f.lab_text = "血常规正常";
  f.adherence = Adherence::kIntermittent;
  f.adr = AdverseReaction::kMild;
  f.adr_text = "轻度嗜睡";
  f.physical = PhysicalIllness::kStable;
  f.effect = TreatmentEffect::kImproved;
  f.referral = {true, "症状波动", "南京脑科医院", "精神科"};
  f.medications = {Oral(), LongActing()};
  f.guidance = {Oral()};
  f.rehab = {1, 5};
  f.rehab_other = "园艺";
  f.notes = "家属配合。\n下次复诊带病历。";
  return f;
}

FollowUpForm MinimalVisit() {
  FollowUpForm f;
  f.visit_date = kToday;
  f.mode = VisitMode::kPhone;
  f.subjects = {2};
  f.risk_level = 0;
  f.symptom_severity = SymptomSeverity::kNone;
  f.insight = Insight::kComplete;
  f.sleep = 1;
  f.diet = 1;
  f.social = {1, 1, 1, 1, 1};
  f.lockup = LockupStatus::kNone;
  f.hospitalization = Hospitalization::kNever;
  f.adherence = Adherence::kNotNeeded;
  f.adr = AdverseReaction::kNone;
  f.physical = PhysicalIllness::kNone;
  return f;
}

FollowUpForm FailedVisit() {
  FollowUpForm f;
  f.visit_date = kToday - 2;
  f.mode = VisitMode::kHome;
  f.lost_reason = LostReason::kWorkingAway;
  return f;
}

FollowUpForm DeathRecord() {
  FollowUpForm f;
  f.visit_date = kToday - 1;
  f.mode = VisitMode::kHome;
  f.subjects = {2};
  f.death_date = absl::CivilDay(2024, 2, 20);
  f.death_cause = 1;
  return f;
}

// Registered long before every visit of these tests (the registration rule has its own).
constexpr absl::CivilDay kRegistered{2000, 1, 1};

absl::Status Validate(const FollowUpForm& f) {
  return ValidateFollowUpForm(f, kBirth, kRegistered, kToday);
}

// docs/rules.md "Hospital-only visits": 目前正在住院 and nothing assessed.
FollowUpForm HospitalOnlyVisit() {
  FollowUpForm f;
  f.visit_date = kToday - 1;
  f.mode = VisitMode::kPhone;
  f.subjects = {2};
  f.hospitalization = Hospitalization::kCurrently;
  return f;
}

TEST(FollowUpValidation, ValidFormsPass) {
  EXPECT_THAT(Validate(ValidVisit()), IsOk());
  EXPECT_THAT(Validate(MinimalVisit()), IsOk());
  EXPECT_THAT(Validate(FailedVisit()), IsOk());
  EXPECT_THAT(Validate(DeathRecord()), IsOk());
}

struct Mutation {
  std::string name;
  std::function<void(FollowUpForm&)> mutate;
  std::string field;  // "" = still valid
};

// Mutations of ValidVisit().
std::vector<Mutation> VisitMutations() {
  const std::string s101 = Repeat("院", 101);
  const std::string s201 = Repeat("院", 201);
  const std::string s501 = Repeat("检", 501);
  using F = FollowUpForm;
  return {
      // visit_date
      {"visit today", [](F& f) { f.visit_date = kToday; }, ""},
      {"visit tomorrow", [](F& f) { f.visit_date = kToday + 1; }, "visit_date"},
      {"visit before birth", [](F& f) { f.visit_date = kBirth - 1; }, "visit_date"},
      {"visit on 2000-01-01",
       [](F& f) {
         f.visit_date = absl::CivilDay(2000, 1, 1);
         f.last_discharge_date.reset();
       },
       ""},
      {"visit before 2000", [](F& f) { f.visit_date = absl::CivilDay(1999, 12, 31); },
       "visit_date"},
      {"visit unset", [](F& f) { f.visit_date = absl::CivilDay(); }, "visit_date"},
      // mode, subjects
      {"mode missing", [](F& f) { f.mode = VisitMode::kUnspecified; }, "mode"},
      {"mode 4", [](F& f) { f.mode = static_cast<VisitMode>(4); }, "mode"},
      {"mode clinic", [](F& f) { f.mode = VisitMode::kClinic; }, ""},
      {"subjects empty", [](F& f) { f.subjects.clear(); }, "subjects"},
      {"subject 0", [](F& f) { f.subjects = {0}; }, "subjects"},
      {"subject 4", [](F& f) { f.subjects = {1, 4}; }, "subjects"},
      {"subject repeated", [](F& f) { f.subjects = {2, 2}; }, "subjects"},
      {"all subjects", [](F& f) { f.subjects = {3, 2, 1}; }, ""},
      // lost_reason_other on a valid visit: only the length
      {"lost other 201", [s201](F& f) { f.lost_reason_other = s201; }, "lost_reason_other"},
      // death_cause without death
      {"death cause without date", [](F& f) { f.death_cause = 2; }, "death_cause"},
      // risk
      {"risk missing", [](F& f) { f.risk_level.reset(); }, "risk_level"},
      {"risk 6", [](F& f) { f.risk_level = 6; }, "risk_level"},
      {"risk 0", [](F& f) { f.risk_level = 0; }, ""},
      {"risk 5", [](F& f) { f.risk_level = 5; }, ""},
      // symptoms
      {"severity missing", [](F& f) { f.symptom_severity = SymptomSeverity::kUnspecified; },
       "symptom_severity"},
      {"severity 4", [](F& f) { f.symptom_severity = static_cast<SymptomSeverity>(4); },
       "symptom_severity"},
      {"symptoms empty", [](F& f) { f.symptoms.clear(); }, ""},
      {"symptom 13", [](F& f) { f.symptoms = {13}; }, "symptoms"},
      {"symptom 0", [](F& f) { f.symptoms = {0}; }, "symptoms"},
      {"symptom repeated", [](F& f) { f.symptoms = {3, 3}; }, "symptoms"},
      {"symptom 12 without text", [](F& f) { f.symptoms_other = ""; }, "symptoms_other"},
      {"symptom 12 blank text", [](F& f) { f.symptoms_other = " "; }, "symptoms_other"},
      {"symptoms other 201", [s201](F& f) { f.symptoms_other = s201; }, "symptoms_other"},
      {"symptoms other without 12",
       [](F& f) { f.symptoms = {1}; }, ""},
      // insight, sleep, diet
      {"insight missing", [](F& f) { f.insight = Insight::kUnspecified; }, "insight"},
      {"insight 4", [](F& f) { f.insight = static_cast<Insight>(4); }, "insight"},
      {"sleep missing", [](F& f) { f.sleep = 0; }, "sleep"},
      {"sleep 4", [](F& f) { f.sleep = 4; }, "sleep"},
      {"diet missing", [](F& f) { f.diet = 0; }, "diet"},
      {"diet -1", [](F& f) { f.diet = -1; }, "diet"},
      // social
      {"self care missing", [](F& f) { f.social.self_care = 0; }, "social.self_care"},
      {"housework 9", [](F& f) { f.social.housework = 9; }, "social.housework"},
      {"work missing", [](F& f) { f.social.work = 0; }, "social.work"},
      {"work 4", [](F& f) { f.social.work = 4; }, "social.work"},
      {"work 3", [](F& f) { f.social.work = 3; }, ""},
      {"study 9", [](F& f) { f.social.study = 9; }, "social.study"},
      {"social missing", [](F& f) { f.social.social = 0; }, "social.social"},
      // behaviour
      {"minor trouble -1", [](F& f) { f.behaviour.minor_trouble = -1; },
       "behaviour.minor_trouble"},
      {"trouble 1000", [](F& f) { f.behaviour.trouble = 1000; }, "behaviour.trouble"},
      {"accident 999", [](F& f) { f.behaviour.accident = 999; }, ""},
      {"other harm -1", [](F& f) { f.behaviour.other_harm = -1; }, "behaviour.other_harm"},
      {"self harm 1000", [](F& f) { f.behaviour.self_harm = 1000; }, "behaviour.self_harm"},
      {"attempted suicide -5", [](F& f) { f.behaviour.attempted_suicide = -5; },
       "behaviour.attempted_suicide"},
      // lockup, hospitalization
      {"lockup missing", [](F& f) { f.lockup = LockupStatus::kUnspecified; }, "lockup"},
      {"lockup 4", [](F& f) { f.lockup = static_cast<LockupStatus>(4); }, "lockup"},
      {"hospitalization missing",
       [](F& f) { f.hospitalization = Hospitalization::kUnspecified; }, "hospitalization"},
      {"hospitalization 4", [](F& f) { f.hospitalization = static_cast<Hospitalization>(4); },
       "hospitalization"},
      {"discharge optional", [](F& f) { f.last_discharge_date.reset(); }, ""},
      {"discharge on visit", [](F& f) { f.last_discharge_date = f.visit_date; }, ""},
      {"discharge after visit", [](F& f) { f.last_discharge_date = f.visit_date + 1; },
       "last_discharge_date"},
      {"discharge before birth", [](F& f) { f.last_discharge_date = kBirth - 1; },
       "last_discharge_date"},
      // lab
      {"lab without text", [](F& f) { f.lab_text = ""; }, "lab_text"},
      {"lab text 500", [](F& f) { f.lab_text = Repeat("检", 500); }, ""},
      {"lab text 501", [s501](F& f) { f.lab_text = s501; }, "lab_text"},
      {"lab not done", [](F& f) {
         f.lab_done = false;
         f.lab_text = "";
       }, ""},
      {"lab text multi-line", [](F& f) { f.lab_text = "血常规正常\n肝功能正常"; }, ""},
      // adherence, adr, physical, effect
      {"adherence missing", [](F& f) { f.adherence = Adherence::kUnspecified; }, "adherence"},
      {"adherence 5", [](F& f) { f.adherence = static_cast<Adherence>(5); }, "adherence"},
      {"adr missing", [](F& f) { f.adr = AdverseReaction::kUnspecified; }, "adr"},
      {"adr 4", [](F& f) { f.adr = static_cast<AdverseReaction>(4); }, "adr"},
      {"mild adr without text", [](F& f) { f.adr_text = ""; }, "adr_text"},
      {"serious adr without text",
       [](F& f) {
         f.adr = AdverseReaction::kSerious;
         f.adr_text = "";
       },
       "adr_text"},
      {"no adr without text",
       [](F& f) {
         f.adr = AdverseReaction::kNone;
         f.adr_text = "";
       },
       ""},
      {"adr text 501", [s501](F& f) { f.adr_text = s501; }, "adr_text"},
      {"physical missing", [](F& f) { f.physical = PhysicalIllness::kUnspecified; }, "physical"},
      {"physical 5", [](F& f) { f.physical = static_cast<PhysicalIllness>(5); }, "physical"},
      {"effect optional", [](F& f) { f.effect = TreatmentEffect::kUnspecified; }, ""},
      {"effect 5", [](F& f) { f.effect = static_cast<TreatmentEffect>(5); }, "effect"},
      // referral
      {"referral reason required", [](F& f) { f.referral.reason = ""; }, "referral.reason"},
      {"referral reason 101", [s101](F& f) { f.referral.reason = s101; }, "referral.reason"},
      {"referral hospital required", [](F& f) { f.referral.hospital = ""; },
       "referral.hospital"},
      {"referral hospital 200", [](F& f) { f.referral.hospital = Repeat("院", 200); }, ""},
      {"referral hospital 201", [s201](F& f) { f.referral.hospital = s201; },
       "referral.hospital"},
      {"referral department optional", [](F& f) { f.referral.department = ""; }, ""},
      {"referral department 51", [](F& f) { f.referral.department = Repeat("科", 51); },
       "referral.department"},
      {"not referred", [](F& f) { f.referral = {}; }, ""},
      // medications
      {"no medications", [](F& f) { f.medications.clear(); }, ""},
      {"five medications", [](F& f) { f.medications.assign(5, Oral()); }, ""},
      {"six medications", [](F& f) { f.medications.assign(6, Oral()); }, "medications"},
      {"drug code required", [](F& f) { f.medications[1].drug_code = ""; },
       "medications[1].drug_code"},
      {"drug code 41", [](F& f) { f.medications[0].drug_code = std::string(41, 'A'); },
       "medications[0].drug_code"},
      {"oral negative", [](F& f) { f.medications[0].noon_mg = -1; }, "medications[0].noon_mg"},
      {"oral over 10000", [](F& f) { f.medications[0].morning_mg = 10000.5; },
       "medications[0].morning_mg"},
      {"oral 10000", [](F& f) { f.medications[0].evening_mg = 10000; }, ""},
      {"oral NaN",
       [](F& f) { f.medications[0].evening_mg = std::numeric_limits<double>::quiet_NaN(); },
       "medications[0].evening_mg"},
      {"oral all zero",
       [](F& f) {
         f.medications[0].morning_mg = 0;
         f.medications[0].evening_mg = 0;
       },
       "medications[0].morning_mg"},
      {"oral with interval", [](F& f) { f.medications[0].interval_weeks = 2; },
       "medications[0].interval_weeks"},
      {"oral with dose", [](F& f) { f.medications[0].dose_mg = 50; }, "medications[0].dose_mg"},
      {"long acting interval 0", [](F& f) { f.medications[1].interval_weeks = 0; },
       "medications[1].interval_weeks"},
      {"long acting interval 13", [](F& f) { f.medications[1].interval_weeks = 13; },
       "medications[1].interval_weeks"},
      {"long acting interval 12", [](F& f) { f.medications[1].interval_weeks = 12; }, ""},
      {"long acting dose 0", [](F& f) { f.medications[1].dose_mg = 0; },
       "medications[1].dose_mg"},
      {"long acting dose 2001", [](F& f) { f.medications[1].dose_mg = 2001; },
       "medications[1].dose_mg"},
      {"long acting dose 2000", [](F& f) { f.medications[1].dose_mg = 2000; }, ""},
      {"long acting with oral doses", [](F& f) { f.medications[1].morning_mg = 5; }, ""},
      {"confirmed without reason", [](F& f) { f.medications[0].out_of_range_confirmed = true; },
       "medications[0].confirm_reason"},
      {"confirmed with reason",
       [](F& f) {
         f.medications[0].out_of_range_confirmed = true;
         f.medications[0].confirm_reason = "上级医院医嘱";
       },
       ""},
      {"confirm reason 201", [s201](F& f) { f.medications[1].confirm_reason = s201; },
       "medications[1].confirm_reason"},
      {"six guidance lines", [](F& f) { f.guidance.assign(6, Oral()); }, "guidance"},
      {"guidance line checked", [](F& f) { f.guidance[0].drug_code = ""; },
       "guidance[0].drug_code"},
      {"guidance long acting", [](F& f) { f.guidance = {LongActing()}; }, ""},
      // rehab
      {"rehab empty", [](F& f) {
         f.rehab.clear();
         f.rehab_other = "";
       }, ""},
      {"rehab 6", [](F& f) { f.rehab = {6}; }, "rehab"},
      {"rehab repeated", [](F& f) { f.rehab = {1, 1}; }, "rehab"},
      {"rehab 5 without text", [](F& f) { f.rehab_other = ""; }, "rehab_other"},
      {"rehab other 201", [s201](F& f) { f.rehab_other = s201; }, "rehab_other"},
      // recorded class
      {"override with reason",
       [](F& f) {
         f.recorded_class = Classification::kUnstable;
         f.override_reason = "家属反映近期拒药";
       },
       ""},
      {"override without reason", [](F& f) { f.recorded_class = Classification::kStable; },
       "override_reason"},
      {"override blank reason",
       [](F& f) {
         f.recorded_class = Classification::kStable;
         f.override_reason = "\xE3\x80\x80";
       },
       "override_reason"},
      {"override reason 201",
       [s201](F& f) {
         f.recorded_class = Classification::kStable;
         f.override_reason = s201;
       },
       "override_reason"},
      {"recorded class 4", [](F& f) { f.recorded_class = static_cast<Classification>(4); },
       "recorded_class"},
      // notes
      {"notes 1000", [](F& f) { f.notes = Repeat("记", 1000); }, ""},
      {"notes 1001", [](F& f) { f.notes = Repeat("记", 1001); }, "notes"},
      {"notes control", [](F& f) { f.notes = "a\x01"; }, "notes"},
      {"notes bad utf8", [](F& f) { f.notes = "\xE5\xBC"; }, "notes"},
  };
}

TEST(FollowUpValidation, EveryVisitFieldRule) {
  for (const Mutation& m : VisitMutations()) {
    FollowUpForm f = ValidVisit();
    m.mutate(f);
    const absl::Status s = Validate(f);
    if (m.field.empty()) {
      EXPECT_THAT(s, IsOk()) << m.name;
    } else {
      EXPECT_THAT(s, IsFieldError(m.field)) << m.name;
    }
  }
}

// Mutations of FailedVisit().
std::vector<Mutation> FailedMutations() {
  using F = FollowUpForm;
  return {
      {"every reason 1..5",
       [](F& f) {
         f.lost_reason = LostReason::kOther;
         f.lost_reason_other = "拒绝随访";
       },
       ""},
      {"reason 4 from the client", [](F& f) { f.lost_reason = LostReason::kThreeFailures; },
       ""},
      {"reason 3", [](F& f) { f.lost_reason = LostReason::kMissing; }, ""},
      {"reason 6", [](F& f) { f.lost_reason = static_cast<LostReason>(6); }, "lost_reason"},
      {"reason -1", [](F& f) { f.lost_reason = static_cast<LostReason>(-1); }, "lost_reason"},
      {"other without text", [](F& f) { f.lost_reason = LostReason::kOther; },
       "lost_reason_other"},
      {"other text 201",
       [](F& f) {
         f.lost_reason = LostReason::kOther;
         f.lost_reason_other = Repeat("外", 201);
       },
       "lost_reason_other"},
      {"subjects optional but checked", [](F& f) { f.subjects = {4}; }, "subjects"},
      {"subjects given", [](F& f) { f.subjects = {2}; }, ""},
      {"mode still required", [](F& f) { f.mode = VisitMode::kUnspecified; }, "mode"},
      {"visit date still checked", [](F& f) { f.visit_date = kToday + 1; }, "visit_date"},
      {"with death", [](F& f) { f.death_date = kToday - 3; }, "death_date"},
      {"with death cause", [](F& f) { f.death_cause = 2; }, "death_cause"},
      {"notes allowed", [](F& f) { f.notes = "三次电话未接通"; }, ""},
      // No assessment field.
      {"risk", [](F& f) { f.risk_level = 0; }, "risk_level"},
      {"severity", [](F& f) { f.symptom_severity = SymptomSeverity::kNone; },
       "symptom_severity"},
      {"symptoms", [](F& f) { f.symptoms = {1}; }, "symptoms"},
      {"symptoms other", [](F& f) { f.symptoms_other = "x"; }, "symptoms_other"},
      {"insight", [](F& f) { f.insight = Insight::kComplete; }, "insight"},
      {"sleep", [](F& f) { f.sleep = 1; }, "sleep"},
      {"diet", [](F& f) { f.diet = 1; }, "diet"},
      {"social", [](F& f) { f.social.work = 9; }, "social.work"},
      {"behaviour", [](F& f) { f.behaviour.accident = 1; }, "behaviour.accident"},
      {"lockup", [](F& f) { f.lockup = LockupStatus::kNone; }, "lockup"},
      {"hospitalization", [](F& f) { f.hospitalization = Hospitalization::kNever; },
       "hospitalization"},
      {"discharge", [](F& f) { f.last_discharge_date = kToday - 30; }, "last_discharge_date"},
      {"lab", [](F& f) { f.lab_done = true; }, "lab_done"},
      {"adherence", [](F& f) { f.adherence = Adherence::kRegular; }, "adherence"},
      {"adr", [](F& f) { f.adr = AdverseReaction::kNone; }, "adr"},
      {"physical", [](F& f) { f.physical = PhysicalIllness::kNone; }, "physical"},
      {"effect", [](F& f) { f.effect = TreatmentEffect::kImproved; }, "effect"},
      {"referral", [](F& f) { f.referral.referred = true; }, "referral"},
      {"medications", [](F& f) { f.medications = {Oral()}; }, "medications"},
      {"guidance", [](F& f) { f.guidance = {Oral()}; }, "guidance"},
      {"rehab", [](F& f) { f.rehab = {1}; }, "rehab"},
      {"other abnormality", [](F& f) { f.other_abnormality = true; }, "other_abnormality"},
      {"recorded class", [](F& f) { f.recorded_class = Classification::kStable; },
       "recorded_class"},
      {"override reason", [](F& f) { f.override_reason = "x"; }, "override_reason"},
  };
}

TEST(FollowUpValidation, EveryFailedVisitRule) {
  for (const Mutation& m : FailedMutations()) {
    FollowUpForm f = FailedVisit();
    m.mutate(f);
    const absl::Status s = Validate(f);
    if (m.field.empty()) {
      EXPECT_THAT(s, IsOk()) << m.name;
    } else {
      EXPECT_THAT(s, IsFieldError(m.field)) << m.name;
    }
  }
}

TEST(FollowUpValidation, FailedVisitAssessmentMessage) {
  FollowUpForm f = FailedVisit();
  f.risk_level = 2;
  EXPECT_EQ(Validate(f).message(), "risk_level: 失访记录不填写评估 (a failed visit carries no assessment)");
}

// Mutations of DeathRecord().
std::vector<Mutation> DeathMutations() {
  using F = FollowUpForm;
  return {
      {"death on visit", [](F& f) { f.death_date = f.visit_date; }, ""},
      {"death after visit", [](F& f) { f.death_date = f.visit_date + 1; }, "death_date"},
      {"death in the future",
       [](F& f) {
         f.visit_date = kToday;
         f.death_date = kToday + 1;
       },
       "death_date"},
      {"death before birth", [](F& f) { f.death_date = kBirth - 1; }, "death_date"},
      {"death on birth", [](F& f) { f.death_date = kBirth; }, ""},
      {"cause missing", [](F& f) { f.death_cause = 0; }, "death_cause"},
      {"cause 7", [](F& f) { f.death_cause = 7; }, "death_cause"},
      {"cause 6", [](F& f) { f.death_cause = 6; }, ""},
      {"subjects required", [](F& f) { f.subjects.clear(); }, "subjects"},
      {"with lost reason", [](F& f) { f.lost_reason = LostReason::kMovedAway; }, "death_date"},
      {"no assessment", [](F& f) { f.risk_level = 0; }, "risk_level"},
      {"no medications", [](F& f) { f.medications = {Oral()}; }, "medications"},
      {"notes allowed", [](F& f) { f.notes = "家属告知"; }, ""},
  };
}

TEST(FollowUpValidation, EveryDeathRule) {
  for (const Mutation& m : DeathMutations()) {
    FollowUpForm f = DeathRecord();
    m.mutate(f);
    const absl::Status s = Validate(f);
    if (m.field.empty()) {
      EXPECT_THAT(s, IsOk()) << m.name;
    } else {
      EXPECT_THAT(s, IsFieldError(m.field)) << m.name;
    }
  }
}

TEST(FollowUpValidation, DeathAssessmentMessage) {
  FollowUpForm f = DeathRecord();
  f.insight = Insight::kComplete;
  EXPECT_EQ(Validate(f).message(), "insight: 死亡记录不填写评估 (a death record carries no assessment)");
}

TEST(FollowUpValidation, FirstErrorInFormOrder) {
  FollowUpForm f = ValidVisit();
  f.notes = Repeat("记", 1001);
  f.sleep = 0;
  f.mode = VisitMode::kUnspecified;
  EXPECT_THAT(Validate(f), IsFieldError("mode"));
  f.mode = VisitMode::kClinic;
  EXPECT_THAT(Validate(f), IsFieldError("sleep"));
  f.sleep = 1;
  EXPECT_THAT(Validate(f), IsFieldError("notes"));
}

TEST(FollowUpValidation, MessagesNeverContainTheValue) {
  FollowUpForm f = ValidVisit();
  f.referral.hospital = Repeat("秘", 201);
  const absl::Status s = Validate(f);
  EXPECT_THAT(s, IsFieldError("referral.hospital"));
  EXPECT_THAT(std::string(s.message()), Not(HasSubstr("秘")));
  f = ValidVisit();
  f.medications[1].drug_code = "SECRETCODE-" + std::string(40, 'X');
  const absl::Status s2 = Validate(f);
  EXPECT_THAT(s2, IsFieldError("medications[1].drug_code"));
  EXPECT_THAT(std::string(s2.message()), Not(HasSubstr("SECRET")));
}

TEST(FollowUpValidation, UsesTheGivenBirthDate) {
  FollowUpForm f = ValidVisit();
  f.last_discharge_date.reset();
  EXPECT_THAT(ValidateFollowUpForm(f, f.visit_date, kRegistered, kToday), IsOk());
  EXPECT_THAT(ValidateFollowUpForm(f, f.visit_date + 1, kRegistered, kToday),
              IsFieldError("visit_date"));
}

// Issue 14: absence of a risk level is not level 0.
TEST(FollowUpValidation, AnAbsentRiskLevelIsRefusedNamingTheField) {
  FollowUpForm f = ValidVisit();
  f.risk_level.reset();
  const absl::Status s = Validate(f);
  EXPECT_THAT(s, IsFieldError("risk_level"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("必填"));
  f.risk_level = 0;
  EXPECT_THAT(Validate(f), IsOk());
}

TEST(FollowUpValidation, AFailedVisitNeedsNoRiskLevelAndRefusesOne) {
  FollowUpForm f = FailedVisit();
  EXPECT_FALSE(f.risk_level.has_value());
  EXPECT_THAT(Validate(f), IsOk());
  f.risk_level = -1;  // the old sentinel is a value now: refused like any other
  EXPECT_THAT(Validate(f), IsFieldError("risk_level"));
}

TEST(FollowUpValidation, AHospitalOnlyVisitNeedsNoAssessment) {
  EXPECT_TRUE(IsHospitalOnlyVisit(HospitalOnlyVisit()));
  EXPECT_THAT(Validate(HospitalOnlyVisit()), IsOk());
  FollowUpForm with_discharge = HospitalOnlyVisit();
  with_discharge.last_discharge_date = kToday - 100;  // an earlier stay
  EXPECT_THAT(Validate(with_discharge), IsOk());
  with_discharge.last_discharge_date = kToday;  // after the visit
  EXPECT_THAT(Validate(with_discharge), IsFieldError("last_discharge_date"));
  // Anything else assessed means the patient was assessed: then the level is required.
  FollowUpForm half = HospitalOnlyVisit();
  half.insight = Insight::kPartial;
  EXPECT_THAT(Validate(half), IsFieldError("risk_level"));
  // Subjects stay required (someone told the doctor).
  FollowUpForm nobody = HospitalOnlyVisit();
  nobody.subjects.clear();
  EXPECT_THAT(Validate(nobody), IsFieldError("subjects"));
  // Not in hospital and no level: the ordinary required level.
  FollowUpForm home = HospitalOnlyVisit();
  home.hospitalization = Hospitalization::kNever;
  EXPECT_FALSE(IsHospitalOnlyVisit(home));
  EXPECT_THAT(Validate(home), IsFieldError("risk_level"));
  // In hospital and assessed: a full visit like any other.
  FollowUpForm assessed = ValidVisit();
  assessed.hospitalization = Hospitalization::kCurrently;
  EXPECT_FALSE(IsHospitalOnlyVisit(assessed));
  EXPECT_THAT(Validate(assessed), IsOk());
}

// docs/rules.md "Dates of records": not in the future, not before the 建档日期.
TEST(FollowUpValidation, VisitDateLiesBetweenRegistrationAndToday) {
  FollowUpForm f = ValidVisit();
  f.last_discharge_date.reset();
  const absl::CivilDay registered = f.visit_date;
  EXPECT_THAT(ValidateFollowUpForm(f, kBirth, registered, kToday), IsOk());
  absl::Status before = ValidateFollowUpForm(f, kBirth, registered + 1, kToday);
  EXPECT_THAT(before, IsFieldError("visit_date"));
  EXPECT_THAT(std::string(before.message()), HasSubstr("建档日期"));
  f.visit_date = kToday + 1;
  absl::Status future = ValidateFollowUpForm(f, kBirth, kRegistered, kToday);
  EXPECT_THAT(future, IsFieldError("visit_date"));
  EXPECT_THAT(std::string(future.message()), HasSubstr("future"));
  // The same rules hold for a failed visit.
  FollowUpForm failed = FailedVisit();
  EXPECT_THAT(ValidateFollowUpForm(failed, kBirth, failed.visit_date + 1, kToday),
              IsFieldError("visit_date"));
}

}  // namespace
}  // namespace smd::domain
