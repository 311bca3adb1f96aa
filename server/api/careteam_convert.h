#pragma once
// Conversions between the smd.v1 care-team messages (smd/v1/alerts.proto, CareTeamService)
// and domain/care_team.h. Pure functions: no I/O, thread-safe. Same policy as api/convert.h:
// proto -> domain checks only what the domain type cannot represent (an enum number the
// domain does not define; the domain rejects 0 itself with a field error); domain -> proto
// casts without a check, because the numbers are equal by design.

#include <string_view>

#include "absl/status/statusor.h"
#include "domain/care_team.h"
#include "smd/v1/alerts.pb.h"

namespace smd::api {

// Accepts 0 (unspecified) through TEAM_ROLE_FAMILY. Errors: INVALID_ARGUMENT
// "<field>: 取值无效 (unknown enum value)" otherwise.
[[nodiscard]] absl::StatusOr<domain::TeamRole> TeamRoleFromProto(smd::v1::TeamRole v,
                                                                 std::string_view field);
smd::v1::TeamRole TeamRoleToProto(domain::TeamRole v);

// Replaces *out with the member: ids, team_role, user_id (users), display_name, phone
// (contacts), start_date, end_date (unset while active) and end_reason.
void TeamMemberToProto(const domain::TeamMember& m, smd::v1::TeamMember* out);

}  // namespace smd::api
