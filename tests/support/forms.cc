#include "support/forms.h"

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "support/synthetic.h"

namespace smd::testing {

v1::Date D(int y, int m, int d) {
  v1::Date x;
  x.set_year(y);
  x.set_month(m);
  x.set_day(d);
  return x;
}

v1::Date D(absl::CivilDay day) { return D(static_cast<int>(day.year()), day.month(), day.day()); }

absl::CivilDay TodayBeijing() {
  return absl::ToCivilDay(absl::Now(), absl::FixedTimeZone(8 * 3600));
}

v1::FollowUpForm Form(v1::Date date, int risk) {
  v1::FollowUpForm f;
  *f.mutable_visit_date() = date;
  f.set_mode(v1::VISIT_MODE_HOME);
  f.add_subjects(v1::VISIT_SUBJECT_PATIENT);
  f.add_subjects(v1::VISIT_SUBJECT_FAMILY);
  f.set_risk_level(risk);
  f.set_symptom_severity(risk >= 3 ? v1::SYMPTOM_SEVERITY_MARKED : v1::SYMPTOM_SEVERITY_NONE);
  f.set_insight(risk >= 3 ? v1::INSIGHT_PARTIAL : v1::INSIGHT_COMPLETE);
  f.set_sleep(v1::RATING_GOOD);
  f.set_diet(v1::RATING_GOOD);
  auto* s = f.mutable_social();
  s->set_self_care(v1::RATING_GOOD);
  s->set_housework(v1::RATING_GOOD);
  s->set_work(v1::RATING_NOT_APPLICABLE);
  s->set_study(v1::RATING_GOOD);
  s->set_social(v1::RATING_GOOD);
  f.set_lockup(v1::LOCKUP_NONE);
  f.set_hospitalization(v1::HOSPITALIZATION_NEVER);
  f.set_adherence(v1::ADHERENCE_REGULAR);
  f.set_adr(v1::ADVERSE_REACTION_NONE);
  f.set_physical(v1::PHYSICAL_ILLNESS_NONE);
  f.set_effect(v1::TREATMENT_EFFECT_IMPROVED);
  auto* m = f.add_medications();
  m->set_drug_code("risperidone");
  m->set_morning_mg(2);
  m->set_evening_mg(2);
  return f;
}

v1::PatientDetails SyntheticDetails(int n, const std::string& community, int first_birth_year,
                                    const std::string& name_prefix, int guardian_phone_base) {
  const absl::CivilDay birth = absl::CivilDay(first_birth_year, 1, 1) + n / 1000;
  v1::PatientDetails d;
  d.set_id_number(SyntheticIdNumber(birth, n % 1000));
  d.set_name(absl::StrFormat("%s%05d", name_prefix, n));
  d.set_phone(UndiallablePhone(n));
  d.set_address(absl::StrFormat("南京市鼓楼区演示路%d号 (synthetic)", n));
  d.set_jurisdiction(community);
  auto* g = d.mutable_guardian();
  g->set_name(absl::StrFormat("演示监护人%05d", n));
  g->set_relationship("母亲");
  g->set_address(d.address());
  g->set_phone(UndiallablePhone(guardian_phone_base + n));
  d.set_consent(true);
  *d.mutable_consent_date() = D(2024, 1, 15);
  d.set_consent_signer("监护人");
  d.set_diagnosis(v1::DIAGNOSIS_SCHIZOPHRENIA);
  d.set_icd10("F20.0");
  d.set_diagnosing_hospital("南京市脑科医院");
  *d.mutable_diagnosis_date() = D(2023, 5, 1);
  d.mutable_onset()->set_year(2022);
  d.add_past_symptoms(1);
  d.set_past_lockup(v1::LOCKUP_NONE);
  d.set_outpatient(v1::OUTPATIENT_CONTINUOUS);
  d.set_economic(v1::ECONOMIC_NOT_POOR);
  return d;
}

}  // namespace smd::testing
