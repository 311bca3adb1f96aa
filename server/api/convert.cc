#include "api/convert.h"

#include <cstdint>
#include <utility>

#include "common/status_macros.h"
#include "domain/dates.h"
#include "domain/errors.h"

namespace smd::api {
namespace {

// google/protobuf/timestamp.proto: seconds must lie in [0001-01-01T00:00:00Z,
// 9999-12-31T23:59:59Z].
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;

// Checks that `value` is 0..max_value (every domain enum is dense from 0) and casts it.
template <typename DomainEnum>
absl::StatusOr<DomainEnum> CheckedEnum(int value, int max_value, std::string_view field) {
  if (value < 0 || value > max_value) {
    return domain::FieldError(field, "取值无效", "unknown enum value");
  }
  return static_cast<DomainEnum>(value);
}

bool IsAllZero(const domain::DangerousBehaviour& b) {
  return b.minor_trouble == 0 && b.trouble == 0 && b.accident == 0 && b.other_harm == 0 &&
         b.self_harm == 0 && b.attempted_suicide == 0;
}

bool IsEmpty(const domain::Guardian& g) {
  return g.name.empty() && g.relationship.empty() && g.address.empty() && g.phone.empty();
}

bool IsEmpty(const domain::PartialDate& d) { return d.year == 0 && d.month == 0 && d.day == 0; }

// absl::Time() is the Unix epoch: the default of an unset domain timestamp.
bool IsUnsetTime(absl::Time t) { return t == absl::Time() || t == absl::InfinitePast(); }

}  // namespace

// ---- Dates and times -------------------------------------------------------------------------

absl::StatusOr<std::optional<absl::CivilDay>> DateFromProto(const smd::v1::Date& d,
                                                            std::string_view field) {
  if (d.year() == 0 && d.month() == 0 && d.day() == 0) {
    return std::nullopt;
  }
  if (d.year() < kMinDateYear || d.year() > kMaxDateYear ||
      !domain::IsRealDate(d.year(), d.month(), d.day())) {
    return domain::FieldError(field, "日期无效", "not a valid date");
  }
  return absl::CivilDay(d.year(), d.month(), d.day());
}

void DateToProto(const std::optional<absl::CivilDay>& day, smd::v1::Date* out) {
  if (!day.has_value()) {
    out->Clear();
    return;
  }
  DateToProto(*day, out);
}

void DateToProto(absl::CivilDay day, smd::v1::Date* out) {
  out->set_year(static_cast<int32_t>(day.year()));
  out->set_month(day.month());
  out->set_day(day.day());
}

domain::PartialDate PartialDateFromProto(const smd::v1::PartialDate& d) {
  return domain::PartialDate{d.year(), d.month(), d.day()};
}

void PartialDateToProto(const domain::PartialDate& d, smd::v1::PartialDate* out) {
  out->set_year(d.year);
  out->set_month(d.month);
  out->set_day(d.day);
}

void TimeToProto(absl::Time t, google::protobuf::Timestamp* out) {
  out->Clear();
  if (t == absl::InfinitePast()) {
    return;
  }
  // Floor division, so that times before the epoch get nanos in [0, 1e9) as the proto requires.
  const absl::Duration since_epoch = t - absl::UnixEpoch();
  int64_t seconds = absl::ToInt64Seconds(absl::Floor(since_epoch, absl::Seconds(1)));
  int32_t nanos = static_cast<int32_t>(
      absl::ToInt64Nanoseconds(since_epoch - absl::Floor(since_epoch, absl::Seconds(1))));
  if (seconds < kMinTimestampSeconds) {
    seconds = kMinTimestampSeconds;
    nanos = 0;
  } else if (seconds > kMaxTimestampSeconds) {
    seconds = kMaxTimestampSeconds;
    nanos = 999999999;
  }
  out->set_seconds(seconds);
  out->set_nanos(nanos);
}

absl::StatusOr<std::optional<absl::Time>> TimeFromProto(const google::protobuf::Timestamp& ts,
                                                        std::string_view field) {
  if (ts.seconds() == 0 && ts.nanos() == 0) {
    return std::nullopt;
  }
  if (ts.seconds() < kMinTimestampSeconds || ts.seconds() > kMaxTimestampSeconds ||
      ts.nanos() < 0 || ts.nanos() > 999999999) {
    return domain::FieldError(field, "时间无效",
                              "not a valid timestamp: 0001-01-01..9999-12-31 UTC, nanos "
                              "0..999999999");
  }
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

// ---- Enums -----------------------------------------------------------------------------------

absl::StatusOr<domain::Role> RoleFromProto(smd::v1::Role v, std::string_view field) {
  return CheckedEnum<domain::Role>(v, domain::kMaxRole, field);
}

absl::StatusOr<domain::DiagnosisCategory> DiagnosisCategoryFromProto(smd::v1::DiagnosisCategory v,
                                                                     std::string_view field) {
  return CheckedEnum<domain::DiagnosisCategory>(
      v, static_cast<int>(domain::DiagnosisCategory::kIntellectualDisabilityRelated), field);
}

absl::StatusOr<domain::LockupStatus> LockupStatusFromProto(smd::v1::LockupStatus v,
                                                           std::string_view field) {
  return CheckedEnum<domain::LockupStatus>(v, static_cast<int>(domain::LockupStatus::kReleased),
                                           field);
}

absl::StatusOr<domain::OutpatientHistory> OutpatientHistoryFromProto(smd::v1::OutpatientHistory v,
                                                                     std::string_view field) {
  return CheckedEnum<domain::OutpatientHistory>(
      v, static_cast<int>(domain::OutpatientHistory::kContinuous), field);
}

absl::StatusOr<domain::EconomicStatus> EconomicStatusFromProto(smd::v1::EconomicStatus v,
                                                               std::string_view field) {
  return CheckedEnum<domain::EconomicStatus>(v, static_cast<int>(domain::EconomicStatus::kUnknown),
                                             field);
}

absl::StatusOr<domain::TreatmentEffect> TreatmentEffectFromProto(smd::v1::TreatmentEffect v,
                                                                 std::string_view field) {
  return CheckedEnum<domain::TreatmentEffect>(v, static_cast<int>(domain::TreatmentEffect::kWorse),
                                              field);
}

absl::StatusOr<domain::PatientStatus> PatientStatusFromProto(smd::v1::PatientStatus v,
                                                             std::string_view field) {
  return CheckedEnum<domain::PatientStatus>(v, static_cast<int>(domain::PatientStatus::kCancelled),
                                            field);
}

smd::v1::Role RoleToProto(domain::Role v) { return static_cast<smd::v1::Role>(v); }

smd::v1::DiagnosisCategory DiagnosisCategoryToProto(domain::DiagnosisCategory v) {
  return static_cast<smd::v1::DiagnosisCategory>(v);
}

smd::v1::LockupStatus LockupStatusToProto(domain::LockupStatus v) {
  return static_cast<smd::v1::LockupStatus>(v);
}

smd::v1::OutpatientHistory OutpatientHistoryToProto(domain::OutpatientHistory v) {
  return static_cast<smd::v1::OutpatientHistory>(v);
}

smd::v1::EconomicStatus EconomicStatusToProto(domain::EconomicStatus v) {
  return static_cast<smd::v1::EconomicStatus>(v);
}

smd::v1::TreatmentEffect TreatmentEffectToProto(domain::TreatmentEffect v) {
  return static_cast<smd::v1::TreatmentEffect>(v);
}

smd::v1::Sex SexToProto(domain::Sex v) { return static_cast<smd::v1::Sex>(v); }

smd::v1::PatientStatus PatientStatusToProto(domain::PatientStatus v) {
  return static_cast<smd::v1::PatientStatus>(v);
}

smd::v1::PatientView PatientViewToProto(domain::PatientViewKind v) {
  return static_cast<smd::v1::PatientView>(v);
}

// ---- Patients --------------------------------------------------------------------------------

absl::Status PatientDetailsFromProto(const smd::v1::PatientDetails& in, domain::Patient* out) {
  // Filled into a copy and swapped in at the end, so *out is unchanged on error.
  domain::Patient p = *out;
  p.id_number = in.id_number();
  p.name = in.name();
  p.phone = in.phone();
  p.address = in.address();
  p.jurisdiction = in.jurisdiction();
  p.guardian.name = in.guardian().name();
  p.guardian.relationship = in.guardian().relationship();
  p.guardian.address = in.guardian().address();
  p.guardian.phone = in.guardian().phone();
  p.community_contact_name = in.community_contact_name();
  p.community_contact_phone = in.community_contact_phone();
  p.consent = in.consent();
  ASSIGN_OR_RETURN(p.consent_date, DateFromProto(in.consent_date(), "consent_date"));
  p.consent_signer = in.consent_signer();
  ASSIGN_OR_RETURN(p.diagnosis, DiagnosisCategoryFromProto(in.diagnosis(), "diagnosis"));
  p.icd10 = in.icd10();
  p.diagnosing_hospital = in.diagnosing_hospital();
  ASSIGN_OR_RETURN(p.diagnosis_date, DateFromProto(in.diagnosis_date(), "diagnosis_date"));
  p.onset = PartialDateFromProto(in.onset());
  p.past_symptoms.assign(in.past_symptoms().begin(), in.past_symptoms().end());
  p.past_symptoms_other = in.past_symptoms_other();
  ASSIGN_OR_RETURN(p.past_lockup, LockupStatusFromProto(in.past_lockup(), "past_lockup"));
  ASSIGN_OR_RETURN(p.outpatient, OutpatientHistoryFromProto(in.outpatient(), "outpatient"));
  ASSIGN_OR_RETURN(p.first_antipsychotic_date,
                   DateFromProto(in.first_antipsychotic_date(), "first_antipsychotic_date"));
  p.hospitalizations = in.hospitalizations();
  ASSIGN_OR_RETURN(p.last_treatment_effect,
                   TreatmentEffectFromProto(in.last_treatment_effect(), "last_treatment_effect"));
  const smd::v1::DangerousBehaviour& b = in.past_behaviour();
  p.past_behaviour.minor_trouble = b.minor_trouble();
  p.past_behaviour.trouble = b.trouble();
  p.past_behaviour.accident = b.accident();
  p.past_behaviour.other_harm = b.other_harm();
  p.past_behaviour.self_harm = b.self_harm();
  p.past_behaviour.attempted_suicide = b.attempted_suicide();
  ASSIGN_OR_RETURN(p.economic, EconomicStatusFromProto(in.economic(), "economic"));
  p.specialist_opinion = in.specialist_opinion();
  p.poverty_relief = in.poverty_relief();
  p.guardianship_subsidy = in.guardianship_subsidy();
  p.disability_certificate = in.disability_certificate();
  p.community_rehab = in.community_rehab();
  *out = std::move(p);
  return absl::OkStatus();
}

void PatientToProto(const domain::Patient& p, int view_kind, smd::v1::Patient* out) {
  out->Clear();
  out->set_patient_id(p.id);
  out->set_id_number(p.id_number);
  out->set_sex(SexToProto(p.sex));
  if (!(p.birth_date == absl::CivilDay() && p.id_number.empty())) {
    DateToProto(p.birth_date, out->mutable_birth_date());
  }

  smd::v1::PatientDetails* d = out->mutable_details();
  // details.id_number is input-only: the (possibly masked) number is out->id_number.
  d->set_name(p.name);
  d->set_phone(p.phone);
  d->set_address(p.address);
  d->set_jurisdiction(p.jurisdiction);
  if (!IsEmpty(p.guardian)) {
    smd::v1::Guardian* g = d->mutable_guardian();
    g->set_name(p.guardian.name);
    g->set_relationship(p.guardian.relationship);
    g->set_address(p.guardian.address);
    g->set_phone(p.guardian.phone);
  }
  d->set_community_contact_name(p.community_contact_name);
  d->set_community_contact_phone(p.community_contact_phone);
  d->set_consent(p.consent);
  if (p.consent_date.has_value()) {
    DateToProto(*p.consent_date, d->mutable_consent_date());
  }
  d->set_consent_signer(p.consent_signer);
  d->set_diagnosis(DiagnosisCategoryToProto(p.diagnosis));
  d->set_icd10(p.icd10);
  d->set_diagnosing_hospital(p.diagnosing_hospital);
  if (p.diagnosis_date.has_value()) {
    DateToProto(*p.diagnosis_date, d->mutable_diagnosis_date());
  }
  if (!IsEmpty(p.onset)) {
    PartialDateToProto(p.onset, d->mutable_onset());
  }
  d->mutable_past_symptoms()->Add(p.past_symptoms.begin(), p.past_symptoms.end());
  d->set_past_symptoms_other(p.past_symptoms_other);
  d->set_past_lockup(LockupStatusToProto(p.past_lockup));
  d->set_outpatient(OutpatientHistoryToProto(p.outpatient));
  if (p.first_antipsychotic_date.has_value()) {
    DateToProto(*p.first_antipsychotic_date, d->mutable_first_antipsychotic_date());
  }
  d->set_hospitalizations(p.hospitalizations);
  d->set_last_treatment_effect(TreatmentEffectToProto(p.last_treatment_effect));
  if (!IsAllZero(p.past_behaviour)) {
    smd::v1::DangerousBehaviour* b = d->mutable_past_behaviour();
    b->set_minor_trouble(p.past_behaviour.minor_trouble);
    b->set_trouble(p.past_behaviour.trouble);
    b->set_accident(p.past_behaviour.accident);
    b->set_other_harm(p.past_behaviour.other_harm);
    b->set_self_harm(p.past_behaviour.self_harm);
    b->set_attempted_suicide(p.past_behaviour.attempted_suicide);
  }
  d->set_economic(EconomicStatusToProto(p.economic));
  d->set_specialist_opinion(p.specialist_opinion);
  d->set_poverty_relief(p.poverty_relief);
  d->set_guardianship_subsidy(p.guardianship_subsidy);
  d->set_disability_certificate(p.disability_certificate);
  d->set_community_rehab(p.community_rehab);

  out->set_status(PatientStatusToProto(p.status));
  out->set_risk_level(p.risk_level);
  out->set_classification(static_cast<smd::v1::Classification>(p.classification));
  if (p.closed_date.has_value()) {
    DateToProto(*p.closed_date, out->mutable_closed_date());
  }
  out->set_close_reason(p.close_reason);
  out->set_death_cause(p.death_cause);
  out->set_transfer_to(p.transfer_to);
  out->set_version(p.version);
  if (!IsUnsetTime(p.registered_at)) {
    TimeToProto(p.registered_at, out->mutable_registered_at());
  }
  if (!IsUnsetTime(p.updated_at)) {
    TimeToProto(p.updated_at, out->mutable_updated_at());
  }
  out->set_view(static_cast<smd::v1::PatientView>(view_kind));
}

void PatientToProto(const domain::Patient& p, domain::PatientViewKind view, smd::v1::Patient* out) {
  PatientToProto(p, static_cast<int>(view), out);
}

}  // namespace smd::api
