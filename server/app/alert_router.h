#pragma once
// Routing of risk alerts inside the caller's transaction: raising an alert, handing on a
// copy (its deadline passed, or its holder no longer fits), filling a gap later. The rules
// are domain/alert_routing.h; this file reads the candidates from the store, applies them,
// and writes the outcome (docs/adr/0010-alert-routing.md). Thread-safe (stateless); the
// Tx is the caller's.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "app/context.h"
#include "domain/alert_rules.h"
#include "domain/alert_routing.h"
#include "domain/types.h"
#include "store/alert_repository.h"

namespace smd::app {

struct Raised {
  std::string alert_id;  // "" when `dedupe_key` was used before (nothing raised)
  int recipients = 0;
  std::vector<domain::Role> unrouted;  // required roles nobody could take (listed as gaps)
  int duty_recipients = 0;             // copies sent to the duty role for them
};

// Raises `draft` for patient `p` inside the caller's transaction, so the alert exists
// exactly when its cause does: one outbox row per recipient (domain::RouteAlert: the care
// team, the police and grid workers or the community doctors of the jurisdiction walking
// up to the city, the duty role for a role nobody holds) with its acknowledgement
// deadline, and one alert_gap row per role nobody could take. The care team is read under
// the caller's row-level-security scope, which must cover the patient.
absl::StatusOr<Raised> RaiseAlertInTx(const Deps& deps, store::Tx& tx, const domain::Patient& p,
                                      const domain::AlertDraft& draft, const std::string& source,
                                      const std::string& raised_by, const std::string& dedupe_key);

struct HandedOn {
  int cause = 1;     // 1 deadline passed (escalation), 2 holder no longer fits (re-routed)
  int targets = 0;   // new copies written
  bool duty = false; // the new copies went to the duty role
  bool gap = false;  // nobody could take it: listed as a gap
};

// Hands on one open copy found by AlertRepository::ToHandOn: when its holder still fits,
// to the same role one level up (escalation); otherwise to the same role from the alert's
// community up (a replacement). Nobody there: the duty role; nobody either: a gap. The
// copy is marked handed on in every case.
absl::StatusOr<HandedOn> HandOnInTx(const Deps& deps, store::Tx& tx, const store::HandOnCopy& c);

// Tries again to route an open gap's role (an account may exist now). Returns the copies
// written; the gap is resolved when that is > 0.
absl::StatusOr<int> RerouteGapInTx(const Deps& deps, store::Tx& tx, const store::AlertGap& g);

// What `who` may see of their own copies (store::Viewer).
store::Viewer ViewerOf(const domain::Principal& who);

}  // namespace smd::app
