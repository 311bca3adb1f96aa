#pragma once
// Who receives a risk alert (rules.md decisions "Police notification" and "Care team", §8
// need-to-know; docs/adr/0010-alert-routing.md). Pure functions over the candidates the
// store found; no I/O. Thread-safe.
//
// The rules, in order:
//  1. An alert has an audience. kFull (a mandatory cause: risk >= 3, 走失, 肇事/肇祸, an
//     emergency, a doctor's manual alert) goes to the police and grid workers of the
//     patient's jurisdiction and to the whole care team. kClinical (a patient who became
//     不稳定 without a mandatory cause, an overdue unstable patient) goes only to the clinical
//     side: the team's doctor/psychiatrist and community worker, and the community doctors
//     of the jurisdiction. Health committee, auditor and administrator accounts never
//     receive an alert (they may not see a patient's identity).
//  2. Care-team members receive when their account's *current* role still fits their team
//     role, their *current* jurisdiction still covers the patient's community, and their
//     role may receive the audience. Disabled accounts are never candidates.
//  3. Every role the audience requires (kFull: police and grid worker; kClinical: community
//     doctor) gets at least one recipient: the accounts of that role at the patient's
//     community and street always receive; when there are none there and none on the team,
//     the nearest level above that has one (district, then city) receives.
//  4. A required role that still has nobody is a gap: the alert goes to the district's duty
//     role(s) instead (then the city's), and the gap is listed for administrators.

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "domain/care_team.h"
#include "domain/types.h"

namespace smd::domain {

// Same numbers as the alert.audience column and proto smd.v1.AlertAudience.
enum class AlertAudience : int {
  kFull = 1,      // police, grid workers and the whole care team
  kClinical = 2,  // the clinical side only
};

// Why a recipient got its copy. Same numbers as alert_recipient.reason and proto
// smd.v1.RecipientReason.
enum class RecipientReason : int {
  kCareTeam = 1,
  kJurisdiction = 2,
  kEscalation = 3,  // a copy below was not acknowledged in time
  kDuty = 4,        // no account of a required role: the district's duty role
  kRerouted = 5,    // a gap filled later, or a copy taken over from a recipient who left
};

// Whether an account of `role` may receive an alert of `audience` at all (rules.md §8:
// police and grid workers see alert-level data, never a clinical-only notice; health
// committee, auditor and administrator see no patient identity).
bool MayReceiveAlert(Role role, AlertAudience audience);

// The roles an alert of `audience` must reach (at least one account each), in order.
std::vector<Role> RequiredAlertRoles(AlertAudience audience);

// The levels routing looks at for a patient in `jurisdiction`: the region itself and each
// ancestor up to the city (4 digits), nearest first. 320106001001 -> {320106001001,
// 320106001, 320106, 3201}. Empty for an invalid code.
std::vector<std::string> AlertLevels(std::string_view jurisdiction);

// An active care-team membership of a user, with the account's current role and
// jurisdiction.
struct TeamCandidate {
  std::string user_id;
  TeamRole team_role = TeamRole::kUnspecified;
  Role user_role = Role::kUnspecified;
  std::string user_jurisdiction;
};

// An active (not disabled) account.
struct AlertAccount {
  std::string user_id;
  Role role = Role::kUnspecified;
  std::string jurisdiction;
};

struct RoutedRecipient {
  std::string user_id;
  Role role = Role::kUnspecified;  // the role the copy is routed for (the account's role)
  RecipientReason reason = RecipientReason::kJurisdiction;
  bool operator==(const RoutedRecipient&) const = default;
};

struct RoutePlan {
  std::vector<RoutedRecipient> recipients;  // one per user, ordered by user id
  std::vector<Role> gaps;                   // required roles nobody could take
  int duty_recipients = 0;                  // copies sent to the duty role for the gaps
};

// Whether a care-team member receives an alert of `audience` for a patient in
// `patient_jurisdiction` (rule 2).
bool TeamMemberReceives(const TeamCandidate& m, AlertAudience audience,
                        std::string_view patient_jurisdiction);

// Rules 1-4 for a new alert. `accounts` are the active accounts at AlertLevels(patient
// jurisdiction) (others are ignored); `duty_roles` the deployment's duty roles.
RoutePlan RouteAlert(AlertAudience audience, std::string_view patient_jurisdiction,
                     const std::vector<TeamCandidate>& team,
                     const std::vector<AlertAccount>& accounts,
                     const std::vector<Role>& duty_roles);

// Rule 3 for one role, as when an alert is raised: the accounts of `role` at the community
// and street of `jurisdiction`, or else at the nearest level above that has one; users in
// `exclude` are skipped. Empty when nobody up to the city qualifies.
std::vector<AlertAccount> NearestOfRole(Role role, std::string_view jurisdiction,
                                        const std::vector<AlertAccount>& accounts,
                                        const std::set<std::string>& exclude);

// Escalation of a copy held by an account of `role` at `holder_jurisdiction` that was not
// acknowledged in time: the accounts of the same role at the nearest level *above* the
// holder's that has one not in `exclude`, up to the city. Empty: nobody above.
std::vector<AlertAccount> EscalationTargets(Role role, std::string_view holder_jurisdiction,
                                            const std::vector<AlertAccount>& accounts,
                                            const std::set<std::string>& exclude);

// Rule 4: the accounts of the duty roles that may receive `audience`, at the district of
// `jurisdiction`, or else its city; users in `exclude` are skipped.
std::vector<AlertAccount> DutyAccounts(std::string_view jurisdiction, AlertAudience audience,
                                       const std::vector<AlertAccount>& accounts,
                                       const std::vector<Role>& duty_roles,
                                       const std::set<std::string>& exclude);

// Whether the holder of a copy routed for `routed_role` may still act on an alert of
// `audience` about a patient in `alert_jurisdiction`, given the account's current state.
// A copy whose holder no longer fits is hidden from them and handed on.
bool HolderStillFits(Role routed_role, AlertAudience audience, std::string_view alert_jurisdiction,
                     Role current_role, std::string_view current_jurisdiction, bool disabled);

// Parses a comma-separated list of duty role names ("community_doctor,psychiatrist").
// INVALID_ARGUMENT naming `field` for an unknown name, a role that may receive no alert,
// or an empty list.
absl::StatusOr<std::vector<Role>> ParseDutyRoles(std::string_view field, std::string_view list);

}  // namespace smd::domain
