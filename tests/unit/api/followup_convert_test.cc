#include "api/followup_convert.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "api/convert.h"
#include "domain/care_records.h"
#include "domain/followup.h"
#include "domain/medication.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "gtest/gtest.h"
#include "unit/domain/test_helpers.h"

namespace smd::api {
namespace {

using ::smd::domain::testing::IsFieldError;
using ::smd::domain::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

smd::v1::Date MakeDate(int y, int m, int d) {
  smd::v1::Date out;
  out.set_year(y);
  out.set_month(m);
  out.set_day(d);
  return out;
}

// Collects the paths of fields of `m` (recursively) that hold their default value.
void DefaultFields(const google::protobuf::Message& m, const std::string& prefix,
                   std::vector<std::string>* out) {
  const google::protobuf::Descriptor* desc = m.GetDescriptor();
  const google::protobuf::Reflection* refl = m.GetReflection();
  for (int i = 0; i < desc->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* f = desc->field(i);
    const std::string path = prefix + f->name();
    const bool set = f->is_repeated() ? refl->FieldSize(m, f) > 0 : refl->HasField(m, f);
    if (!set) {
      out->push_back(path);
    } else if (f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      if (f->is_repeated()) {
        for (int j = 0; j < refl->FieldSize(m, f); ++j) {
          DefaultFields(refl->GetRepeatedMessage(m, f, j),
                        path + "[" + std::to_string(j) + "].", out);
        }
      } else {
        DefaultFields(refl->GetMessage(m, f), path + ".", out);
      }
    }
  }
}

std::vector<std::string> UnsetFields(const google::protobuf::Message& m) {
  std::vector<std::string> out;
  DefaultFields(m, "", &out);
  return out;
}

// ---- Synthetic records (every member non-default) -------------------------------------------

domain::MedicationLine OralLine() {
  domain::MedicationLine l;
  l.drug_code = "DEMO-ORAL-01";
  l.morning_mg = 2.5;
  l.noon_mg = 1.25;
  l.evening_mg = 5;
  l.long_acting = true;  // non-default on purpose: the converter does not check consistency
  l.interval_weeks = 4;
  l.dose_mg = 50;
  l.out_of_range_confirmed = true;
  l.confirm_reason = "演示理由";
  return l;
}

domain::MedicationLine InjectionLine() {
  domain::MedicationLine l = OralLine();
  l.drug_code = "DEMO-LAI-02";
  l.dose_mg = 75.5;
  l.interval_weeks = 2;
  return l;
}

domain::FollowUpForm FullForm() {
  domain::FollowUpForm f;
  f.visit_date = absl::CivilDay(2024, 2, 28);
  f.mode = domain::VisitMode::kHome;
  f.subjects = {1, 2};
  f.lost_reason = domain::LostReason::kOther;
  f.lost_reason_other = "演示失访原因";
  f.death_date = absl::CivilDay(2024, 2, 27);
  f.death_cause = 3;
  f.risk_level = 4;
  f.symptom_severity = domain::SymptomSeverity::kResidual;
  f.symptoms = {1, 5, 12};
  f.symptoms_other = "演示症状";
  f.insight = domain::Insight::kPartial;
  f.sleep = domain::kFair;
  f.diet = domain::kPoor;
  f.social = domain::SocialFunction{1, 2, domain::kNotApplicable, 3, 2};
  f.behaviour = domain::DangerousBehaviour{1, 2, 3, 4, 5, 6};
  f.lockup = domain::LockupStatus::kReleased;
  f.hospitalization = domain::Hospitalization::kPreviously;
  f.last_discharge_date = absl::CivilDay(2024, 1, 15);
  f.lab_done = true;
  f.lab_text = "演示检查";
  f.adherence = domain::Adherence::kIntermittent;
  f.adr = domain::AdverseReaction::kMild;
  f.adr_text = "演示不良反应";
  f.physical = domain::PhysicalIllness::kWorsening;
  f.effect = domain::TreatmentEffect::kImproved;
  f.referral = domain::Referral{true, "演示转诊原因", "演示医院", "精神科"};
  f.medications = {OralLine(), InjectionLine()};
  f.guidance = {InjectionLine()};
  f.rehab = {1, 4};
  f.rehab_other = "演示康复";
  f.other_abnormality = true;
  f.recorded_class = domain::Classification::kBasicallyStable;
  f.override_reason = "演示改判理由";
  f.notes = "演示备注\n第二行";
  return f;
}

domain::FollowUp FullFollowUp() {
  domain::FollowUp f;
  f.id = "00000000-0000-4000-8000-000000000101";
  f.visit_id = "00000000-0000-4000-8000-000000000100";
  f.version = 2;
  f.patient_id = "00000000-0000-4000-8000-000000000001";
  f.form = FullForm();
  f.assessment.computed = domain::Classification::kUnstable;
  f.assessment.final_class = domain::Classification::kBasicallyStable;
  f.assessment.actions = {domain::RequiredAction::kReferNow,
                          domain::RequiredAction::kNotifyPolice,
                          domain::RequiredAction::kContinueRegimen};
  f.assessment.next_due = absl::CivilDay(2024, 3, 13);
  f.assessment.next_is_two_week_review = true;
  f.assessment.effective_lost_reason = domain::LostReason::kThreeFailures;
  f.assessment.rule_set = "demo-rules-1";
  f.author_id = "00000000-0000-4000-8000-000000000901";
  f.correction_reason = "演示更正";
  f.recorded_at = absl::FromUnixSeconds(1709000000) + absl::Nanoseconds(42);
  f.current = true;
  f.reports_death = true;
  f.unreadable = true;  // non-default on purpose, as above: every field must be written
  return f;
}

void ExpectSameLine(const domain::MedicationLine& a, const domain::MedicationLine& b) {
  EXPECT_EQ(a.drug_code, b.drug_code);
  EXPECT_EQ(a.morning_mg, b.morning_mg);
  EXPECT_EQ(a.noon_mg, b.noon_mg);
  EXPECT_EQ(a.evening_mg, b.evening_mg);
  EXPECT_EQ(a.long_acting, b.long_acting);
  EXPECT_EQ(a.interval_weeks, b.interval_weeks);
  EXPECT_EQ(a.dose_mg, b.dose_mg);
  EXPECT_EQ(a.out_of_range_confirmed, b.out_of_range_confirmed);
  EXPECT_EQ(a.confirm_reason, b.confirm_reason);
}

void ExpectSameLines(const std::vector<domain::MedicationLine>& a,
                     const std::vector<domain::MedicationLine>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE(i);
    ExpectSameLine(a[i], b[i]);
  }
}

void ExpectSameForm(const domain::FollowUpForm& a, const domain::FollowUpForm& b) {
  EXPECT_EQ(a.visit_date, b.visit_date);
  EXPECT_EQ(a.mode, b.mode);
  EXPECT_EQ(a.subjects, b.subjects);
  EXPECT_EQ(a.lost_reason, b.lost_reason);
  EXPECT_EQ(a.lost_reason_other, b.lost_reason_other);
  EXPECT_EQ(a.death_date, b.death_date);
  EXPECT_EQ(a.death_cause, b.death_cause);
  EXPECT_EQ(a.risk_level, b.risk_level);
  EXPECT_EQ(a.symptom_severity, b.symptom_severity);
  EXPECT_EQ(a.symptoms, b.symptoms);
  EXPECT_EQ(a.symptoms_other, b.symptoms_other);
  EXPECT_EQ(a.insight, b.insight);
  EXPECT_EQ(a.sleep, b.sleep);
  EXPECT_EQ(a.diet, b.diet);
  EXPECT_EQ(a.social.self_care, b.social.self_care);
  EXPECT_EQ(a.social.housework, b.social.housework);
  EXPECT_EQ(a.social.work, b.social.work);
  EXPECT_EQ(a.social.study, b.social.study);
  EXPECT_EQ(a.social.social, b.social.social);
  EXPECT_EQ(a.behaviour.minor_trouble, b.behaviour.minor_trouble);
  EXPECT_EQ(a.behaviour.trouble, b.behaviour.trouble);
  EXPECT_EQ(a.behaviour.accident, b.behaviour.accident);
  EXPECT_EQ(a.behaviour.other_harm, b.behaviour.other_harm);
  EXPECT_EQ(a.behaviour.self_harm, b.behaviour.self_harm);
  EXPECT_EQ(a.behaviour.attempted_suicide, b.behaviour.attempted_suicide);
  EXPECT_EQ(a.lockup, b.lockup);
  EXPECT_EQ(a.hospitalization, b.hospitalization);
  EXPECT_EQ(a.last_discharge_date, b.last_discharge_date);
  EXPECT_EQ(a.lab_done, b.lab_done);
  EXPECT_EQ(a.lab_text, b.lab_text);
  EXPECT_EQ(a.adherence, b.adherence);
  EXPECT_EQ(a.adr, b.adr);
  EXPECT_EQ(a.adr_text, b.adr_text);
  EXPECT_EQ(a.physical, b.physical);
  EXPECT_EQ(a.effect, b.effect);
  EXPECT_EQ(a.referral.referred, b.referral.referred);
  EXPECT_EQ(a.referral.reason, b.referral.reason);
  EXPECT_EQ(a.referral.hospital, b.referral.hospital);
  EXPECT_EQ(a.referral.department, b.referral.department);
  ExpectSameLines(a.medications, b.medications);
  ExpectSameLines(a.guidance, b.guidance);
  EXPECT_EQ(a.rehab, b.rehab);
  EXPECT_EQ(a.rehab_other, b.rehab_other);
  EXPECT_EQ(a.other_abnormality, b.other_abnormality);
  EXPECT_EQ(a.recorded_class, b.recorded_class);
  EXPECT_EQ(a.override_reason, b.override_reason);
  EXPECT_EQ(a.notes, b.notes);
}

smd::v1::FollowUpForm FullFormProto() {
  smd::v1::FollowUpForm p;
  FollowUpFormToProto(FullForm(), &p);
  return p;
}

// ---- Enums --------------------------------------------------------------------------------

// The domain enums must stay in step with the proto enums (domain/followup.h).
TEST(FollowUpConvertEnum, ProtoMaximaEqualDomainMaxima) {
  EXPECT_EQ(smd::v1::VisitMode_MAX, static_cast<int>(domain::VisitMode::kPhone));
  EXPECT_EQ(smd::v1::LostReason_MAX, static_cast<int>(domain::LostReason::kOther));
  EXPECT_EQ(smd::v1::SymptomSeverity_MAX, static_cast<int>(domain::SymptomSeverity::kMarked));
  EXPECT_EQ(smd::v1::Insight_MAX, static_cast<int>(domain::Insight::kLacking));
  EXPECT_EQ(smd::v1::Hospitalization_MAX,
            static_cast<int>(domain::Hospitalization::kPreviously));
  EXPECT_EQ(smd::v1::Adherence_MAX, static_cast<int>(domain::Adherence::kNotNeeded));
  EXPECT_EQ(smd::v1::AdverseReaction_MAX, static_cast<int>(domain::AdverseReaction::kSerious));
  EXPECT_EQ(smd::v1::PhysicalIllness_MAX, static_cast<int>(domain::PhysicalIllness::kSerious));
  EXPECT_EQ(smd::v1::Classification_MAX, static_cast<int>(domain::Classification::kStable));
  EXPECT_EQ(smd::v1::RequiredAction_MAX,
            static_cast<int>(domain::RequiredAction::kContinueRegimen));
  EXPECT_EQ(smd::v1::ReferralStatus_MAX, static_cast<int>(domain::ReferralStatus::kRefused));
  EXPECT_EQ(smd::v1::CheckResult_MAX, static_cast<int>(domain::CheckResult::kAbnormal));
  EXPECT_EQ(smd::v1::REQUIRED_ACTION_REFER_NOW, static_cast<int>(domain::RequiredAction::kReferNow));
  EXPECT_EQ(smd::v1::LOST_REASON_THREE_FAILURES,
            static_cast<int>(domain::LostReason::kThreeFailures));
  EXPECT_EQ(smd::v1::HOSPITALIZATION_NEVER, static_cast<int>(domain::Hospitalization::kNever));
  EXPECT_EQ(ClassificationToProto(domain::Classification::kBasicallyStable),
            smd::v1::CLASSIFICATION_BASICALLY_STABLE);
}

TEST(FollowUpConvertEnum, ReferralStatus) {
  EXPECT_EQ(*ReferralStatusFromProto(smd::v1::REFERRAL_STATUS_UNSPECIFIED, "status"),
            domain::ReferralStatus::kUnspecified);
  EXPECT_EQ(*ReferralStatusFromProto(smd::v1::REFERRAL_STATUS_REFUSED, "status"),
            domain::ReferralStatus::kRefused);
  EXPECT_THAT(ReferralStatusFromProto(static_cast<smd::v1::ReferralStatus>(6), "status").status(),
              IsFieldError("status"));
  const absl::Status neg =
      ReferralStatusFromProto(static_cast<smd::v1::ReferralStatus>(-1), "status").status();
  EXPECT_THAT(neg, IsFieldError("status"));
  EXPECT_THAT(std::string(neg.message()), HasSubstr("取值无效"));
  EXPECT_EQ(ReferralStatusToProto(domain::ReferralStatus::kAdmitted),
            smd::v1::REFERRAL_STATUS_ADMITTED);
}

// ---- Medication lines ---------------------------------------------------------------------

TEST(FollowUpConvertMedication, LinesRoundTrip) {
  google::protobuf::RepeatedPtrField<smd::v1::MedicationLine> protos;
  MedicationLineToProto(OralLine(), protos.Add());  // replaced below
  MedicationLinesToProto({OralLine(), InjectionLine()}, &protos);
  ASSERT_EQ(protos.size(), 2);
  EXPECT_THAT(UnsetFields(protos[0]), IsEmpty());
  EXPECT_EQ(protos[1].drug_code(), "DEMO-LAI-02");
  EXPECT_EQ(protos[1].dose_mg(), 75.5);
  ExpectSameLines(MedicationLinesFromProto(protos), {OralLine(), InjectionLine()});
  EXPECT_TRUE(MedicationLinesFromProto({}).empty());
}

// ---- Drug catalogue -----------------------------------------------------------------------

TEST(FollowUpConvertDrug, ToProtoSetsEveryField) {
  domain::DrugInfo d;
  d.code = "demo_drug";
  d.name_zh = "演示药";
  d.name_en = "demo drug";
  d.kind = domain::DrugKind::kLongActingInjectable;
  d.long_acting = true;
  d.min_daily_mg = 1;  // non-default on purpose: the converter copies every member
  d.max_daily_mg = 6.5;
  d.min_dose_mg = 25;
  d.max_dose_mg = 150;
  d.min_interval_weeks = 2;
  d.max_interval_weeks = 4;
  d.source = "演示来源";
  smd::v1::Drug p;
  DrugToProto(d, &p);
  EXPECT_THAT(UnsetFields(p), IsEmpty());
  EXPECT_EQ(p.kind(), 4);
  EXPECT_EQ(p.max_daily_mg(), 6.5);
  EXPECT_EQ(p.max_interval_weeks(), 4);

  domain::DrugInfo oral;
  oral.code = "demo_oral";
  oral.max_daily_mg = 6;
  DrugToProto(oral, &p);  // clears first; missing bounds are 0
  EXPECT_EQ(p.kind(), 1);
  EXPECT_FALSE(p.long_acting());
  EXPECT_EQ(p.min_daily_mg(), 0);
  EXPECT_EQ(p.max_daily_mg(), 6);
  EXPECT_EQ(p.min_dose_mg(), 0);
  EXPECT_EQ(p.max_interval_weeks(), 0);
  EXPECT_EQ(p.source(), "");
}

// ---- Follow-up forms ----------------------------------------------------------------------

TEST(FollowUpConvertForm, ToProtoSetsEveryField) {
  EXPECT_THAT(UnsetFields(FullFormProto()), IsEmpty());
}

TEST(FollowUpConvertForm, ToProtoCopiesValues) {
  const smd::v1::FollowUpForm p = FullFormProto();
  EXPECT_EQ(p.visit_date().year(), 2024);
  EXPECT_EQ(p.visit_date().month(), 2);
  EXPECT_EQ(p.visit_date().day(), 28);
  EXPECT_EQ(p.mode(), smd::v1::VISIT_MODE_HOME);
  EXPECT_THAT(p.subjects(), ElementsAre(1, 2));
  EXPECT_EQ(p.lost_reason(), smd::v1::LOST_REASON_OTHER);
  EXPECT_EQ(p.risk_level(), 4);
  EXPECT_EQ(p.symptom_severity(), smd::v1::SYMPTOM_SEVERITY_RESIDUAL);
  EXPECT_EQ(p.insight(), smd::v1::INSIGHT_PARTIAL);
  EXPECT_EQ(p.social().work(), 9);
  EXPECT_EQ(p.behaviour().attempted_suicide(), 6);
  EXPECT_EQ(p.lockup(), smd::v1::LOCKUP_RELEASED);
  EXPECT_EQ(p.hospitalization(), smd::v1::HOSPITALIZATION_PREVIOUSLY);
  EXPECT_EQ(p.adherence(), smd::v1::ADHERENCE_INTERMITTENT);
  EXPECT_EQ(p.adr(), smd::v1::ADVERSE_REACTION_MILD);
  EXPECT_EQ(p.physical(), smd::v1::PHYSICAL_ILLNESS_WORSENING);
  EXPECT_EQ(p.effect(), smd::v1::TREATMENT_EFFECT_IMPROVED);
  EXPECT_EQ(p.referral().department(), "精神科");
  ASSERT_EQ(p.medications_size(), 2);
  EXPECT_EQ(p.medications(0).drug_code(), "DEMO-ORAL-01");
  EXPECT_EQ(p.medications(0).noon_mg(), 1.25);
  ASSERT_EQ(p.guidance_size(), 1);
  EXPECT_EQ(p.guidance(0).drug_code(), "DEMO-LAI-02");
  EXPECT_EQ(p.recorded_class(), smd::v1::CLASSIFICATION_BASICALLY_STABLE);
  EXPECT_EQ(p.notes(), "演示备注\n第二行");
}

TEST(FollowUpConvertForm, FullFormRoundTrips) {
  const domain::FollowUpForm f = FullForm();
  const smd::v1::FollowUpForm p = FullFormProto();
  domain::FollowUpForm back;
  ASSERT_THAT(FollowUpFormFromProto(p, &back), IsOk());
  ExpectSameForm(back, f);

  smd::v1::FollowUpForm again;
  FollowUpFormToProto(back, &again);
  EXPECT_EQ(again.SerializeAsString(), p.SerializeAsString());
}

TEST(FollowUpConvertForm, MinimalFormLeavesOptionalPartsUnset) {
  smd::v1::FollowUpForm in;
  *in.mutable_visit_date() = MakeDate(2024, 3, 1);
  domain::FollowUpForm f = FullForm();  // every member is replaced
  ASSERT_THAT(FollowUpFormFromProto(in, &f), IsOk());
  EXPECT_EQ(f.visit_date, absl::CivilDay(2024, 3, 1));
  EXPECT_EQ(f.risk_level, std::nullopt);  // absent stays absent (issue 14), not level 0
  EXPECT_EQ(f.death_date, std::nullopt);
  EXPECT_EQ(f.last_discharge_date, std::nullopt);
  EXPECT_EQ(f.lost_reason, domain::LostReason::kNone);
  EXPECT_TRUE(f.medications.empty());
  EXPECT_TRUE(f.subjects.empty());
  EXPECT_EQ(f.notes, "");

  smd::v1::FollowUpForm out = FullFormProto();
  FollowUpFormToProto(f, &out);  // clears first
  EXPECT_FALSE(out.has_death_date());
  EXPECT_FALSE(out.has_last_discharge_date());
  EXPECT_FALSE(out.has_social());
  EXPECT_FALSE(out.has_behaviour());
  EXPECT_FALSE(out.has_referral());
  EXPECT_EQ(out.medications_size(), 0);
  EXPECT_EQ(out.notes(), "");
  EXPECT_FALSE(out.has_risk_level());
}

TEST(FollowUpConvertForm, MissingVisitDateIsRequired) {
  smd::v1::FollowUpForm in = FullFormProto();
  in.clear_visit_date();
  domain::FollowUpForm out;
  out.notes = "unchanged";
  const absl::Status s = FollowUpFormFromProto(in, &out);
  EXPECT_THAT(s, IsFieldError("visit_date"));
  EXPECT_EQ(std::string(s.message()), "visit_date: 必填 (required)");
  EXPECT_EQ(out.notes, "unchanged");

  *in.mutable_visit_date() = MakeDate(0, 0, 0);  // sent but all zero: the same as absent
  EXPECT_THAT(FollowUpFormFromProto(in, &out), IsFieldError("visit_date"));
}

TEST(FollowUpConvertForm, BadDateNamesTheField) {
  struct Case {
    std::string field;
    std::function<void(smd::v1::FollowUpForm*)> breaker;
  };
  const std::vector<Case> cases = {
      {"visit_date", [](smd::v1::FollowUpForm* f) { *f->mutable_visit_date() = MakeDate(2023, 2, 29); }},
      {"death_date", [](smd::v1::FollowUpForm* f) { f->mutable_death_date()->set_month(13); }},
      {"last_discharge_date",
       [](smd::v1::FollowUpForm* f) { *f->mutable_last_discharge_date() = MakeDate(2024, 0, 0); }},
  };
  for (const Case& c : cases) {
    smd::v1::FollowUpForm in = FullFormProto();
    c.breaker(&in);
    domain::FollowUpForm out;
    out.notes = "unchanged";
    const absl::Status s = FollowUpFormFromProto(in, &out);
    EXPECT_THAT(s, IsFieldError(c.field));
    EXPECT_THAT(std::string(s.message()), HasSubstr("日期无效"));
    EXPECT_EQ(out.notes, "unchanged");
  }
}

TEST(FollowUpConvertForm, OutOfRangeEnumNamesTheField) {
  struct Case {
    std::string field;
    std::function<void(smd::v1::FollowUpForm*, int)> set;
    int first_bad;  // the domain maximum + 1
  };
  const std::vector<Case> cases = {
      {"mode", [](smd::v1::FollowUpForm* f, int v) { f->set_mode(static_cast<smd::v1::VisitMode>(v)); }, 4},
      {"lost_reason",
       [](smd::v1::FollowUpForm* f, int v) { f->set_lost_reason(static_cast<smd::v1::LostReason>(v)); },
       6},
      {"symptom_severity",
       [](smd::v1::FollowUpForm* f, int v) {
         f->set_symptom_severity(static_cast<smd::v1::SymptomSeverity>(v));
       },
       4},
      {"insight", [](smd::v1::FollowUpForm* f, int v) { f->set_insight(static_cast<smd::v1::Insight>(v)); }, 4},
      {"lockup", [](smd::v1::FollowUpForm* f, int v) { f->set_lockup(static_cast<smd::v1::LockupStatus>(v)); }, 4},
      {"hospitalization",
       [](smd::v1::FollowUpForm* f, int v) {
         f->set_hospitalization(static_cast<smd::v1::Hospitalization>(v));
       },
       4},
      {"adherence",
       [](smd::v1::FollowUpForm* f, int v) { f->set_adherence(static_cast<smd::v1::Adherence>(v)); },
       5},
      {"adr", [](smd::v1::FollowUpForm* f, int v) { f->set_adr(static_cast<smd::v1::AdverseReaction>(v)); }, 4},
      {"physical",
       [](smd::v1::FollowUpForm* f, int v) { f->set_physical(static_cast<smd::v1::PhysicalIllness>(v)); },
       5},
      {"effect",
       [](smd::v1::FollowUpForm* f, int v) { f->set_effect(static_cast<smd::v1::TreatmentEffect>(v)); },
       5},
      {"recorded_class",
       [](smd::v1::FollowUpForm* f, int v) {
         f->set_recorded_class(static_cast<smd::v1::Classification>(v));
       },
       4},
  };
  const smd::v1::FollowUpForm base = FullFormProto();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field);
    for (const int bad : {c.first_bad, 99, -1}) {
      smd::v1::FollowUpForm in = base;
      c.set(&in, bad);
      domain::FollowUpForm out;
      out.notes = "unchanged";
      const absl::Status s = FollowUpFormFromProto(in, &out);
      EXPECT_THAT(s, IsFieldError(c.field)) << bad;
      EXPECT_THAT(std::string(s.message()), HasSubstr("取值无效"));
      EXPECT_EQ(out.notes, "unchanged");
    }
    // The domain maximum itself and 0 (not filled) are accepted.
    for (const int good : {0, c.first_bad - 1}) {
      smd::v1::FollowUpForm in = base;
      c.set(&in, good);
      domain::FollowUpForm out;
      EXPECT_THAT(FollowUpFormFromProto(in, &out), IsOk()) << good;
    }
  }
}

TEST(FollowUpConvertForm, FirstBadFieldInProtoOrderIsReported) {
  smd::v1::FollowUpForm in = FullFormProto();
  in.set_recorded_class(static_cast<smd::v1::Classification>(9));
  in.set_adherence(static_cast<smd::v1::Adherence>(9));
  in.mutable_last_discharge_date()->set_day(32);
  in.set_mode(static_cast<smd::v1::VisitMode>(9));
  domain::FollowUpForm out;
  EXPECT_THAT(FollowUpFormFromProto(in, &out), IsFieldError("mode"));
  in.set_mode(smd::v1::VISIT_MODE_PHONE);
  EXPECT_THAT(FollowUpFormFromProto(in, &out), IsFieldError("last_discharge_date"));
  in.clear_last_discharge_date();
  EXPECT_THAT(FollowUpFormFromProto(in, &out), IsFieldError("adherence"));
  in.set_adherence(smd::v1::ADHERENCE_REGULAR);
  EXPECT_THAT(FollowUpFormFromProto(in, &out), IsFieldError("recorded_class"));
  in.set_recorded_class(smd::v1::CLASSIFICATION_NONE);
  EXPECT_THAT(FollowUpFormFromProto(in, &out), IsOk());
}

TEST(FollowUpConvertForm, RiskLevelAndCodesAreCopiedUnchecked) {
  smd::v1::FollowUpForm in = FullFormProto();
  in.set_risk_level(17);   // the domain validates 0..5
  in.add_symptoms(static_cast<smd::v1::Symptom>(99));     // and the symptom codes
  in.mutable_social()->set_self_care(static_cast<smd::v1::Rating>(7));
  domain::FollowUpForm out;
  ASSERT_THAT(FollowUpFormFromProto(in, &out), IsOk());
  EXPECT_EQ(out.risk_level, 17);
  EXPECT_EQ(out.symptoms.back(), 99);
  EXPECT_EQ(out.social.self_care, 7);
}

// ---- Visits and assessments ---------------------------------------------------------------

TEST(FollowUpConvertVisit, ToProtoSetsEveryField) {
  smd::v1::FollowUp p;
  FollowUpToProto(FullFollowUp(), &p);
  // `alert` is the answer's own (RecordFollowUp sets it from the alert router), not the
  // stored visit's: FollowUpToProto leaves it unset.
  EXPECT_THAT(UnsetFields(p), ::testing::ElementsAre("alert"));
}

TEST(FollowUpConvertVisit, ToProtoCopiesValues) {
  const domain::FollowUp f = FullFollowUp();
  smd::v1::FollowUp p;
  FollowUpToProto(f, &p);
  EXPECT_EQ(p.followup_id(), f.id);
  EXPECT_EQ(p.visit_id(), f.visit_id);
  EXPECT_EQ(p.version(), 2);
  EXPECT_EQ(p.patient_id(), f.patient_id);
  EXPECT_EQ(p.author_id(), f.author_id);
  EXPECT_EQ(p.correction_reason(), "演示更正");
  EXPECT_EQ(*TimeFromProto(p.recorded_at(), "t"), f.recorded_at);
  EXPECT_TRUE(p.current());
  EXPECT_TRUE(p.unreadable());
  EXPECT_TRUE(p.reports_death());
  EXPECT_EQ(p.form().SerializeAsString(), FullFormProto().SerializeAsString());

  const smd::v1::Assessment& a = p.assessment();
  EXPECT_EQ(a.computed(), smd::v1::CLASSIFICATION_UNSTABLE);
  EXPECT_EQ(a.final_class(), smd::v1::CLASSIFICATION_BASICALLY_STABLE);
  EXPECT_THAT(a.actions(), ElementsAre(smd::v1::REQUIRED_ACTION_REFER_NOW,
                                       smd::v1::REQUIRED_ACTION_NOTIFY_POLICE,
                                       smd::v1::REQUIRED_ACTION_CONTINUE_REGIMEN));
  EXPECT_EQ(*DateFromProto(a.next_due(), "next_due"), absl::CivilDay(2024, 3, 13));
  EXPECT_TRUE(a.next_is_two_week_review());
  EXPECT_EQ(a.effective_lost_reason(), smd::v1::LOST_REASON_THREE_FAILURES);
  EXPECT_EQ(a.rule_set(), "demo-rules-1");
}

TEST(FollowUpConvertVisit, UnsetMembersStayUnset) {
  domain::FollowUp f;  // a death report: no next due date; recorded_at never set
  f.form.visit_date = absl::CivilDay(2024, 3, 1);
  f.current = false;
  smd::v1::FollowUp p;
  FollowUpToProto(FullFollowUp(), &p);
  FollowUpToProto(f, &p);  // clears first
  EXPECT_FALSE(p.has_recorded_at());
  EXPECT_FALSE(p.assessment().has_next_due());
  EXPECT_EQ(p.assessment().actions_size(), 0);
  EXPECT_FALSE(p.current());
  EXPECT_EQ(p.version(), 1);
  EXPECT_FALSE(p.form().has_risk_level());

  f.recorded_at = absl::InfinitePast();
  FollowUpToProto(f, &p);
  EXPECT_FALSE(p.has_recorded_at());
}

// A visit listed although its stored form did not decrypt: marked, and its death report
// known from the stored flag although the form has no death_date.
TEST(FollowUpConvertVisit, UnreadableVisitKeepsItsMarkAndDeathFlag) {
  domain::VisitFacts facts;
  facts.visit_date = absl::CivilDay(2024, 3, 1);
  facts.mode = domain::VisitMode::kPhone;
  domain::FollowUp f;
  f.form = domain::FormFromFacts(facts);
  f.reports_death = true;
  f.unreadable = true;
  smd::v1::FollowUp p;
  FollowUpToProto(f, &p);
  EXPECT_TRUE(p.unreadable());
  EXPECT_TRUE(p.reports_death());
  EXPECT_FALSE(p.form().has_death_date());
  EXPECT_EQ(p.form().mode(), smd::v1::VISIT_MODE_PHONE);
  EXPECT_EQ(*DateFromProto(p.form().visit_date(), "visit_date"), absl::CivilDay(2024, 3, 1));

  // A readable visit: the flag follows the form (a visit just recorded has no stored flag).
  domain::FollowUp readable;
  readable.form.visit_date = absl::CivilDay(2024, 3, 1);
  FollowUpToProto(readable, &p);
  EXPECT_FALSE(p.unreadable());
  EXPECT_FALSE(p.reports_death());
  readable.form.death_date = absl::CivilDay(2024, 2, 20);
  FollowUpToProto(readable, &p);
  EXPECT_TRUE(p.reports_death());
}

// ---- Emergencies --------------------------------------------------------------------------

domain::Emergency FullEmergency() {
  domain::Emergency e;
  e.id = "00000000-0000-4000-8000-000000000201";
  e.patient_id = "00000000-0000-4000-8000-000000000001";
  e.started_at = absl::FromUnixSeconds(1709100000) + absl::Nanoseconds(1);
  e.ended_at = absl::FromUnixSeconds(1709107200) + absl::Milliseconds(500);
  e.place = "演示地点";
  e.trigger = domain::EmergencyTrigger::kAcuteDrugReaction;
  e.description = "演示经过";
  e.measures = "演示措施";
  e.outcome = "演示结果";
  e.people_involved = "演示人员";
  e.registered_patient = true;
  e.recorded_by = "00000000-0000-4000-8000-000000000901";
  e.recorded_at = absl::FromUnixSeconds(1709110000) + absl::Microseconds(3);
  return e;
}

TEST(FollowUpConvertEmergency, ToProtoSetsEveryField) {
  smd::v1::Emergency p;
  EmergencyToProto(FullEmergency(), &p);
  EXPECT_THAT(UnsetFields(p), IsEmpty());
  EXPECT_EQ(p.record().patient_id(), p.patient_id());
  EXPECT_EQ(p.record().trigger(), 4);
}

TEST(FollowUpConvertEmergency, RoundTrip) {
  const domain::Emergency e = FullEmergency();
  smd::v1::Emergency p;
  EmergencyToProto(e, &p);

  domain::Emergency back;
  back.id = "kept";
  ASSERT_THAT(EmergencyFromProto(p.record(), &back), IsOk());
  EXPECT_EQ(back.id, "kept");  // server-set members are left alone
  EXPECT_EQ(back.recorded_by, "");
  EXPECT_EQ(back.patient_id, e.patient_id);
  EXPECT_EQ(back.started_at, e.started_at);
  EXPECT_EQ(back.ended_at, e.ended_at);
  EXPECT_EQ(back.place, e.place);
  EXPECT_EQ(back.trigger, e.trigger);
  EXPECT_EQ(back.description, e.description);
  EXPECT_EQ(back.measures, e.measures);
  EXPECT_EQ(back.outcome, e.outcome);
  EXPECT_EQ(back.people_involved, e.people_involved);
  EXPECT_EQ(back.registered_patient, e.registered_patient);

  back.id = e.id;
  back.recorded_by = e.recorded_by;
  back.recorded_at = e.recorded_at;
  smd::v1::Emergency again;
  EmergencyToProto(back, &again);
  EXPECT_EQ(again.SerializeAsString(), p.SerializeAsString());
}

TEST(FollowUpConvertEmergency, EndedAtIsOptional) {
  smd::v1::RecordEmergencyRequest in;
  in.mutable_started_at()->set_seconds(1709100000);
  domain::Emergency e;
  ASSERT_THAT(EmergencyFromProto(in, &e), IsOk());
  EXPECT_EQ(e.ended_at, absl::InfinitePast());
  EXPECT_EQ(e.trigger, domain::EmergencyTrigger::kUnspecified);
  EXPECT_FALSE(e.registered_patient);  // copied as sent

  smd::v1::Emergency p;
  EmergencyToProto(e, &p);
  EXPECT_FALSE(p.record().has_ended_at());
  EXPECT_FALSE(p.has_recorded_at());  // absl::Time() default: unset
  EXPECT_EQ(p.record().started_at().seconds(), 1709100000);
}

TEST(FollowUpConvertEmergency, StartedAtIsRequiredAndTriggerChecked) {
  smd::v1::Emergency full;
  EmergencyToProto(FullEmergency(), &full);

  smd::v1::RecordEmergencyRequest in = full.record();
  in.clear_started_at();
  domain::Emergency out;
  out.place = "unchanged";
  absl::Status s = EmergencyFromProto(in, &out);
  EXPECT_THAT(s, IsFieldError("started_at"));
  EXPECT_EQ(std::string(s.message()), "started_at: 必填 (required)");
  EXPECT_EQ(out.place, "unchanged");

  for (const int bad : {5, 99, -1}) {
    in = full.record();
    in.set_trigger(bad);
    s = EmergencyFromProto(in, &out);
    EXPECT_THAT(s, IsFieldError("trigger")) << bad;
    EXPECT_THAT(std::string(s.message()), HasSubstr("取值无效"));
    EXPECT_EQ(out.place, "unchanged");
  }
}

// ---- Referrals ----------------------------------------------------------------------------

TEST(FollowUpConvertReferral, ToProtoSetsEveryField) {
  domain::ReferralRecord r;
  r.id = "00000000-0000-4000-8000-000000000301";
  r.patient_id = "00000000-0000-4000-8000-000000000001";
  r.reason = "演示转诊原因";
  r.hospital = "演示医院";
  r.department = "精神科";
  r.urgent = true;
  r.status = domain::ReferralStatus::kReturned;
  r.note = "演示备注";
  r.requested_by = "00000000-0000-4000-8000-000000000901";
  r.requested_at = absl::FromUnixSeconds(1709000000) + absl::Nanoseconds(5);
  r.updated_at = absl::FromUnixSeconds(1709000100) + absl::Nanoseconds(7);
  smd::v1::Referral p;
  ReferralToProto(r, &p);
  EXPECT_THAT(UnsetFields(p), IsEmpty());
  EXPECT_EQ(p.status(), smd::v1::REFERRAL_STATUS_RETURNED);
  EXPECT_EQ(p.reason(), "演示转诊原因");
  EXPECT_EQ(*TimeFromProto(p.updated_at(), "t"), r.updated_at);

  ReferralToProto(domain::ReferralRecord(), &p);  // clears first
  EXPECT_EQ(p.status(), smd::v1::REFERRAL_STATUS_REQUESTED);
  EXPECT_FALSE(p.has_requested_at());
  EXPECT_FALSE(p.has_updated_at());
  EXPECT_EQ(p.reason(), "");
}

// ---- Discharge notices --------------------------------------------------------------------

domain::Discharge FullDischarge() {
  domain::Discharge d;
  d.id = "00000000-0000-4000-8000-000000000401";
  d.patient_id = "00000000-0000-4000-8000-000000000001";
  d.hospital = "演示医院";
  d.admitted_on = absl::CivilDay(2024, 1, 2);
  d.discharged_on = absl::CivilDay(2024, 2, 10);
  d.received_on = absl::CivilDay(2024, 2, 12);
  d.summary = "演示出院小结";
  d.first_followup_due = absl::CivilDay(2024, 2, 24);
  d.recorded_by = "00000000-0000-4000-8000-000000000901";
  return d;
}

TEST(FollowUpConvertDischarge, RoundTrip) {
  const domain::Discharge d = FullDischarge();
  smd::v1::Discharge p;
  DischargeToProto(d, &p);
  EXPECT_THAT(UnsetFields(p), IsEmpty());

  domain::Discharge back;
  back.first_followup_due = absl::CivilDay(2000, 1, 1);
  bool received_given = false;
  ASSERT_THAT(DischargeFromProto(p.record(), &back, &received_given), IsOk());
  EXPECT_TRUE(received_given);
  EXPECT_EQ(back.patient_id, d.patient_id);
  EXPECT_EQ(back.hospital, d.hospital);
  EXPECT_EQ(back.admitted_on, d.admitted_on);
  EXPECT_EQ(back.discharged_on, d.discharged_on);
  EXPECT_EQ(back.received_on, d.received_on);
  EXPECT_EQ(back.summary, d.summary);
  EXPECT_EQ(back.first_followup_due, absl::CivilDay(2000, 1, 1));  // server-set: kept
  EXPECT_EQ(back.id, "");

  back.id = d.id;
  back.first_followup_due = d.first_followup_due;
  smd::v1::Discharge again;
  DischargeToProto(back, &again);
  EXPECT_EQ(again.SerializeAsString(), p.SerializeAsString());
}

TEST(FollowUpConvertDischarge, OptionalDates) {
  smd::v1::RecordDischargeRequest in;
  *in.mutable_discharged_on() = MakeDate(2024, 2, 10);
  domain::Discharge d;
  d.received_on = absl::CivilDay(2024, 3, 1);  // the caller's "today"
  d.admitted_on = absl::CivilDay(2024, 1, 1);
  bool received_given = true;
  ASSERT_THAT(DischargeFromProto(in, &d, &received_given), IsOk());
  EXPECT_FALSE(received_given);
  EXPECT_EQ(d.received_on, absl::CivilDay(2024, 3, 1));
  EXPECT_EQ(d.admitted_on, std::nullopt);
  EXPECT_EQ(d.discharged_on, absl::CivilDay(2024, 2, 10));
  ASSERT_THAT(DischargeFromProto(in, &d, nullptr), IsOk());

  smd::v1::Discharge p;
  DischargeToProto(d, &p);
  EXPECT_FALSE(p.record().has_admitted_on());
}

TEST(FollowUpConvertDischarge, BadDatesNameTheField) {
  smd::v1::Discharge full;
  DischargeToProto(FullDischarge(), &full);

  smd::v1::RecordDischargeRequest in = full.record();
  in.clear_discharged_on();
  domain::Discharge out;
  out.summary = "unchanged";
  bool received_given = true;
  absl::Status s = DischargeFromProto(in, &out, &received_given);
  EXPECT_THAT(s, IsFieldError("discharged_on"));
  EXPECT_EQ(std::string(s.message()), "discharged_on: 必填 (required)");
  EXPECT_EQ(out.summary, "unchanged");
  EXPECT_TRUE(received_given);

  in = full.record();
  in.mutable_admitted_on()->set_month(13);
  in.mutable_received_on()->set_day(0);
  EXPECT_THAT(DischargeFromProto(in, &out, &received_given), IsFieldError("admitted_on"));
  in.clear_admitted_on();
  EXPECT_THAT(DischargeFromProto(in, &out, &received_given), IsFieldError("received_on"));
  in = full.record();
  *in.mutable_discharged_on() = MakeDate(2023, 2, 29);
  s = DischargeFromProto(in, &out, &received_given);
  EXPECT_THAT(s, IsFieldError("discharged_on"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("日期无效"));
  EXPECT_EQ(out.summary, "unchanged");
}

// ---- Health checks ------------------------------------------------------------------------

domain::HealthCheckRecord FullHealthCheck() {
  domain::HealthCheckRecord h;
  h.id = "00000000-0000-4000-8000-000000000501";
  h.patient_id = "00000000-0000-4000-8000-000000000001";
  h.check_date = absl::CivilDay(2024, 2, 20);
  h.consent = true;
  h.consent_by = "监护人";
  h.physical_exam = domain::CheckResult::kNormal;
  h.bp_systolic = 121;
  h.bp_diastolic = 79;
  h.weight_kg = 63.5;
  h.blood_count = domain::CheckResult::kAbnormal;
  h.liver_function = domain::CheckResult::kNormal;
  h.blood_glucose = domain::CheckResult::kAbnormal;
  h.ecg = domain::CheckResult::kNormal;
  h.notes = "演示体检备注";
  h.recorded_by = "00000000-0000-4000-8000-000000000901";
  return h;
}

TEST(FollowUpConvertHealthCheck, RoundTrip) {
  const domain::HealthCheckRecord h = FullHealthCheck();
  smd::v1::HealthCheck p;
  HealthCheckToProto(h, &p);
  EXPECT_THAT(UnsetFields(p), IsEmpty());
  EXPECT_EQ(p.record().blood_count(), smd::v1::CHECK_RESULT_ABNORMAL);

  domain::HealthCheckRecord back;
  back.recorded_by = "kept";
  ASSERT_THAT(HealthCheckFromProto(p.record(), &back), IsOk());
  EXPECT_EQ(back.recorded_by, "kept");
  EXPECT_EQ(back.id, "");
  EXPECT_EQ(back.patient_id, h.patient_id);
  EXPECT_EQ(back.check_date, h.check_date);
  EXPECT_EQ(back.consent, h.consent);
  EXPECT_EQ(back.consent_by, h.consent_by);
  EXPECT_EQ(back.physical_exam, h.physical_exam);
  EXPECT_EQ(back.bp_systolic, h.bp_systolic);
  EXPECT_EQ(back.bp_diastolic, h.bp_diastolic);
  EXPECT_EQ(back.weight_kg, h.weight_kg);
  EXPECT_EQ(back.blood_count, h.blood_count);
  EXPECT_EQ(back.liver_function, h.liver_function);
  EXPECT_EQ(back.blood_glucose, h.blood_glucose);
  EXPECT_EQ(back.ecg, h.ecg);
  EXPECT_EQ(back.notes, h.notes);

  back.id = h.id;
  smd::v1::HealthCheck again;
  HealthCheckToProto(back, &again);
  EXPECT_EQ(again.SerializeAsString(), p.SerializeAsString());
}

TEST(FollowUpConvertHealthCheck, CheckDateRequiredAndResultsChecked) {
  smd::v1::HealthCheck full;
  HealthCheckToProto(FullHealthCheck(), &full);

  smd::v1::RecordHealthCheckRequest in = full.record();
  in.clear_check_date();
  domain::HealthCheckRecord out;
  out.notes = "unchanged";
  EXPECT_THAT(HealthCheckFromProto(in, &out), IsFieldError("check_date"));
  in.mutable_check_date()->set_year(2024);  // year only
  EXPECT_THAT(HealthCheckFromProto(in, &out), IsFieldError("check_date"));

  struct Case {
    std::string field;
    void (*set)(smd::v1::RecordHealthCheckRequest*, smd::v1::CheckResult);
  };
  const std::vector<Case> cases = {
      {"physical_exam",
       [](smd::v1::RecordHealthCheckRequest* r, smd::v1::CheckResult v) { r->set_physical_exam(v); }},
      {"blood_count",
       [](smd::v1::RecordHealthCheckRequest* r, smd::v1::CheckResult v) { r->set_blood_count(v); }},
      {"liver_function",
       [](smd::v1::RecordHealthCheckRequest* r, smd::v1::CheckResult v) { r->set_liver_function(v); }},
      {"blood_glucose",
       [](smd::v1::RecordHealthCheckRequest* r, smd::v1::CheckResult v) { r->set_blood_glucose(v); }},
      {"ecg", [](smd::v1::RecordHealthCheckRequest* r, smd::v1::CheckResult v) { r->set_ecg(v); }},
  };
  for (const Case& c : cases) {
    for (const int bad : {3, -1}) {
      in = full.record();
      c.set(&in, static_cast<smd::v1::CheckResult>(bad));
      EXPECT_THAT(HealthCheckFromProto(in, &out), IsFieldError(c.field)) << bad;
    }
  }
  EXPECT_EQ(out.notes, "unchanged");

  // Not done (0) is a valid result.
  in = full.record();
  in.set_ecg(smd::v1::CHECK_RESULT_NOT_DONE);
  ASSERT_THAT(HealthCheckFromProto(in, &out), IsOk());
  EXPECT_EQ(out.ecg, domain::CheckResult::kNotDone);
}

// Issue 14: risk_level has presence. An absent level stays absent both ways; level 0 is
// present and comes back present.
TEST(FollowUpConvertForm, RiskLevelPresenceRoundTrips) {
  smd::v1::FollowUpForm in;
  *in.mutable_visit_date() = MakeDate(2024, 3, 1);
  in.set_risk_level(0);
  domain::FollowUpForm f;
  ASSERT_THAT(FollowUpFormFromProto(in, &f), IsOk());
  EXPECT_EQ(f.risk_level, std::optional<int>(0));
  smd::v1::FollowUpForm out;
  FollowUpFormToProto(f, &out);
  EXPECT_TRUE(out.has_risk_level());
  EXPECT_EQ(out.risk_level(), 0);
  f.risk_level.reset();
  FollowUpFormToProto(f, &out);
  EXPECT_FALSE(out.has_risk_level());
}

}  // namespace
}  // namespace smd::api
