#include "app/team_upkeep.h"

#include <set>

#include "app/patient_access.h"
#include "common/status_macros.h"
#include "domain/care_team.h"
#include "store/careteam_repository.h"
#include "store/scope.h"

namespace smd::app {
namespace {

constexpr char kReasonAccountChanged[] =
    "账户角色或辖区已变更 (the member's role or jurisdiction changed)";
constexpr char kReasonMoved[] = "患者已迁往其他辖区 (the patient moved to another jurisdiction)";
constexpr char kReasonLeft[] = "患者已离开在册管理 (the patient left the register)";

}  // namespace

absl::StatusOr<std::vector<std::string>> EndUnfitMembershipsOfUser(
    const Deps& deps, store::Tx& tx, const std::string& user_id, domain::Role role,
    const std::string& jurisdiction, const std::string& scope, const std::string& by) {
  RETURN_IF_ERROR(store::SetScope(tx, scope));
  ASSIGN_OR_RETURN(std::vector<store::ActiveMembership> active,
                   store::ActiveMembershipsOfUser(tx, user_id));
  std::set<std::string> patients;
  const absl::CivilDay today = Today(deps);
  for (const auto& m : active) {
    if (domain::MembershipStillFits(m.team_role, role, jurisdiction, m.patient_jurisdiction)) {
      continue;
    }
    RETURN_IF_ERROR(
        store::EndMembership(tx, m.member_id, today, kReasonAccountChanged, by).status());
    patients.insert(m.patient_id);
  }
  RETURN_IF_ERROR(store::SetScope(tx, ""));
  return std::vector<std::string>(patients.begin(), patients.end());
}

absl::StatusOr<int> EndTeamAfterPatientChange(const Deps& deps, store::Tx& tx,
                                              const domain::Patient& p, const std::string& by) {
  const bool on_register = p.status == domain::PatientStatus::kActive ||
                           p.status == domain::PatientStatus::kTransferPending;
  ASSIGN_OR_RETURN(std::vector<store::ActiveMembership> active,
                   store::ActiveMembershipsOfPatient(tx, p.id));
  int ended = 0;
  const absl::CivilDay today = Today(deps);
  for (const auto& m : active) {
    if (on_register) {
      // Contacts (guardian, family) move with the patient.
      if (m.user_id.empty() ||
          domain::MembershipStillFits(m.team_role, m.user_role, m.user_jurisdiction,
                                      p.jurisdiction)) {
        continue;
      }
    }
    RETURN_IF_ERROR(store::EndMembership(tx, m.member_id, today,
                                         on_register ? kReasonMoved : kReasonLeft, by)
                        .status());
    ++ended;
  }
  return ended;
}

}  // namespace smd::app
