#include "domain/care_team.h"

#include <algorithm>

#include "domain/errors.h"
#include "domain/region.h"
#include "domain/text.h"

namespace smd::domain {

bool IsUserTeamRole(TeamRole role) {
  const int n = static_cast<int>(role);
  return n >= 1 && n <= 5;
}

bool IsContactTeamRole(TeamRole role) {
  const int n = static_cast<int>(role);
  return n >= 6 && n <= kMaxTeamRole;
}

std::string_view TeamRoleNameZh(TeamRole role) {
  switch (role) {
    case TeamRole::kDoctor:
      return "精防医生";
    case TeamRole::kPolice:
      return "民警";
    case TeamRole::kGridWorker:
      return "网格员";
    case TeamRole::kCommunityWorker:
      return "社区工作者";
    case TeamRole::kVolunteer:
      return "志愿者";
    case TeamRole::kGuardian:
      return "监护人";
    case TeamRole::kFamily:
      return "家属";
    case TeamRole::kUnspecified:
      break;
  }
  return "未指定";
}

std::vector<Role> UserRolesFor(TeamRole team_role) {
  std::vector<Role> out;
  if (!IsUserTeamRole(team_role)) return out;
  for (int r = 1; r <= static_cast<int>(Role::kAdmin); ++r) {
    if (CheckMemberFits(team_role, static_cast<Role>(r)).ok()) out.push_back(static_cast<Role>(r));
  }
  return out;
}

absl::Status CheckMemberFits(TeamRole team_role, std::optional<Role> user_role) {
  if (!IsUserTeamRole(team_role) && !IsContactTeamRole(team_role)) {
    return FieldError("team_role", "必须指定小组角色", "must be one of the seven team roles");
  }
  if (IsContactTeamRole(team_role)) {
    if (user_role.has_value()) {
      return FieldError("user_id", "监护人和家属不是系统用户，请填写联系人姓名和电话",
                        "a guardian or family member is a contact, not a user: give "
                        "contact_name and contact_phone");
    }
    return absl::OkStatus();
  }
  if (!user_role.has_value()) {
    return FieldError("user_id", "必填", "required for this team role");
  }
  const Role r = *user_role;
  bool fits = false;
  switch (team_role) {
    case TeamRole::kDoctor:
      fits = r == Role::kCommunityDoctor || r == Role::kPsychiatrist;
      break;
    case TeamRole::kPolice:
      fits = r == Role::kPolice;
      break;
    case TeamRole::kGridWorker:
      fits = r == Role::kGridWorker;
      break;
    case TeamRole::kCommunityWorker:
      fits = r == Role::kCommunityWorker;
      break;
    case TeamRole::kVolunteer:
      // No volunteer account role exists: volunteers are registered as grid or community
      // workers (the two care-team views of rules.md §8).
      fits = r == Role::kGridWorker || r == Role::kCommunityWorker;
      break;
    default:
      break;
  }
  if (!fits) {
    return FieldError("user_id", "该用户的角色与小组角色不符",
                      "the user's role does not fit the team role");
  }
  return absl::OkStatus();
}

absl::Status CheckContact(std::string_view name, std::string_view phone) {
  if (absl::Status s = CheckText("contact_name", name, /*required=*/true, 50); !s.ok()) {
    return s;
  }
  return CheckPhone("contact_phone", phone, /*required=*/true);
}

absl::Status CheckMemberReach(std::string_view user_jurisdiction,
                              std::string_view patient_jurisdiction) {
  if (!RegionContains(user_jurisdiction, patient_jurisdiction)) {
    return FieldError("user_id", "该用户的辖区不含患者所在社区",
                      "the user's jurisdiction does not cover the patient's community");
  }
  return absl::OkStatus();
}

bool MembershipStillFits(TeamRole team_role, Role user_role, std::string_view user_jurisdiction,
                         std::string_view patient_jurisdiction) {
  return IsUserTeamRole(team_role) && CheckMemberFits(team_role, user_role).ok() &&
         CheckMemberReach(user_jurisdiction, patient_jurisdiction).ok();
}

absl::Status CheckStartDate(absl::CivilDay start_date, absl::CivilDay today) {
  if (start_date > today) {
    return FieldError("start_date", "不能晚于今天", "must not be in the future");
  }
  return absl::OkStatus();
}

absl::Status CheckEndDate(absl::CivilDay start_date, absl::CivilDay end_date,
                          absl::CivilDay today) {
  if (end_date > today) {
    return FieldError("end_date", "不能晚于今天", "must not be in the future");
  }
  if (end_date < start_date) {
    return FieldError("end_date", "不能早于加入日期", "must not be before the start date");
  }
  return absl::OkStatus();
}

bool NeedsTeam(int risk_level, int classification) {
  // rules.md decision (care team): 不稳定, or risk >= 3.
  return classification == kUnstableClassification || risk_level >= kTeamRiskThreshold;
}

std::vector<TeamRole> MissingRolesOf(const std::vector<TeamRole>& active_roles) {
  std::vector<TeamRole> missing;
  for (TeamRole required : kRequiredTeamRoles) {
    if (std::find(active_roles.begin(), active_roles.end(), required) == active_roles.end()) {
      missing.push_back(required);
    }
  }
  return missing;
}

std::vector<TeamRole> MissingRoles(const std::vector<TeamMember>& members) {
  std::vector<TeamRole> active;
  for (const TeamMember& m : members) {
    if (m.active()) active.push_back(m.role);
  }
  return MissingRolesOf(active);
}

}  // namespace smd::domain
