#pragma once
// The care-and-help team (关爱帮扶小组) of a patient (rules.md "Product decisions", care
// team row; §8 roles; 四包一 in Gulou's practice). Plain value types and pure rules, no I/O.
// All functions are thread-safe.
//
// Decision (rules.md): every patient classified 不稳定 or with risk >= 3 must have a team
// with at least a doctor, a police officer and a grid worker; a missing one is a gap,
// listed as a work item (CareTeamService.ListTeamGaps).

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "domain/types.h"

namespace smd::domain {

// A member's place on the team. Same numbers as proto smd.v1.TeamRole and the
// care_team_member.team_role column. 1..5 are users of the system, 6..7 contacts who are
// not (their name and phone are stored encrypted).
enum class TeamRole : int {
  kUnspecified = 0,
  kDoctor = 1,           // 精防医生 (community doctor or psychiatrist)
  kPolice = 2,           // 民警
  kGridWorker = 3,       // 网格员
  kCommunityWorker = 4,  // 社区工作者
  kVolunteer = 5,        // 志愿者
  kGuardian = 6,         // 监护人 (contact)
  kFamily = 7,           // 家属 (contact)
};
inline constexpr int kMaxTeamRole = 7;

// The roles every required team must have (rules.md decision), in listing order.
inline constexpr std::array<TeamRole, 3> kRequiredTeamRoles = {TeamRole::kDoctor, TeamRole::kPolice,
                                                               TeamRole::kGridWorker};

// A patient needs a team from this risk level up (rules.md decision; §4 "不稳定 with
// risk >= 3": police list them, 四包一).
inline constexpr int kTeamRiskThreshold = 3;
// The register's classification number of 不稳定 (Patient::classification).
inline constexpr int kUnstableClassification = 1;

// One membership, active while end_date is unset. History is kept: ending a membership
// sets end_date and end_reason, it never deletes the row.
struct TeamMember {
  std::string id;          // UUID text
  std::string patient_id;  // UUID text
  TeamRole role = TeamRole::kUnspecified;
  std::string user_id;       // roles 1..5: the member's account; "" for contacts
  std::string display_name;  // the user's display name, or the contact's name
  std::string phone;         // contacts only
  absl::CivilDay start_date;
  std::optional<absl::CivilDay> end_date;
  std::string end_reason;
  // A contact whose stored name and phone do not decrypt: both empty (the store reports
  // it rather than failing the team's listing).
  bool unreadable = false;

  bool active() const { return !end_date.has_value(); }
};

// True for 1..5 (the member must be a user), false otherwise.
bool IsUserTeamRole(TeamRole role);
// True for 6..7 (the member is a contact with a name and phone, not a user).
bool IsContactTeamRole(TeamRole role);
// "精防医生", "民警", ...; "未指定" for kUnspecified or an out-of-range value.
std::string_view TeamRoleNameZh(TeamRole role);

// Whether a member of `team_role` may be a user of account role `user_role` (nullopt: no
// user, i.e. a contact). Roles 1..5 need a user whose role fits: doctor <- community_doctor
// or psychiatrist; police <- police; grid worker <- grid_worker; community worker <-
// community_worker; volunteer <- grid_worker or community_worker (there is no volunteer
// account role: a volunteer is registered as one of the two, and the team role records
// what they do on this team). Roles 6..7 need no user.
// Errors: INVALID_ARGUMENT "team_role: ..." (unspecified or out of range); "user_id: ..."
// (required for roles 1..5; must be empty for 6..7; the user's role does not fit).
absl::Status CheckMemberFits(TeamRole team_role, std::optional<Role> user_role);

// The account roles CheckMemberFits accepts for a user team role (1..5); empty for a
// contact role or an unknown one.
std::vector<Role> UserRolesFor(TeamRole team_role);

// A contact's name (1..50 characters, one line) and phone (CheckPhone, required).
// Errors: INVALID_ARGUMENT "contact_name: ..." / "contact_phone: ...".
absl::Status CheckContact(std::string_view name, std::string_view phone);

// A member must be able to see the patient: the user's jurisdiction must contain the
// patient's community (row-level security would hide the patient otherwise, and the
// need-to-know rule, rules.md §8, gives access only within one's jurisdiction).
// Errors: INVALID_ARGUMENT "user_id: ..." otherwise.
absl::Status CheckMemberReach(std::string_view user_jurisdiction,
                              std::string_view patient_jurisdiction);

// Whether a user's active membership still holds: the account's current role fits the
// team role (CheckMemberFits) and its current jurisdiction covers the patient's community
// (CheckMemberReach). A role change (AssignRole) or the patient's transfer ends the
// memberships that no longer hold, and alert routing never uses one that does not
// (domain/alert_routing.h).
bool MembershipStillFits(TeamRole team_role, Role user_role, std::string_view user_jurisdiction,
                         std::string_view patient_jurisdiction);

// start_date may not lie after today. Errors: INVALID_ARGUMENT "start_date: ...".
absl::Status CheckStartDate(absl::CivilDay start_date, absl::CivilDay today);
// end_date lies in [start_date, today]. Errors: INVALID_ARGUMENT "end_date: ...".
absl::Status CheckEndDate(absl::CivilDay start_date, absl::CivilDay end_date, absl::CivilDay today);

// Whether a patient with the register's last risk level (-1: never assessed) and
// classification (1 不稳定, 2 基本稳定, 3 稳定, 0 none) must have a team: 不稳定 or risk >= 3.
bool NeedsTeam(int risk_level, int classification);

// The required roles (kRequiredTeamRoles order) without an active member in `members`
// (ended memberships are ignored). Empty when the team is complete.
std::vector<TeamRole> MissingRoles(const std::vector<TeamMember>& members);
// The same from the roles of the active members.
std::vector<TeamRole> MissingRolesOf(const std::vector<TeamRole>& active_roles);

}  // namespace smd::domain
