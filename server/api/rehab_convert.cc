#include "api/rehab_convert.h"

#include "api/convert.h"
#include "common/status_macros.h"
#include "domain/errors.h"

namespace smd::api {
namespace {

absl::StatusOr<absl::CivilDay> RequiredDay(const smd::v1::Date& d, std::string_view field) {
  ASSIGN_OR_RETURN(const std::optional<absl::CivilDay> day, DateFromProto(d, field));
  if (!day) return domain::FieldError(field, "必填", "required");
  return *day;
}

}  // namespace

absl::Status RehabSessionFromProto(const smd::v1::RecordRehabSessionRequest& in,
                                   domain::RehabSession* out) {
  ASSIGN_OR_RETURN(out->session_date, RequiredDay(in.session_date(), "session_date"));
  out->patient_id = in.patient_id();
  out->activity = static_cast<domain::RehabActivity>(static_cast<int>(in.activity()));
  out->place = in.place();
  out->programme = in.programme();
  if (in.duration_minutes() != 0) out->duration_minutes = in.duration_minutes();
  out->run_by = in.run_by();
  out->note = in.note();
  return absl::OkStatus();
}

absl::Status PsychSupportFromProto(const smd::v1::RecordPsychSupportRequest& in,
                                   domain::PsychSupport* out) {
  ASSIGN_OR_RETURN(out->support_date, RequiredDay(in.support_date(), "support_date"));
  out->patient_id = in.patient_id();
  out->recipients = static_cast<domain::SupportRecipients>(static_cast<int>(in.recipients()));
  out->family_members = in.family_members();
  out->method = static_cast<domain::SupportMethod>(static_cast<int>(in.method()));
  out->provider = in.provider();
  out->note = in.note();
  return absl::OkStatus();
}

void RehabSessionToProto(const domain::RehabSession& s, smd::v1::RehabRecord* out) {
  out->Clear();
  out->set_record_id(s.id);
  out->set_patient_id(s.patient_id);
  out->set_kind(smd::v1::REHAB_RECORD_KIND_SESSION);
  DateToProto(s.session_date, out->mutable_date());
  smd::v1::RecordRehabSessionRequest* r = out->mutable_session();
  r->set_patient_id(s.patient_id);
  DateToProto(s.session_date, r->mutable_session_date());
  r->set_activity(static_cast<smd::v1::RehabActivity>(static_cast<int>(s.activity)));
  r->set_place(s.place);
  r->set_programme(s.programme);
  r->set_duration_minutes(s.duration_minutes.value_or(0));
  r->set_run_by(s.run_by);
  r->set_note(s.note);
  out->set_recorded_by(s.recorded_by);
  TimeToProto(s.recorded_at, out->mutable_recorded_at());
  out->set_unreadable(s.unreadable);
}

void PsychSupportToProto(const domain::PsychSupport& p, smd::v1::RehabRecord* out) {
  out->Clear();
  out->set_record_id(p.id);
  out->set_patient_id(p.patient_id);
  out->set_kind(smd::v1::REHAB_RECORD_KIND_SUPPORT);
  DateToProto(p.support_date, out->mutable_date());
  smd::v1::RecordPsychSupportRequest* r = out->mutable_support();
  r->set_patient_id(p.patient_id);
  DateToProto(p.support_date, r->mutable_support_date());
  r->set_recipients(static_cast<smd::v1::SupportRecipients>(static_cast<int>(p.recipients)));
  r->set_family_members(p.family_members);
  r->set_method(static_cast<smd::v1::SupportMethod>(static_cast<int>(p.method)));
  r->set_provider(p.provider);
  r->set_note(p.note);
  out->set_recorded_by(p.recorded_by);
  TimeToProto(p.recorded_at, out->mutable_recorded_at());
  out->set_unreadable(p.unreadable);
}

}  // namespace smd::api
