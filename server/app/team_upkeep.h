#pragma once
// Keeping 关爱帮扶小组 (care-and-help team) memberships true to who may act on a patient:
// a membership ends when the member's account no longer fits it (a new role or
// jurisdiction), and a patient's team ends with the case or follows the patient's move
// (docs/adr/0010-alert-routing.md). Runs inside the caller's transaction. Thread-safe
// (stateless).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "app/context.h"
#include "domain/types.h"
#include "store/db.h"

namespace smd::app {

// After an account's role or jurisdiction changed (AssignRole): ends the user's active
// memberships that no longer hold (domain::MembershipStillFits). `scope` must cover the
// patients of the user's memberships (the administrator's jurisdiction): it is set for
// the step and cleared after, so the administrator's call itself still sees no patient.
// Returns the patients whose team changed.
absl::StatusOr<std::vector<std::string>> EndUnfitMembershipsOfUser(
    const Deps& deps, store::Tx& tx, const std::string& user_id, domain::Role role,
    const std::string& jurisdiction, const std::string& scope, const std::string& by);

// After the patient's jurisdiction or register status changed (transfer accepted, moved
// out, closed): ends every membership when the patient left the register (status not
// 在册 or 迁出 pending), otherwise the user memberships that no longer reach the patient's
// community. Uses the caller's scope, which must cover the patient. Returns the number
// of memberships ended.
absl::StatusOr<int> EndTeamAfterPatientChange(const Deps& deps, store::Tx& tx,
                                              const domain::Patient& p, const std::string& by);

}  // namespace smd::app
