#pragma once
// Care-and-help teams (关爱帮扶小组, CareTeamService; rules.md decision "care team"). Every
// call is one transaction through RunCall: authenticated, scoped to the caller's
// jurisdiction, audited with the patients it touched, all-or-nothing. Managing a team
// (careteam.manage) is the doctors'; reading one (careteam.read) is also the police's,
// grid workers' and community workers' (domain/access_policy.h). Thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "app/call.h"
#include "app/context.h"
#include "domain/care_team.h"
#include "store/careteam_repository.h"

namespace smd::app {

// AddMember's request. user_id for team roles 1..5; contact_name and contact_phone for
// 6..7 (and empty otherwise).
struct NewMember {
  std::string patient_id;
  domain::TeamRole role = domain::TeamRole::kUnspecified;
  std::string user_id;
  std::string contact_name;
  std::string contact_phone;
  std::optional<absl::CivilDay> start_date;  // default today (Beijing)
};

struct MyPatientsPage {
  std::vector<store::MyPatientRow> patients;
  std::string next_page_token;
  int unreadable = 0;  // rows whose patient name did not decrypt (name_unreadable)
};

struct TeamGapsPage {
  std::vector<store::TeamGapRow> gaps;
  std::string next_page_token;
  int unreadable = 0;  // rows whose patient name did not decrypt (name_unreadable)
};

// An account that may join a team, as ListEligibleMembers returns it.
struct EligibleMember {
  store::EligibleUserRow user;
  bool already_member = false;
};

class CareTeamUseCases {
 public:
  CareTeamUseCases(const Deps& deps, store::CareTeamRepository& teams)
      : deps_(deps), teams_(teams) {}

  // Adds a member to the team of a patient inside the caller's jurisdiction (the patient
  // is locked). A user member must exist, be enabled, have an account role that fits the
  // team role (domain::CheckMemberFits) and a jurisdiction containing the patient's
  // community (domain::CheckMemberReach); a contact needs a name (1..50) and a phone.
  // start_date defaults to today and may not be in the future.
  // Errors: PERMISSION_DENIED (role, jurisdiction); NOT_FOUND (patient, user);
  // FAILED_PRECONDITION (patient closed or moved out); INVALID_ARGUMENT (field named,
  // including a disabled user); ALREADY_EXISTS (the user is already an active member).
  absl::StatusOr<domain::TeamMember> AddMember(const CallMeta& meta, const NewMember& req);
  // Ends a membership; the row is kept as history. end_date defaults to today and lies
  // between the start date and today; reason is optional (≤ 200 characters).
  // Errors: INVALID_ARGUMENT; NOT_FOUND (no such member, or one of a patient outside the
  // caller's jurisdiction: row-level security hides it); PERMISSION_DENIED;
  // FAILED_PRECONDITION (already ended).
  absl::StatusOr<domain::TeamMember> EndMember(const CallMeta& meta, const std::string& member_id,
                                               std::optional<absl::CivilDay> end_date,
                                               const std::string& reason);
  // The team of a patient inside the caller's jurisdiction: active members first, and with
  // include_history the ended ones after them. Errors as LoadPatient.
  absl::StatusOr<std::vector<domain::TeamMember>> ListTeam(const CallMeta& meta,
                                                           const std::string& patient_id,
                                                           bool include_history);
  // The accounts that may join the patient's team in `team_role` (a user role): enabled,
  // role fitting it (domain::UserRolesFor), jurisdiction covering the patient's community
  // (domain::CheckMemberReach), nearest first, at most 200; each marked when it is an active
  // member already. Same permission as AddMember (careteam.manage on the patient).
  // Errors: INVALID_ARGUMENT (team_role); PERMISSION_DENIED; NOT_FOUND; as LoadPatient.
  absl::StatusOr<std::vector<EligibleMember>> ListEligibleMembers(const CallMeta& meta,
                                                                  const std::string& patient_id,
                                                                  domain::TeamRole team_role);
  // The caller's active memberships (patients on the register), by patient id.
  // Errors: PERMISSION_DENIED (no careteam.read); INVALID_ARGUMENT (page).
  absl::StatusOr<MyPatientsPage> ListMyPatients(const CallMeta& meta, int page_size,
                                                const std::string& page_token);
  // Patients inside `region` (default: the caller's jurisdiction; must lie inside it) who
  // need a team and lack a required member, by patient id.
  // Errors: PERMISSION_DENIED; INVALID_ARGUMENT (region, page).
  absl::StatusOr<TeamGapsPage> ListTeamGaps(const CallMeta& meta, const std::string& region,
                                            int page_size, const std::string& page_token);

 private:
  const Deps& deps_;
  store::CareTeamRepository& teams_;
};

}  // namespace smd::app
