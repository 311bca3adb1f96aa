#include "domain/alert_routing.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "domain/access_policy.h"
#include "domain/errors.h"
#include "domain/region.h"

namespace smd::domain {
namespace {

// Street (9) and community (12) accounts are responsible for the patient's own place: they
// always receive. Above them the walk stops at the first level with an account.
constexpr size_t kLocalCodeLength = 9;
constexpr size_t kCityCodeLength = 4;

bool TeamRoleReceives(TeamRole team_role, AlertAudience audience) {
  if (!IsUserTeamRole(team_role)) return false;  // contacts are not users
  if (audience == AlertAudience::kFull) return true;
  return team_role == TeamRole::kDoctor || team_role == TeamRole::kCommunityWorker;
}

// The accounts of `role` in `group` (a set of region codes), not excluded.
std::vector<AlertAccount> OfRoleAt(Role role, const std::set<std::string>& group,
                                   const std::vector<AlertAccount>& accounts,
                                   const std::set<std::string>& exclude) {
  std::vector<AlertAccount> out;
  for (const auto& a : accounts) {
    if (a.role == role && group.count(a.jurisdiction) > 0 && exclude.count(a.user_id) == 0) {
      out.push_back(a);
    }
  }
  return out;
}

// Walks `groups` nearest first and returns the accounts of the first group that has any.
std::vector<AlertAccount> FirstNonEmpty(Role role, const std::vector<std::set<std::string>>& groups,
                                        const std::vector<AlertAccount>& accounts,
                                        const std::set<std::string>& exclude) {
  for (const auto& g : groups) {
    std::vector<AlertAccount> found = OfRoleAt(role, g, accounts, exclude);
    if (!found.empty()) return found;
  }
  return {};
}

}  // namespace

bool MayReceiveAlert(Role role, AlertAudience audience) {
  switch (role) {
    case Role::kCommunityDoctor:
    case Role::kPsychiatrist:
    case Role::kCommunityWorker:
      return audience == AlertAudience::kFull || audience == AlertAudience::kClinical;
    case Role::kPolice:
    case Role::kGridWorker:
      return audience == AlertAudience::kFull;
    default:
      return false;  // health committee, auditor, administrator, unspecified
  }
}

std::vector<Role> RequiredAlertRoles(AlertAudience audience) {
  if (audience == AlertAudience::kFull) return {Role::kPolice, Role::kGridWorker};
  return {Role::kCommunityDoctor};
}

std::vector<std::string> AlertLevels(std::string_view jurisdiction) {
  std::vector<std::string> out;
  if (LevelOf(jurisdiction) == RegionLevel::kInvalid) return out;
  std::string code(jurisdiction);
  while (!code.empty() && code.size() >= kCityCodeLength) {
    out.push_back(code);
    code = ParentOf(code);
  }
  return out;
}

bool TeamMemberReceives(const TeamCandidate& m, AlertAudience audience,
                        std::string_view patient_jurisdiction) {
  return TeamRoleReceives(m.team_role, audience) && MayReceiveAlert(m.user_role, audience) &&
         MembershipStillFits(m.team_role, m.user_role, m.user_jurisdiction, patient_jurisdiction);
}

std::vector<AlertAccount> NearestOfRole(Role role, std::string_view jurisdiction,
                                        const std::vector<AlertAccount>& accounts,
                                        const std::set<std::string>& exclude) {
  std::vector<std::set<std::string>> groups(1);
  for (const std::string& level : AlertLevels(jurisdiction)) {
    if (level.size() >= kLocalCodeLength) {
      groups[0].insert(level);
    } else {
      groups.push_back({level});
    }
  }
  return FirstNonEmpty(role, groups, accounts, exclude);
}

std::vector<AlertAccount> EscalationTargets(Role role, std::string_view holder_jurisdiction,
                                            const std::vector<AlertAccount>& accounts,
                                            const std::set<std::string>& exclude) {
  std::vector<std::set<std::string>> groups;
  for (const std::string& level : AlertLevels(ParentOf(holder_jurisdiction))) {
    groups.push_back({level});
  }
  return FirstNonEmpty(role, groups, accounts, exclude);
}

std::vector<AlertAccount> DutyAccounts(std::string_view jurisdiction, AlertAudience audience,
                                       const std::vector<AlertAccount>& accounts,
                                       const std::vector<Role>& duty_roles,
                                       const std::set<std::string>& exclude) {
  // The district's duty role first, then the city's (a district deployment has no city
  // accounts; a city or province deployment may keep a duty desk there).
  std::vector<std::set<std::string>> groups;
  for (const std::string& level : AlertLevels(jurisdiction)) {
    if (level.size() <= 6) groups.push_back({level});
  }
  for (const auto& g : groups) {
    std::vector<AlertAccount> found;
    for (Role r : duty_roles) {
      if (!MayReceiveAlert(r, audience)) continue;
      for (auto& a : OfRoleAt(r, g, accounts, exclude)) found.push_back(std::move(a));
    }
    if (!found.empty()) return found;
  }
  return {};
}

RoutePlan RouteAlert(AlertAudience audience, std::string_view patient_jurisdiction,
                     const std::vector<TeamCandidate>& team,
                     const std::vector<AlertAccount>& accounts,
                     const std::vector<Role>& duty_roles) {
  // One copy per user; the lowest reason number wins (care team over jurisdiction).
  std::map<std::string, RoutedRecipient> chosen;
  auto take = [&](const std::string& user, Role role, RecipientReason reason) {
    auto [it, inserted] = chosen.try_emplace(user, RoutedRecipient{user, role, reason});
    if (!inserted && static_cast<int>(reason) < static_cast<int>(it->second.reason)) {
      it->second.reason = reason;
    }
  };
  std::set<Role> covered;
  for (const auto& m : team) {
    if (!TeamMemberReceives(m, audience, patient_jurisdiction)) continue;
    take(m.user_id, m.user_role, RecipientReason::kCareTeam);
    covered.insert(m.user_role);
    // The team's doctor (精防医生 or psychiatrist) is the doctor a clinical alert needs.
    if (m.team_role == TeamRole::kDoctor) covered.insert(Role::kCommunityDoctor);
  }
  RoutePlan plan;
  for (Role role : RequiredAlertRoles(audience)) {
    // The local accounts always receive; the walk above the street is only for a role
    // nobody holds locally or on the team.
    std::vector<AlertAccount> found = NearestOfRole(role, patient_jurisdiction, accounts, {});
    const bool local = !found.empty() && found.front().jurisdiction.size() >= kLocalCodeLength;
    if (!local && covered.count(role) > 0) continue;
    for (const auto& a : found) take(a.user_id, a.role, RecipientReason::kJurisdiction);
    if (found.empty() && covered.count(role) == 0) plan.gaps.push_back(role);
  }
  if (!plan.gaps.empty()) {
    std::set<std::string> already;
    for (const auto& [user, r] : chosen) already.insert(user);
    for (const auto& a :
         DutyAccounts(patient_jurisdiction, audience, accounts, duty_roles, already)) {
      take(a.user_id, a.role, RecipientReason::kDuty);
      ++plan.duty_recipients;
    }
  }
  for (auto& [user, r] : chosen) plan.recipients.push_back(std::move(r));
  return plan;
}

bool HolderStillFits(Role routed_role, AlertAudience audience, std::string_view alert_jurisdiction,
                     Role current_role, std::string_view current_jurisdiction, bool disabled) {
  return !disabled && current_role == routed_role && MayReceiveAlert(current_role, audience) &&
         RegionContains(current_jurisdiction, alert_jurisdiction);
}

absl::StatusOr<std::vector<Role>> ParseDutyRoles(std::string_view field, std::string_view list) {
  std::vector<Role> out;
  // Debian's absl has its own string_view: convert at the boundary.
  const absl::string_view all(list.data(), list.size());
  for (absl::string_view part : absl::StrSplit(all, ',', absl::SkipWhitespace())) {
    part = absl::StripAsciiWhitespace(part);
    std::optional<Role> r = ParseRole(std::string_view(part.data(), part.size()));
    if (!r) {
      return FieldError(field, "未知角色", "unknown role name");
    }
    if (!MayReceiveAlert(*r, AlertAudience::kFull)) {
      return FieldError(field, "该角色不能接收预警",
                        "a role that may receive no alert (health committee, auditor, admin)");
    }
    if (std::find(out.begin(), out.end(), *r) == out.end()) out.push_back(*r);
  }
  if (out.empty()) return FieldError(field, "至少需要一个值班角色", "at least one duty role");
  return out;
}

}  // namespace smd::domain
