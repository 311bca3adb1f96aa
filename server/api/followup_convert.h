#pragma once
// Conversions between the smd.v1 follow-up messages (smd/v1/followups.proto) and the domain
// value types of domain/followup.h and domain/care_records.h. Pure functions: no I/O, no clock,
// thread-safe. Same policy as api/convert.h, whose date, time and enum helpers these reuse:
//
// Direction proto -> domain checks only what the domain types cannot represent: a Date must be
// a real calendar date, a date or timestamp the domain type has no "unset" for must be present,
// and an enum value must be one the domain enum defines (proto3 enums are open). Everything
// else (text length, ranges such as risk_level 0..5, codes in repeated int fields, dose ranges,
// which fields a failed visit may carry) is copied as given and validated by the domain layer.
// Errors are INVALID_ARGUMENT "<field>: <中文> (<English>)" (domain/errors.h), where <field> is
// the proto field path below the converted message ("visit_date", "adherence", "trigger");
// the message never contains the offending value. On error the output is unchanged.
//
// Direction domain -> proto is unchecked: proto enum numbers equal the domain enum numbers by
// design (domain/followup.h, domain/care_records.h), so values are cast as is. Each *ToProto
// clears its output first. Optional dates that are nullopt, and timestamps equal to
// absl::InfinitePast() or absl::Time() (the epoch, the default of an unset domain timestamp),
// are left unset.

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "domain/care_records.h"
#include "domain/followup.h"
#include "domain/medication.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "smd/v1/followups.pb.h"

namespace smd::api {

// ---- Enums ---------------------------------------------------------------------------------

// Accepts 0 (unspecified) through REFERRAL_STATUS_REFUSED. Errors: INVALID_ARGUMENT
// "<field>: 取值无效 (unknown enum value)" otherwise.
[[nodiscard]] absl::StatusOr<domain::ReferralStatus> ReferralStatusFromProto(
    smd::v1::ReferralStatus v, std::string_view field);

smd::v1::ReferralStatus ReferralStatusToProto(domain::ReferralStatus v);
smd::v1::Classification ClassificationToProto(domain::Classification v);  // e.g. WorklistItem

// ---- Medication lines ----------------------------------------------------------------------

// Field-by-field copies; no validation (the domain checks codes and the catalogue ranges).
domain::MedicationLine MedicationLineFromProto(const smd::v1::MedicationLine& in);
std::vector<domain::MedicationLine> MedicationLinesFromProto(
    const google::protobuf::RepeatedPtrField<smd::v1::MedicationLine>& in);
void MedicationLineToProto(const domain::MedicationLine& line, smd::v1::MedicationLine* out);
// Replaces the contents of *out with `lines`, in order.
void MedicationLinesToProto(const std::vector<domain::MedicationLine>& lines,
                            google::protobuf::RepeatedPtrField<smd::v1::MedicationLine>* out);

// ---- Drug catalogue ------------------------------------------------------------------------

// Writes every member of `drug` (kind as its stored number). A missing bound (nullopt) is
// written as 0, which proto3 cannot tell from "not set": read such a 0 as "not checked".
void DrugToProto(const domain::DrugInfo& drug, smd::v1::Drug* out);

// ---- Follow-up visits ----------------------------------------------------------------------

// Replaces *out with every field of the form. behaviour, lockup and effect map to the shared
// domain::DangerousBehaviour / LockupStatus / TreatmentEffect; referral to domain::Referral;
// the option enums (subjects, death_cause, symptoms, sleep, diet, social.*, rehab) are
// copied as their numbers, and risk_level when present (absent stays absent: issue 14).
// Checks, in proto field order: visit_date (required), mode, lost_reason, death_date,
// symptom_severity, insight, lockup, hospitalization, last_discharge_date, adherence, adr,
// physical, effect, recorded_class.
// Errors: INVALID_ARGUMENT naming the first bad field: "visit_date: 必填 (required)" when
// visit_date is not sent; "<date field>: 日期无效 (not a valid date)"; "<enum field>: 取值无效
// (unknown enum value)". *out is unchanged on error.
[[nodiscard]] absl::Status FollowUpFormFromProto(const smd::v1::FollowUpForm& in,
                                                 domain::FollowUpForm* out);

// Writes every member of `form` into *out. social, behaviour and referral are left unset when
// all their members are zero/empty; death_date and last_discharge_date when nullopt.
void FollowUpFormToProto(const domain::FollowUpForm& form, smd::v1::FollowUpForm* out);

// Writes the rules engine's result: the classifications, actions (as RequiredAction values, in
// the stored order), next_due (unset when nullopt, e.g. after a death), the two-week-review
// flag, effective_lost_reason and rule_set.
void AssessmentToProto(const domain::Assessment& a, smd::v1::Assessment* out);

// Writes a stored visit version: ids, version, patient_id, form, assessment, author_id,
// correction_reason, recorded_at, current, unreadable, and reports_death
// (domain::VisitReportsDeath: the form's death_date, or the stored flag).
void FollowUpToProto(const domain::FollowUp& f, smd::v1::FollowUp* out);

// ---- Emergencies (表12) --------------------------------------------------------------------

// Copies patient_id, started_at, ended_at, place, trigger, description, measures, outcome,
// people_involved and registered_patient into *out. ended_at not sent (or zero) is stored as
// absl::InfinitePast(), meaning "not recorded". id, recorded_by and recorded_at are left as
// they were (the server sets them).
// Errors: INVALID_ARGUMENT "started_at: 必填 (required)" when started_at is unset or zero;
// "trigger: 取值无效 (unknown enum value)" when trigger is not 0..4. *out is unchanged on error.
[[nodiscard]] absl::Status EmergencyFromProto(const smd::v1::RecordEmergencyRequest& in,
                                              domain::Emergency* out);

// Writes emergency_id, patient_id (also record.patient_id), the record, recorded_by and
// recorded_at.
void EmergencyToProto(const domain::Emergency& e, smd::v1::Emergency* out);

// ---- Referrals (表10) ----------------------------------------------------------------------

// Writes every member of `r`.
void ReferralToProto(const domain::ReferralRecord& r, smd::v1::Referral* out);

// ---- Discharge notices (表4) ---------------------------------------------------------------

// Copies patient_id, hospital, admitted_on (optional), discharged_on, received_on and summary
// into *out. When received_on is not sent, out->received_on is left as it was and
// *received_given is false (the caller defaults it to today); otherwise *received_given is
// true. received_given may be null. id, first_followup_due and recorded_by are left as they
// were.
// Errors: INVALID_ARGUMENT "discharged_on: 必填 (required)" when not sent; "<date field>:
// 日期无效 (not a valid date)" for admitted_on, discharged_on, received_on (checked in that
// order). *out and *received_given are unchanged on error.
[[nodiscard]] absl::Status DischargeFromProto(const smd::v1::RecordDischargeRequest& in,
                                              domain::Discharge* out, bool* received_given);

// Writes discharge_id, patient_id (also record.patient_id), the record and first_followup_due.
void DischargeToProto(const domain::Discharge& d, smd::v1::Discharge* out);

// ---- Annual health checks ------------------------------------------------------------------

// Copies patient_id, check_date, consent, consent_by, the five CheckResults, blood pressure,
// weight and notes into *out. id and recorded_by are left as they were. consent is copied as
// given (the domain requires it).
// Errors: INVALID_ARGUMENT "check_date: 必填 (required)" / "check_date: 日期无效 (not a valid
// date)"; "<result field>: 取值无效 (unknown enum value)" for physical_exam, blood_count,
// liver_function, blood_glucose, ecg (checked in that order). *out is unchanged on error.
[[nodiscard]] absl::Status HealthCheckFromProto(const smd::v1::RecordHealthCheckRequest& in,
                                                domain::HealthCheckRecord* out);

// Writes health_check_id, patient_id (also record.patient_id) and the record.
void HealthCheckToProto(const domain::HealthCheckRecord& h, smd::v1::HealthCheck* out);

}  // namespace smd::api
