#include "support/forms.h"

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace smd::testing {

v1::Date D(int y, int m, int d) {
  v1::Date x;
  x.set_year(y);
  x.set_month(m);
  x.set_day(d);
  return x;
}

v1::Date D(absl::CivilDay day) {
  return D(static_cast<int>(day.year()), day.month(), day.day());
}

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

}  // namespace smd::testing
