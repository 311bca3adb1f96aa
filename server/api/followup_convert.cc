#include "api/followup_convert.h"

#include <optional>
#include <utility>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "api/convert.h"
#include "common/status_macros.h"
#include "domain/errors.h"

namespace smd::api {
namespace {

// Checks that `value` is 0..max_value (every domain enum here is dense from 0) and casts it.
// The same rule and message as the enum converters of api/convert.cc.
template <typename DomainEnum>
absl::StatusOr<DomainEnum> CheckedEnum(int value, DomainEnum max_value, std::string_view field) {
  if (value < 0 || value > static_cast<int>(max_value)) {
    return domain::FieldError(field, "取值无效", "unknown enum value");
  }
  return static_cast<DomainEnum>(value);
}

template <typename ProtoEnum, typename DomainEnum>
ProtoEnum Cast(DomainEnum v) {
  return static_cast<ProtoEnum>(static_cast<int>(v));
}

// A date the domain type cannot leave unset.
absl::StatusOr<absl::CivilDay> RequiredDate(const smd::v1::Date& d, std::string_view field) {
  ASSIGN_OR_RETURN(const std::optional<absl::CivilDay> day, DateFromProto(d, field));
  if (!day.has_value()) {
    return domain::FieldError(field, "必填", "required");
  }
  return *day;
}

// absl::Time() is the Unix epoch: the default of an unset domain timestamp. (Callers test this
// before mutable_*(), which would create the submessage.)
bool IsUnsetTime(absl::Time t) { return t == absl::Time() || t == absl::InfinitePast(); }

bool IsEmpty(const domain::SocialFunction& s) {
  return s.self_care == 0 && s.housework == 0 && s.work == 0 && s.study == 0 && s.social == 0;
}

bool IsEmpty(const domain::DangerousBehaviour& b) {
  return b.minor_trouble == 0 && b.trouble == 0 && b.accident == 0 && b.other_harm == 0 &&
         b.self_harm == 0 && b.attempted_suicide == 0;
}

bool IsEmpty(const domain::Referral& r) {
  return !r.referred && r.reason.empty() && r.hospital.empty() && r.department.empty();
}

domain::DangerousBehaviour BehaviourFromProto(const smd::v1::DangerousBehaviour& b) {
  domain::DangerousBehaviour out;
  out.minor_trouble = b.minor_trouble();
  out.trouble = b.trouble();
  out.accident = b.accident();
  out.other_harm = b.other_harm();
  out.self_harm = b.self_harm();
  out.attempted_suicide = b.attempted_suicide();
  return out;
}

void BehaviourToProto(const domain::DangerousBehaviour& b, smd::v1::DangerousBehaviour* out) {
  out->set_minor_trouble(b.minor_trouble);
  out->set_trouble(b.trouble);
  out->set_accident(b.accident);
  out->set_other_harm(b.other_harm);
  out->set_self_harm(b.self_harm);
  out->set_attempted_suicide(b.attempted_suicide);
}

}  // namespace

// ---- Enums -----------------------------------------------------------------------------------

absl::StatusOr<domain::ReferralStatus> ReferralStatusFromProto(smd::v1::ReferralStatus v,
                                                               std::string_view field) {
  return CheckedEnum(v, domain::ReferralStatus::kRefused, field);
}

smd::v1::ReferralStatus ReferralStatusToProto(domain::ReferralStatus v) {
  return Cast<smd::v1::ReferralStatus>(v);
}

smd::v1::Classification ClassificationToProto(domain::Classification v) {
  return Cast<smd::v1::Classification>(v);
}

// ---- Medication lines ------------------------------------------------------------------------

domain::MedicationLine MedicationLineFromProto(const smd::v1::MedicationLine& in) {
  domain::MedicationLine out;
  out.drug_code = in.drug_code();
  out.morning_mg = in.morning_mg();
  out.noon_mg = in.noon_mg();
  out.evening_mg = in.evening_mg();
  out.long_acting = in.long_acting();
  out.interval_weeks = in.interval_weeks();
  out.dose_mg = in.dose_mg();
  out.out_of_range_confirmed = in.out_of_range_confirmed();
  out.confirm_reason = in.confirm_reason();
  return out;
}

std::vector<domain::MedicationLine> MedicationLinesFromProto(
    const google::protobuf::RepeatedPtrField<smd::v1::MedicationLine>& in) {
  std::vector<domain::MedicationLine> out;
  out.reserve(in.size());
  for (const smd::v1::MedicationLine& line : in) {
    out.push_back(MedicationLineFromProto(line));
  }
  return out;
}

void MedicationLineToProto(const domain::MedicationLine& line, smd::v1::MedicationLine* out) {
  out->Clear();
  out->set_drug_code(line.drug_code);
  out->set_morning_mg(line.morning_mg);
  out->set_noon_mg(line.noon_mg);
  out->set_evening_mg(line.evening_mg);
  out->set_long_acting(line.long_acting);
  out->set_interval_weeks(line.interval_weeks);
  out->set_dose_mg(line.dose_mg);
  out->set_out_of_range_confirmed(line.out_of_range_confirmed);
  out->set_confirm_reason(line.confirm_reason);
}

void MedicationLinesToProto(const std::vector<domain::MedicationLine>& lines,
                            google::protobuf::RepeatedPtrField<smd::v1::MedicationLine>* out) {
  out->Clear();
  out->Reserve(static_cast<int>(lines.size()));
  for (const domain::MedicationLine& line : lines) {
    MedicationLineToProto(line, out->Add());
  }
}

// ---- Drug catalogue --------------------------------------------------------------------------

void DrugToProto(const domain::DrugInfo& drug, smd::v1::Drug* out) {
  out->Clear();
  out->set_code(drug.code);
  out->set_name_zh(drug.name_zh);
  out->set_name_en(drug.name_en);
  out->set_kind(static_cast<int>(drug.kind));
  out->set_long_acting(drug.long_acting);
  out->set_min_daily_mg(drug.min_daily_mg.value_or(0));
  out->set_max_daily_mg(drug.max_daily_mg.value_or(0));
  out->set_min_dose_mg(drug.min_dose_mg.value_or(0));
  out->set_max_dose_mg(drug.max_dose_mg.value_or(0));
  out->set_min_interval_weeks(drug.min_interval_weeks.value_or(0));
  out->set_max_interval_weeks(drug.max_interval_weeks.value_or(0));
  out->set_source(drug.source);
}

// ---- Follow-up visits ------------------------------------------------------------------------

absl::Status FollowUpFormFromProto(const smd::v1::FollowUpForm& in, domain::FollowUpForm* out) {
  // Built in a local and moved in at the end, so *out is unchanged on error.
  domain::FollowUpForm f;
  ASSIGN_OR_RETURN(f.visit_date, RequiredDate(in.visit_date(), "visit_date"));
  ASSIGN_OR_RETURN(f.mode, CheckedEnum(in.mode(), domain::VisitMode::kPhone, "mode"));
  // Option fields are proto enums (open: any number arrives and domain validation checks
  // the range, naming the field); the domain keeps the form's codes as ints.
  f.subjects.assign(in.subjects().begin(), in.subjects().end());
  ASSIGN_OR_RETURN(f.lost_reason,
                   CheckedEnum(in.lost_reason(), domain::LostReason::kOther, "lost_reason"));
  f.lost_reason_other = in.lost_reason_other();
  ASSIGN_OR_RETURN(f.death_date, DateFromProto(in.death_date(), "death_date"));
  f.death_cause = in.death_cause();
  if (in.has_risk_level()) f.risk_level = in.risk_level();
  ASSIGN_OR_RETURN(f.symptom_severity, CheckedEnum(in.symptom_severity(),
                                                   domain::SymptomSeverity::kMarked,
                                                   "symptom_severity"));
  f.symptoms.assign(in.symptoms().begin(), in.symptoms().end());
  f.symptoms_other = in.symptoms_other();
  ASSIGN_OR_RETURN(f.insight, CheckedEnum(in.insight(), domain::Insight::kLacking, "insight"));
  f.sleep = in.sleep();
  f.diet = in.diet();
  f.social.self_care = in.social().self_care();
  f.social.housework = in.social().housework();
  f.social.work = in.social().work();
  f.social.study = in.social().study();
  f.social.social = in.social().social();
  f.behaviour = BehaviourFromProto(in.behaviour());
  ASSIGN_OR_RETURN(f.lockup, LockupStatusFromProto(in.lockup(), "lockup"));
  ASSIGN_OR_RETURN(f.hospitalization, CheckedEnum(in.hospitalization(),
                                                  domain::Hospitalization::kPreviously,
                                                  "hospitalization"));
  ASSIGN_OR_RETURN(f.last_discharge_date,
                   DateFromProto(in.last_discharge_date(), "last_discharge_date"));
  f.lab_done = in.lab_done();
  f.lab_text = in.lab_text();
  ASSIGN_OR_RETURN(f.adherence,
                   CheckedEnum(in.adherence(), domain::Adherence::kNotNeeded, "adherence"));
  ASSIGN_OR_RETURN(f.adr, CheckedEnum(in.adr(), domain::AdverseReaction::kSerious, "adr"));
  f.adr_text = in.adr_text();
  ASSIGN_OR_RETURN(f.physical,
                   CheckedEnum(in.physical(), domain::PhysicalIllness::kSerious, "physical"));
  ASSIGN_OR_RETURN(f.effect, TreatmentEffectFromProto(in.effect(), "effect"));
  f.referral.referred = in.referral().referred();
  f.referral.reason = in.referral().reason();
  f.referral.hospital = in.referral().hospital();
  f.referral.department = in.referral().department();
  f.medications = MedicationLinesFromProto(in.medications());
  f.guidance = MedicationLinesFromProto(in.guidance());
  f.rehab.assign(in.rehab().begin(), in.rehab().end());
  f.rehab_other = in.rehab_other();
  f.other_abnormality = in.other_abnormality();
  ASSIGN_OR_RETURN(f.recorded_class, CheckedEnum(in.recorded_class(),
                                                 domain::Classification::kStable,
                                                 "recorded_class"));
  f.override_reason = in.override_reason();
  f.notes = in.notes();
  *out = std::move(f);
  return absl::OkStatus();
}

void FollowUpFormToProto(const domain::FollowUpForm& form, smd::v1::FollowUpForm* out) {
  out->Clear();
  DateToProto(form.visit_date, out->mutable_visit_date());
  out->set_mode(Cast<smd::v1::VisitMode>(form.mode));
  for (int s : form.subjects) out->add_subjects(static_cast<smd::v1::VisitSubject>(s));
  out->set_lost_reason(Cast<smd::v1::LostReason>(form.lost_reason));
  out->set_lost_reason_other(form.lost_reason_other);
  if (form.death_date.has_value()) {
    DateToProto(*form.death_date, out->mutable_death_date());
  }
  out->set_death_cause(static_cast<smd::v1::DeathCause>(form.death_cause));
  if (form.risk_level.has_value()) out->set_risk_level(*form.risk_level);
  out->set_symptom_severity(Cast<smd::v1::SymptomSeverity>(form.symptom_severity));
  for (int s : form.symptoms) out->add_symptoms(static_cast<smd::v1::Symptom>(s));
  out->set_symptoms_other(form.symptoms_other);
  out->set_insight(Cast<smd::v1::Insight>(form.insight));
  out->set_sleep(static_cast<smd::v1::Rating>(form.sleep));
  out->set_diet(static_cast<smd::v1::Rating>(form.diet));
  if (!IsEmpty(form.social)) {
    smd::v1::SocialFunction* s = out->mutable_social();
    s->set_self_care(static_cast<smd::v1::Rating>(form.social.self_care));
    s->set_housework(static_cast<smd::v1::Rating>(form.social.housework));
    s->set_work(static_cast<smd::v1::Rating>(form.social.work));
    s->set_study(static_cast<smd::v1::Rating>(form.social.study));
    s->set_social(static_cast<smd::v1::Rating>(form.social.social));
  }
  if (!IsEmpty(form.behaviour)) {
    BehaviourToProto(form.behaviour, out->mutable_behaviour());
  }
  out->set_lockup(LockupStatusToProto(form.lockup));
  out->set_hospitalization(Cast<smd::v1::Hospitalization>(form.hospitalization));
  if (form.last_discharge_date.has_value()) {
    DateToProto(*form.last_discharge_date, out->mutable_last_discharge_date());
  }
  out->set_lab_done(form.lab_done);
  out->set_lab_text(form.lab_text);
  out->set_adherence(Cast<smd::v1::Adherence>(form.adherence));
  out->set_adr(Cast<smd::v1::AdverseReaction>(form.adr));
  out->set_adr_text(form.adr_text);
  out->set_physical(Cast<smd::v1::PhysicalIllness>(form.physical));
  out->set_effect(TreatmentEffectToProto(form.effect));
  if (!IsEmpty(form.referral)) {
    smd::v1::ReferralOnVisit* r = out->mutable_referral();
    r->set_referred(form.referral.referred);
    r->set_reason(form.referral.reason);
    r->set_hospital(form.referral.hospital);
    r->set_department(form.referral.department);
  }
  MedicationLinesToProto(form.medications, out->mutable_medications());
  MedicationLinesToProto(form.guidance, out->mutable_guidance());
  for (int r : form.rehab) out->add_rehab(static_cast<smd::v1::RehabMeasure>(r));
  out->set_rehab_other(form.rehab_other);
  out->set_other_abnormality(form.other_abnormality);
  out->set_recorded_class(ClassificationToProto(form.recorded_class));
  out->set_override_reason(form.override_reason);
  out->set_notes(form.notes);
}

void AssessmentToProto(const domain::Assessment& a, smd::v1::Assessment* out) {
  out->Clear();
  out->set_computed(ClassificationToProto(a.computed));
  out->set_final_class(ClassificationToProto(a.final_class));
  for (const domain::RequiredAction action : a.actions) {
    out->add_actions(Cast<smd::v1::RequiredAction>(action));
  }
  if (a.next_due.has_value()) {
    DateToProto(*a.next_due, out->mutable_next_due());
  }
  out->set_next_is_two_week_review(a.next_is_two_week_review);
  out->set_effective_lost_reason(Cast<smd::v1::LostReason>(a.effective_lost_reason));
  out->set_rule_set(a.rule_set);
}

void FollowUpToProto(const domain::FollowUp& f, smd::v1::FollowUp* out) {
  out->Clear();
  out->set_followup_id(f.id);
  out->set_visit_id(f.visit_id);
  out->set_version(f.version);
  out->set_patient_id(f.patient_id);
  FollowUpFormToProto(f.form, out->mutable_form());
  AssessmentToProto(f.assessment, out->mutable_assessment());
  out->set_author_id(f.author_id);
  out->set_correction_reason(f.correction_reason);
  if (!IsUnsetTime(f.recorded_at)) {
    TimeToProto(f.recorded_at, out->mutable_recorded_at());
  }
  out->set_current(f.current);
  out->set_unreadable(f.unreadable);
  out->set_reports_death(domain::VisitReportsDeath(f));
}

// ---- Emergencies -----------------------------------------------------------------------------

absl::Status EmergencyFromProto(const smd::v1::RecordEmergencyRequest& in,
                                domain::Emergency* out) {
  ASSIGN_OR_RETURN(const std::optional<absl::Time> started,
                   TimeFromProto(in.started_at(), "started_at"));
  if (!started.has_value()) {
    return domain::FieldError("started_at", "必填", "required");
  }
  ASSIGN_OR_RETURN(const domain::EmergencyTrigger trigger,
                   CheckedEnum(in.trigger(), domain::EmergencyTrigger::kAcuteDrugReaction,
                               "trigger"));
  out->patient_id = in.patient_id();
  out->started_at = *started;
  ASSIGN_OR_RETURN(const std::optional<absl::Time> ended, TimeFromProto(in.ended_at(), "ended_at"));
  out->ended_at = ended.value_or(absl::InfinitePast());
  out->place = in.place();
  out->trigger = trigger;
  out->description = in.description();
  out->measures = in.measures();
  out->outcome = in.outcome();
  out->people_involved = in.people_involved();
  out->registered_patient = in.registered_patient();
  return absl::OkStatus();
}

void EmergencyToProto(const domain::Emergency& e, smd::v1::Emergency* out) {
  out->Clear();
  out->set_emergency_id(e.id);
  out->set_patient_id(e.patient_id);
  smd::v1::RecordEmergencyRequest* r = out->mutable_record();
  r->set_patient_id(e.patient_id);
  if (!IsUnsetTime(e.started_at)) {
    TimeToProto(e.started_at, r->mutable_started_at());
  }
  if (!IsUnsetTime(e.ended_at)) {
    TimeToProto(e.ended_at, r->mutable_ended_at());
  }
  r->set_place(e.place);
  r->set_trigger(static_cast<int>(e.trigger));
  r->set_description(e.description);
  r->set_measures(e.measures);
  r->set_outcome(e.outcome);
  r->set_people_involved(e.people_involved);
  r->set_registered_patient(e.registered_patient);
  out->set_recorded_by(e.recorded_by);
  if (!IsUnsetTime(e.recorded_at)) {
    TimeToProto(e.recorded_at, out->mutable_recorded_at());
  }
}

// ---- Referrals -------------------------------------------------------------------------------

void ReferralToProto(const domain::ReferralRecord& r, smd::v1::Referral* out) {
  out->Clear();
  out->set_referral_id(r.id);
  out->set_patient_id(r.patient_id);
  out->set_reason(r.reason);
  out->set_hospital(r.hospital);
  out->set_department(r.department);
  out->set_urgent(r.urgent);
  out->set_status(ReferralStatusToProto(r.status));
  out->set_note(r.note);
  out->set_requested_by(r.requested_by);
  if (!IsUnsetTime(r.requested_at)) {
    TimeToProto(r.requested_at, out->mutable_requested_at());
  }
  if (!IsUnsetTime(r.updated_at)) {
    TimeToProto(r.updated_at, out->mutable_updated_at());
  }
}

// ---- Discharge notices -----------------------------------------------------------------------

absl::Status DischargeFromProto(const smd::v1::RecordDischargeRequest& in, domain::Discharge* out,
                                bool* received_given) {
  ASSIGN_OR_RETURN(const std::optional<absl::CivilDay> admitted,
                   DateFromProto(in.admitted_on(), "admitted_on"));
  ASSIGN_OR_RETURN(const absl::CivilDay discharged,
                   RequiredDate(in.discharged_on(), "discharged_on"));
  ASSIGN_OR_RETURN(const std::optional<absl::CivilDay> received,
                   DateFromProto(in.received_on(), "received_on"));
  out->patient_id = in.patient_id();
  out->hospital = in.hospital();
  out->admitted_on = admitted;
  out->discharged_on = discharged;
  if (received.has_value()) {
    out->received_on = *received;
  }
  out->summary = in.summary();
  if (received_given != nullptr) {
    *received_given = received.has_value();
  }
  return absl::OkStatus();
}

void DischargeToProto(const domain::Discharge& d, smd::v1::Discharge* out) {
  out->Clear();
  out->set_discharge_id(d.id);
  out->set_patient_id(d.patient_id);
  smd::v1::RecordDischargeRequest* r = out->mutable_record();
  r->set_patient_id(d.patient_id);
  r->set_hospital(d.hospital);
  if (d.admitted_on.has_value()) {
    DateToProto(*d.admitted_on, r->mutable_admitted_on());
  }
  DateToProto(d.discharged_on, r->mutable_discharged_on());
  DateToProto(d.received_on, r->mutable_received_on());
  r->set_summary(d.summary);
  DateToProto(d.first_followup_due, out->mutable_first_followup_due());
}

// ---- Annual health checks --------------------------------------------------------------------

absl::Status HealthCheckFromProto(const smd::v1::RecordHealthCheckRequest& in,
                                  domain::HealthCheckRecord* out) {
  constexpr domain::CheckResult kMax = domain::CheckResult::kAbnormal;
  ASSIGN_OR_RETURN(const absl::CivilDay check_date, RequiredDate(in.check_date(), "check_date"));
  ASSIGN_OR_RETURN(const domain::CheckResult physical_exam,
                   CheckedEnum(in.physical_exam(), kMax, "physical_exam"));
  ASSIGN_OR_RETURN(const domain::CheckResult blood_count,
                   CheckedEnum(in.blood_count(), kMax, "blood_count"));
  ASSIGN_OR_RETURN(const domain::CheckResult liver_function,
                   CheckedEnum(in.liver_function(), kMax, "liver_function"));
  ASSIGN_OR_RETURN(const domain::CheckResult blood_glucose,
                   CheckedEnum(in.blood_glucose(), kMax, "blood_glucose"));
  ASSIGN_OR_RETURN(const domain::CheckResult ecg, CheckedEnum(in.ecg(), kMax, "ecg"));
  out->patient_id = in.patient_id();
  out->check_date = check_date;
  out->consent = in.consent();
  out->consent_by = in.consent_by();
  out->physical_exam = physical_exam;
  out->bp_systolic = in.bp_systolic();
  out->bp_diastolic = in.bp_diastolic();
  out->weight_kg = in.weight_kg();
  out->blood_count = blood_count;
  out->liver_function = liver_function;
  out->blood_glucose = blood_glucose;
  out->ecg = ecg;
  out->notes = in.notes();
  return absl::OkStatus();
}

void HealthCheckToProto(const domain::HealthCheckRecord& h, smd::v1::HealthCheck* out) {
  out->Clear();
  out->set_health_check_id(h.id);
  out->set_patient_id(h.patient_id);
  smd::v1::RecordHealthCheckRequest* r = out->mutable_record();
  r->set_patient_id(h.patient_id);
  DateToProto(h.check_date, r->mutable_check_date());
  r->set_consent(h.consent);
  r->set_consent_by(h.consent_by);
  r->set_physical_exam(Cast<smd::v1::CheckResult>(h.physical_exam));
  r->set_bp_systolic(h.bp_systolic);
  r->set_bp_diastolic(h.bp_diastolic);
  r->set_weight_kg(h.weight_kg);
  r->set_blood_count(Cast<smd::v1::CheckResult>(h.blood_count));
  r->set_liver_function(Cast<smd::v1::CheckResult>(h.liver_function));
  r->set_blood_glucose(Cast<smd::v1::CheckResult>(h.blood_glucose));
  r->set_ecg(Cast<smd::v1::CheckResult>(h.ecg));
  r->set_notes(h.notes);
}

}  // namespace smd::api
