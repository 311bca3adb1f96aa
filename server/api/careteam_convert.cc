#include "api/careteam_convert.h"

#include "api/convert.h"
#include "domain/errors.h"

namespace smd::api {

absl::StatusOr<domain::TeamRole> TeamRoleFromProto(smd::v1::TeamRole v, std::string_view field) {
  const int n = static_cast<int>(v);
  if (n < 0 || n > domain::kMaxTeamRole) {
    return domain::FieldError(field, "取值无效", "unknown enum value");
  }
  return static_cast<domain::TeamRole>(n);
}

smd::v1::TeamRole TeamRoleToProto(domain::TeamRole v) {
  return static_cast<smd::v1::TeamRole>(static_cast<int>(v));
}

void TeamMemberToProto(const domain::TeamMember& m, smd::v1::TeamMember* out) {
  out->Clear();
  out->set_member_id(m.id);
  out->set_patient_id(m.patient_id);
  out->set_team_role(TeamRoleToProto(m.role));
  out->set_user_id(m.user_id);
  out->set_display_name(m.display_name);
  out->set_phone(m.phone);
  DateToProto(m.start_date, out->mutable_start_date());
  if (m.end_date.has_value()) DateToProto(*m.end_date, out->mutable_end_date());
  out->set_end_reason(m.end_reason);
  out->set_unreadable(m.unreadable);
}

}  // namespace smd::api
