#include "app/alert_router.h"

#include <algorithm>
#include <set>

#include "common/status_macros.h"
#include "crypto/random.h"
#include "domain/region.h"

namespace smd::app {
namespace {

std::vector<std::optional<absl::Time>> Deadlines(const Deps& deps, size_t n, int severity) {
  std::optional<absl::Duration> d = domain::AckDeadline(severity, deps.config.ack_deadlines);
  std::vector<std::optional<absl::Time>> out(n);
  if (d) {
    for (auto& t : out) t = deps.clock.Now() + *d;
  }
  return out;
}

std::vector<store::Recipient> AsRecipients(const std::vector<domain::AlertAccount>& accounts,
                                           domain::RecipientReason reason) {
  std::vector<store::Recipient> out;
  for (const auto& a : accounts) out.push_back({a.user_id, a.role, reason});
  return out;
}

// The duty role's accounts for an alert about `jurisdiction`, not already on it.
absl::StatusOr<std::vector<domain::AlertAccount>> Duty(const Deps& deps, store::Tx& tx,
                                                       const std::string& jurisdiction,
                                                       domain::AlertAudience audience,
                                                       const std::set<std::string>& exclude) {
  ASSIGN_OR_RETURN(std::vector<domain::AlertAccount> accounts,
                   deps.alerts.Accounts(tx, domain::AlertLevels(jurisdiction),
                                        deps.config.alert_duty_roles));
  return domain::DutyAccounts(jurisdiction, audience, accounts, deps.config.alert_duty_roles,
                              exclude);
}

}  // namespace

store::Viewer ViewerOf(const domain::Principal& who) {
  store::Viewer v;
  v.user_id = who.user_id;
  v.role_number = static_cast<int>(who.role);
  v.jurisdiction = who.jurisdiction;
  v.full = domain::MayReceiveAlert(who.role, domain::AlertAudience::kFull);
  v.clinical = domain::MayReceiveAlert(who.role, domain::AlertAudience::kClinical);
  return v;
}

absl::StatusOr<Raised> RaiseAlertInTx(const Deps& deps, store::Tx& tx, const domain::Patient& p,
                                      const domain::AlertDraft& draft, const std::string& source,
                                      const std::string& raised_by,
                                      const std::string& dedupe_key) {
  ASSIGN_OR_RETURN(std::vector<domain::TeamCandidate> team,
                   deps.alerts.TeamCandidates(tx, p.id));
  std::vector<domain::Role> roles = domain::RequiredAlertRoles(draft.audience);
  for (domain::Role r : deps.config.alert_duty_roles) {
    if (std::find(roles.begin(), roles.end(), r) == roles.end()) roles.push_back(r);
  }
  ASSIGN_OR_RETURN(std::vector<domain::AlertAccount> accounts,
                   deps.alerts.Accounts(tx, domain::AlertLevels(p.jurisdiction), roles));
  const domain::RoutePlan plan = domain::RouteAlert(draft.audience, p.jurisdiction, team,
                                                    accounts, deps.config.alert_duty_roles);
  std::vector<store::Recipient> recipients;
  for (const auto& r : plan.recipients) recipients.push_back({r.user_id, r.role, r.reason});

  store::NewAlert a;
  a.id = crypto::NewUuid();
  a.patient_id = p.id;
  a.jurisdiction = p.jurisdiction;
  a.draft = draft;
  a.patient_name = p.name;
  a.address = p.address;
  a.dedupe_key = dedupe_key;
  a.source = source;
  a.raised_by = raised_by;
  a.raised_at = deps.clock.Now();
  ASSIGN_OR_RETURN(bool inserted,
                   deps.alerts.Insert(tx, a, recipients,
                                      Deadlines(deps, recipients.size(), draft.severity), 0));
  if (!inserted) return Raised{};
  for (domain::Role role : plan.gaps) {
    store::AlertGap g;
    g.alert_id = a.id;
    g.role = role;
    g.cause = 1;
    g.jurisdiction = p.jurisdiction;
    g.duty_recipients = plan.duty_recipients;
    g.created_at = a.raised_at;
    RETURN_IF_ERROR(deps.alerts.InsertGap(tx, g));
  }
  return Raised{a.id, static_cast<int>(recipients.size()), plan.gaps, plan.duty_recipients};
}

absl::StatusOr<HandedOn> HandOnInTx(const Deps& deps, store::Tx& tx, const store::HandOnCopy& c) {
  HandedOn out;
  const bool fits = domain::HolderStillFits(c.routed_role, c.audience, c.alert_jurisdiction,
                                            c.current_role, c.current_jurisdiction, c.disabled);
  out.cause = fits ? 1 : 2;
  ASSIGN_OR_RETURN(std::set<std::string> already, deps.alerts.UsersOn(tx, c.alert_id));
  std::vector<domain::AlertAccount> targets;
  domain::RecipientReason reason = domain::RecipientReason::kDuty;
  int level = c.escalation_level;
  // A copy only ever moves to its own role, and only to a role that may see the alert.
  if (domain::MayReceiveAlert(c.routed_role, c.audience)) {
    if (fits) {
      ASSIGN_OR_RETURN(std::vector<domain::AlertAccount> accounts,
                       deps.alerts.Accounts(tx, domain::AlertLevels(c.current_jurisdiction),
                                            {c.routed_role}));
      targets = domain::EscalationTargets(c.routed_role, c.current_jurisdiction, accounts, already);
      reason = domain::RecipientReason::kEscalation;
      ++level;
    } else {
      ASSIGN_OR_RETURN(std::vector<domain::AlertAccount> accounts,
                       deps.alerts.Accounts(tx, domain::AlertLevels(c.alert_jurisdiction),
                                            {c.routed_role}));
      targets = domain::NearestOfRole(c.routed_role, c.alert_jurisdiction, accounts, already);
      reason = domain::RecipientReason::kRerouted;
    }
  }
  if (targets.empty()) {
    ASSIGN_OR_RETURN(targets, Duty(deps, tx, c.alert_jurisdiction, c.audience, already));
    reason = domain::RecipientReason::kDuty;
    out.duty = !targets.empty();
  }
  const absl::Time now = deps.clock.Now();
  RETURN_IF_ERROR(deps.alerts.MarkEscalated(tx, c.recipient_id, now, out.cause));
  if (targets.empty()) {
    store::AlertGap g;
    g.alert_id = c.alert_id;
    g.role = c.routed_role;
    g.cause = fits ? 2 : 3;
    g.jurisdiction = c.alert_jurisdiction;
    g.created_at = now;
    RETURN_IF_ERROR(deps.alerts.InsertGap(tx, g));
    out.gap = true;
    return out;
  }
  ASSIGN_OR_RETURN(out.targets,
                   deps.alerts.AddRecipients(tx, c.alert_id, AsRecipients(targets, reason),
                                             Deadlines(deps, targets.size(), c.severity), level));
  return out;
}

absl::StatusOr<int> RerouteGapInTx(const Deps& deps, store::Tx& tx, const store::AlertGap& g) {
  if (!domain::MayReceiveAlert(g.role, g.audience)) return 0;
  ASSIGN_OR_RETURN(std::set<std::string> already, deps.alerts.UsersOn(tx, g.alert_id));
  ASSIGN_OR_RETURN(std::vector<domain::AlertAccount> accounts,
                   deps.alerts.Accounts(tx, domain::AlertLevels(g.jurisdiction), {g.role}));
  std::vector<domain::AlertAccount> targets =
      domain::NearestOfRole(g.role, g.jurisdiction, accounts, already);
  if (targets.empty()) return 0;
  ASSIGN_OR_RETURN(int n, deps.alerts.AddRecipients(
                              tx, g.alert_id,
                              AsRecipients(targets, domain::RecipientReason::kRerouted),
                              Deadlines(deps, targets.size(), g.severity), 0));
  if (n > 0) RETURN_IF_ERROR(deps.alerts.ResolveGap(tx, g.id, deps.clock.Now(), n));
  return n;
}

}  // namespace smd::app
