#pragma once
// What every use case needs: the database, the clock, the keys, and the settings.

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/clock.h"
#include "common/telemetry.h"
#include "crypto/keys.h"
#include "crypto/password.h"
#include "crypto/signer.h"
#include "domain/alert_rules.h"
#include "domain/followup_rules.h"
#include "domain/medication.h"
#include "store/alert_repository.h"
#include "store/care_repository.h"
#include "store/db.h"
#include "store/patient_repository.h"

namespace smd::app {

class KeyedFrame;  // app/idempotency.h
class UnauthenticatedAudit;  // app/unauth_audit.h

struct AppConfig {
  absl::Duration session_ttl = absl::Hours(8);      // a working shift
  absl::Duration session_idle = absl::Minutes(30);  // idle sessions end sooner
  int max_failed_logins = 5;
  absl::Duration lockout = absl::Minutes(15);
  // Failed sign-ins allowed per source address, refilled at that many per window
  // (domain::SourceBudget; docs/security.md "Authentication").
  int signin_source_limit = 20;
  absl::Duration signin_source_window = absl::Minutes(10);
  crypto::PasswordParams password_params;
  std::string rule_set = "jiangsu-2018";         // rules.md product decisions
  std::string designated_hospital = "南京市脑科医院";  // referral default (green channel)
  domain::AckDeadlines ack_deadlines;                // alert escalation (issue 4)
  // Who takes an alert that no account of a required role could receive, at the
  // district (then the city): docs/adr/0010-alert-routing.md.
  std::vector<domain::Role> alert_duty_roles = {domain::Role::kCommunityDoctor,
                                                domain::Role::kPsychiatrist};
  // How long after raising an alert is still re-routed: a gap filled when an account
  // appears, a copy taken over when its holder leaves.
  absl::Duration alert_reroute_window = absl::Hours(14 * 24);
  // smd-server's version (CMake's project version), shown by AdminService.GetRuleSet.
  std::string server_version;
};

// The drug catalogue (schema 0003), loaded once at start-up. Thread-safe (immutable).
class DrugCatalogue {
 public:
  explicit DrugCatalogue(std::vector<domain::DrugInfo> drugs);
  const domain::DrugInfo* Find(std::string_view code) const;
  domain::DrugLookup Lookup() const;
  const std::vector<domain::DrugInfo>& all() const { return drugs_; }

 private:
  std::vector<domain::DrugInfo> drugs_;
};

// Shared, long-lived collaborators. Thread-safe: all members are.
struct Deps {
  store::Database& db;
  const common::Clock& clock;
  const crypto::KeyRing& keys;
  const crypto::Signer& signer;
  store::PatientRepository& patients;
  store::CareRepository& care;
  store::AlertRepository& alerts;
  const DrugCatalogue& drugs;
  const domain::RuleSet& rules;
  AppConfig config;
  // Bounds the audit rows of unauthenticated calls (app/unauth_audit.h); set by the
  // server. Null (tools, seeding): every such call gets its own row.
  UnauthenticatedAudit* unauth_audit = nullptr;
  // The metrics (management-rate) builds running now, for the monitoring endpoint
  // (docs/operations.md "Monitoring"). A builder wraps each build in
  //   auto running = common::telemetry::InFlight::Begin(deps.metric_builds, "year");
  //   ... build ...; running.Succeeded();
  // Null (tools, seeding): nothing is recorded.
  common::telemetry::InFlight* metric_builds = nullptr;
};

// Transport facts about one call, filled by the api layer.
struct CallMeta {
  std::string method;      // full gRPC method, e.g. "/smd.v1.PatientService/GetPatient"
  std::string token;       // bearer token ("" when absent)
  // gRPC's peer, e.g. "ipv4:127.0.0.1:53412"; for a call the trusted web gateway forwarded,
  // "<browser> via <gateway>" (domain::PeerViaGateway). Audited as it is; the sign-in limit
  // and the unauthenticated-call audit count domain::SourceOf(peer).
  std::string peer;
  std::string request_id;  // client's x-request-id or a generated one
  // Set only while IdempotentCalls::Run runs a call that carries an idempotency key:
  // RunCall then joins the frame's transaction instead of opening its own.
  KeyedFrame* keyed = nullptr;
};

}  // namespace smd::app
