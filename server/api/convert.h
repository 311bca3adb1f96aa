#pragma once
// Conversions between the smd.v1 protobuf messages and the domain value types
// (domain/types.h). Pure functions: no I/O, no clock, thread-safe.
//
// Direction proto -> domain checks only what the domain types cannot represent: a Date must be
// a real calendar date, and an enum value must be one the domain enum defines (proto3 enums
// are open, so a client may send 99). Everything else (text length, ranges, required fields,
// partial dates) is copied as given and validated by the domain layer
// (domain/patient_rules.h). Errors are INVALID_ARGUMENT "<field>: <中文> (<English>)"
// (domain/errors.h), where <field> is the proto field path below the request's details
// message ("consent_date", "past_lockup"); the message never contains the offending value.
//
// Direction domain -> proto is unchecked: proto enum numbers equal the domain enum numbers by
// design (domain/types.h), so the value is cast as is.

#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "domain/access_policy.h"
#include "domain/types.h"
#include "google/protobuf/timestamp.pb.h"
#include "smd/v1/common.pb.h"
#include "smd/v1/patients.pb.h"

namespace smd::api {

// Years a smd.v1.Date may carry. Wider than any form date needs; the domain applies the
// real bounds (not before birth, not in the future).
inline constexpr int kMinDateYear = 1900;
inline constexpr int kMaxDateYear = 2200;

// ---- Dates and times -------------------------------------------------------------------

// A smd.v1.Date as a CivilDay. The all-zero message (the field was not sent) is nullopt.
// Errors: INVALID_ARGUMENT "<field>: 日期无效 (not a valid date)" when the message is not
// all zero and is not a real Gregorian date with year kMinDateYear..kMaxDateYear (e.g.
// 2023-02-29, month 13, or a year without month and day).
[[nodiscard]] absl::StatusOr<std::optional<absl::CivilDay>> DateFromProto(const smd::v1::Date& d,
                                                                          std::string_view field);

// Writes `day` into *out; nullopt leaves *out cleared (all zero).
void DateToProto(const std::optional<absl::CivilDay>& day, smd::v1::Date* out);
void DateToProto(absl::CivilDay day, smd::v1::Date* out);

// Field-by-field copies; no validation here (ValidatePatientDetails checks onset).
domain::PartialDate PartialDateFromProto(const smd::v1::PartialDate& d);
void PartialDateToProto(const domain::PartialDate& d, smd::v1::PartialDate* out);

// Writes `t` into *out. absl::InfinitePast() leaves *out cleared (unset); times outside the
// range a Timestamp can hold (0001-01-01 .. 9999-12-31 UTC, e.g. InfiniteFuture) are clamped
// to its ends.
void TimeToProto(absl::Time t, google::protobuf::Timestamp* out);

// The instant of `ts`; nullopt when it is unset or zero (1970-01-01T00:00:00Z, which the
// server never records). Errors: INVALID_ARGUMENT "<field>: 时间无效 (not a valid timestamp
// ...)" when `ts` is not a valid google.protobuf.Timestamp: seconds outside 0001-01-01 ..
// 9999-12-31 UTC, or nanos outside [0, 999999999] (the proto's own rules; before this check,
// such values reached PostgreSQL and came back as INTERNAL).
[[nodiscard]] absl::StatusOr<std::optional<absl::Time>> TimeFromProto(
    const google::protobuf::Timestamp& ts, std::string_view field);

// ---- Enums ---------------------------------------------------------------------------------
//
// *FromProto accepts 0 (unspecified: "not filled") through the domain's largest value, and
// returns INVALID_ARGUMENT "<field>: 取值无效 (unknown enum value)" otherwise.
// *ToProto casts without a check.

[[nodiscard]] absl::StatusOr<domain::Role> RoleFromProto(smd::v1::Role v, std::string_view field);
[[nodiscard]] absl::StatusOr<domain::DiagnosisCategory> DiagnosisCategoryFromProto(
    smd::v1::DiagnosisCategory v, std::string_view field);
[[nodiscard]] absl::StatusOr<domain::LockupStatus> LockupStatusFromProto(smd::v1::LockupStatus v,
                                                                         std::string_view field);
[[nodiscard]] absl::StatusOr<domain::OutpatientHistory> OutpatientHistoryFromProto(
    smd::v1::OutpatientHistory v, std::string_view field);
[[nodiscard]] absl::StatusOr<domain::EconomicStatus> EconomicStatusFromProto(
    smd::v1::EconomicStatus v, std::string_view field);
[[nodiscard]] absl::StatusOr<domain::TreatmentEffect> TreatmentEffectFromProto(
    smd::v1::TreatmentEffect v, std::string_view field);
// For SearchPatientsRequest.status.
[[nodiscard]] absl::StatusOr<domain::PatientStatus> PatientStatusFromProto(smd::v1::PatientStatus v,
                                                                           std::string_view field);

smd::v1::Role RoleToProto(domain::Role v);
smd::v1::DiagnosisCategory DiagnosisCategoryToProto(domain::DiagnosisCategory v);
smd::v1::LockupStatus LockupStatusToProto(domain::LockupStatus v);
smd::v1::OutpatientHistory OutpatientHistoryToProto(domain::OutpatientHistory v);
smd::v1::EconomicStatus EconomicStatusToProto(domain::EconomicStatus v);
smd::v1::TreatmentEffect TreatmentEffectToProto(domain::TreatmentEffect v);
smd::v1::Sex SexToProto(domain::Sex v);
smd::v1::PatientStatus PatientStatusToProto(domain::PatientStatus v);
smd::v1::PatientView PatientViewToProto(domain::PatientViewKind v);

// ---- Patients ------------------------------------------------------------------------------

// Copies every field of the registration form (all of PatientDetails, including id_number and
// jurisdiction, which UpdatePatient callers ignore) into *out. Members of domain::Patient
// that PatientDetails does not carry (id, sex, birth_date, register state, metadata) are left
// as they were. Strings and counts are copied as given; past_symptoms as ints.
// Checks, in proto field order: consent_date, diagnosis, diagnosis_date, past_lockup,
// outpatient, first_antipsychotic_date, last_treatment_effect, economic (see DateFromProto
// and the enum converters above).
// Errors: INVALID_ARGUMENT naming the first bad field; *out is unchanged on error.
[[nodiscard]] absl::Status PatientDetailsFromProto(const smd::v1::PatientDetails& in,
                                                   domain::Patient* out);

// Writes `p` into *out (cleared first): patient_id, id_number (as given: the caller has
// already masked it per the view), sex, birth_date, details (every form field except
// details.id_number, which is input-only: the number is in the top-level id_number), status,
// risk_level, classification, closed_date, close_reason, death_cause, transfer_to, version,
// registered_at, updated_at and view.
//
// The caller has already cut `p` to the caller's view (domain::ApplyView), which resets
// hidden members to their defaults; such members stay empty or unset here: nullopt dates,
// an all-zero onset, guardian and past_behaviour are not set; registered_at/updated_at equal
// to absl::Time() (the epoch) or InfinitePast are not set; birth_date is not set when it is
// CivilDay() and id_number is empty (the identity group is hidden; a patient really born on
// 1970-01-01 always has an id_number).
// `view_kind` uses the numbers of smd.v1.PatientView (0 none, 1 clinical, 2 public safety).
void PatientToProto(const domain::Patient& p, int view_kind, smd::v1::Patient* out);
void PatientToProto(const domain::Patient& p, domain::PatientViewKind view, smd::v1::Patient* out);

}  // namespace smd::api
