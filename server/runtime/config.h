#pragma once
// Server configuration from command-line flags, falling back to SMD_* environment
// variables (flag --database-url <-> SMD_DATABASE_URL). No globals.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace smd::runtime {

struct Config {
  std::string command;  // serve | migrate | seed-demo | bootstrap | keygen | audit-verify
  std::string listen = "127.0.0.1:50051";
  std::string database_url;
  std::string key_file;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;  // set: clients must present a certificate signed by it
  // Client-certificate identities (subject CN or a DNS subject alternative name) of the web
  // gateways whose `x-forwarded-for` metadata is honoured (docs/security.md "Behind the web
  // gateway"). --trusted-gateway, repeatable and comma-separated; needs --tls-client-ca.
  std::vector<std::string> trusted_gateways;
  bool insecure = false;      // plaintext; only on a loopback address (tests, local tools)
  // Executor threads and as many database connections; 0 (the default): DbPoolSize's
  // figure for this machine.
  int db_pool = 0;
  // How long a call waits for the database to take connections again (a failover or a
  // planned switchover) before UNAVAILABLE; 0 fails at once. docs/operations.md "High
  // availability and failover" (deploy/ha/ sets 10000).
  int db_failover_wait_ms = 0;
  int audit_seal_interval_ms = 500;
  // The external copy of the audit checkpoints (docs/security.md "Audit guarantees").
  // Default: $STATE_DIRECTORY/audit-anchor.log when STATE_DIRECTORY is set (systemd's
  // StateDirectory=), else none. "none" turns it off explicitly.
  std::string audit_anchor_file;
  int session_ttl_minutes = 480;
  int session_idle_minutes = 30;
  int password_log2_n = 15;   // scrypt cost; tests lower it
  int demo_patients = 300;    // seed-demo
  // The deployment's rule set (rules.md "Product decisions"; docs/rules.md; ADR 0014): a
  // base set with options, "jiangsu-2018" or e.g. "jiangsu-2018+any-adr-unstable", then
  // each --rule-option NAME=VALUE (repeatable, comma-separated) applied in order.
  // Validated by ValidateConfig (domain::ParseRuleSet).
  std::string rule_set = "jiangsu-2018";
  std::vector<std::string> rule_options;
  std::string designated_hospital = "南京市脑科医院";
  // Alerts: acknowledgement deadlines by severity (then escalation), background intervals.
  int ack_critical_seconds = 30 * 60;
  int ack_high_seconds = 2 * 3600;
  int ack_warning_seconds = 24 * 3600;
  int alert_poll_ms = 250;
  int alert_escalate_interval_ms = 5000;
  int alert_overdue_interval_seconds = 3600;
  int alert_heartbeat_seconds = 300;  // open streams re-check their session this often
  // Roles at the district (then the city) that take an alert nobody of a required role
  // could receive (docs/adr/0010-alert-routing.md); validated at start.
  std::string alert_duty_roles = "community_doctor,psychiatrist";
  int alert_reroute_days = 14;  // gaps are re-routed and leavers' copies handed on this long
  // Idempotency keys: a write's stored reply is kept this long, then purged (ADR 0009).
  int idempotency_retention_hours = 168;
  // Sign-in (docs/security.md "Authentication"): its own executor and bounded queue, and the
  // per-source limit of failed sign-ins.
  int signin_threads = 2;
  int signin_queue = 64;
  int signin_source_limit = 20;
  int signin_source_window_seconds = 600;
  // Audit rows of unauthenticated calls (app/unauth_audit.h): own rows per source and
  // window, then one summary row per source and window; sources kept apart per window.
  int audit_unauth_window_seconds = 60;
  int audit_unauth_rows_per_source = 10;
  int audit_unauth_sources = 100;
  // The monitoring endpoint (Prometheus text format; docs/operations.md "Monitoring",
  // ADR 0015): "host:port" to serve GET /metrics on, "" (the default) for none. Loopback
  // only unless monitoring_allow_remote: its figures are operational, not patient data, but
  // nobody off the host needs them unprotected.
  std::string monitoring_listen;
  bool monitoring_allow_remote = false;
  std::string out;            // keygen output file
  std::string username;       // bootstrap
  std::string district;       // bootstrap: district code
  std::string district_name;  // bootstrap
  // keys (docs/operations.md "Key rotation"): `smd-server keys ACTION [KIND [ID]]`.
  std::string key_action;  // status | stage | rotate | rewrite | retire
  std::string key_kind;    // field | blind-index | audit
  int key_id = 0;          // retire: the key id
  int key_batch_rows = 200;     // rewrite: rows per transaction
  int64_t key_max_batches = -1;  // rewrite: stop after this many batches (resumes later)
};

// Parses argv (argv[1] is the command). INVALID_ARGUMENT naming the flag on bad input.
absl::StatusOr<Config> ParseConfig(const std::vector<std::string>& args);

// What each command needs, e.g. serve needs --database-url and --key-file, a --listen
// that parses as host:port (common::ParseListenAddress), and either TLS files or
// --insecure on loopback; --trusted-gateway only with --tls-client-ca (mutual TLS); and,
// for every command that opens the core (serve, seed-demo, bootstrap, audit-verify), a rule
// set that parses (domain::ParseRuleSet: an unknown base or option, or a bad value, stops
// the command with a message naming it).
// INVALID_ARGUMENT naming what is missing or malformed (a bad --listen: "--listen: <reason>
// (\"<value>\")", before any check of --insecure).
absl::Status ValidateConfig(const Config& config);

std::string Usage();

// The executor's threads and the pool's connections for calls: config.db_pool when set,
// else twice the machine's CPUs and at least 4. PostgreSQL's own rule of thumb (cores x 2):
// on the 2-core machine of docs/performance.md, 4 connections carried 14 % more
// RecordFollowUp calls than 8 and 30 % more than 16, where PostgreSQL shares the cores
// ("Session 10"); a database on a larger machine of its own wants --db-pool set for it.
int DbPoolSize(const Config& config);

// The audit anchor file to use: config.audit_anchor_file, or "" when it is empty or "none".
std::string AuditAnchorPath(const Config& config);

}  // namespace smd::runtime
