#include "runtime/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <fstream>
#include <mutex>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "api/alert_service.h"
#include "api/careteam_service.h"
#include "api/executor.h"
#include "api/followup_service.h"
#include "api/rehab_service.h"
#include "api/gateway_trust.h"
#include "api/metrics_service.h"
#include "api/network_service.h"
#include "api/method_names.h"
#include "api/services.h"
#include "app/admin_use_cases.h"
#include "app/alert_use_cases.h"
#include "app/audit_use_cases.h"
#include "app/auth_use_cases.h"
#include "app/careteam_use_cases.h"
#include "app/cipher_upgrade.h"
#include "app/figure_keeper.h"
#include "app/followup_use_cases.h"
#include "app/rehab_use_cases.h"
#include "app/idempotency.h"
#include "app/metric_use_cases.h"
#include "app/patient_use_cases.h"
#include "app/unauth_audit.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "crypto/audit_anchor.h"
#include "crypto/keys.h"
#include "crypto/signer.h"
#include "domain/rule_options.h"
#include "runtime/health_probe.h"
#include "runtime/monitoring.h"
#include "runtime/wiring.h"
#include "store/audit_repository.h"
#include "store/careteam_repository.h"
#include "store/migrator.h"

namespace smd::runtime {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(what, ": cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(const Config& c) {
  if (c.insecure) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions opts;
  ASSIGN_OR_RETURN(std::string cert, ReadFile(c.tls_cert, "--tls-cert"));
  ASSIGN_OR_RETURN(std::string key, ReadFile(c.tls_key, "--tls-key"));
  opts.pem_key_cert_pairs.push_back({key, cert});
  if (!c.tls_client_ca.empty()) {
    ASSIGN_OR_RETURN(opts.pem_root_certs, ReadFile(c.tls_client_ca, "--tls-client-ca"));
    opts.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(opts);
}

// The migration role must not keep the owner's powers over the audit trail (disable its
// triggers, drop its tables, replace its functions): deploy/postgres/protect-audit.sql hands
// every audit table and function and the schema public to smd_audit. Names the ones it has
// not (yet): a migration may also have added one since the script last ran.
void WarnIfAuditUnprotected(const app::Deps& deps) {
  std::vector<std::string> exposed;
  absl::Status s = deps.db.InTransaction([&](store::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(exposed, store::AuditObjectsNotOwnedByAuditRole(tx));
    return absl::OkStatus();
  });
  if (!s.ok()) {
    common::LogWarning("audit: cannot check the audit objects' owner: %s", s.ToString());
  } else if (!exposed.empty()) {
    common::LogWarning(
        "audit: not owned by smd_audit: %s; their owner (the migration role) can disable the "
        "audit triggers, drop the tables or replace the functions: run "
        "deploy/postgres/protect-audit.sql as a superuser",
        absl::StrJoin(exposed, ", "));
  }
}

// The audit time guard (schema 0012) refuses audit rows whose time, from the injected clock,
// is more than 5 minutes from the database's clock, and with them every audited call. Refuse
// to start well before that, and warn when the clocks drift apart.
constexpr absl::Duration kClockSkewRefused = absl::Minutes(4);
constexpr absl::Duration kClockSkewWarned = absl::Seconds(30);
// How often the health service learns whether the database answers (a balancer checks
// every second or two, deploy/ha/haproxy.cfg; a failover takes 5-15 s).
constexpr absl::Duration kHealthProbeInterval = absl::Seconds(1);

absl::Status CheckClockAgainstDatabase(const app::Deps& deps) {
  absl::Time before, after, database;
  RETURN_IF_ERROR(deps.db.InTransaction([&](store::Tx& tx) -> absl::Status {
    before = deps.clock.Now();
    ASSIGN_OR_RETURN(database, store::DatabaseClock(tx));
    after = deps.clock.Now();
    return absl::OkStatus();
  }));
  // The database read its clock between `before` and `after`.
  const absl::Duration skew = database - (before + (after - before) / 2);
  const absl::Duration apart = absl::AbsDuration(skew);
  const std::string text = absl::StrFormat(
      "%.1f s %s", absl::ToDoubleSeconds(apart), skew > absl::ZeroDuration() ? "behind" : "ahead");
  if (apart > kClockSkewRefused) {
    return absl::FailedPreconditionError(absl::StrCat(
        "服务器时钟与数据库时钟相差超过 4 分钟，审计记录将被拒绝；请检查两台主机的 NTP "
        "(this server's clock is ",
        text,
        " of the database server's clock; audit records more than 5 minutes off are refused, "
        "so the server does not start beyond 4 minutes: fix NTP on both hosts)"));
  }
  if (apart > kClockSkewWarned) {
    common::LogWarning(
        "clock: this server's clock is %s of the database server's; beyond 5 minutes every "
        "audited call fails (check NTP on both hosts)",
        text);
  }
  return absl::OkStatus();
}

}  // namespace

struct Server::Impl {
  // First: the executors count their calls in it, and it outlives them.
  std::unique_ptr<Monitoring> monitoring = std::make_unique<Monitoring>();
  std::unique_ptr<Core> core;
  api::AlertHub hub;  // outlives the streams, which are destroyed with the grpc server
  // Declared before the executors, so they outlive the executors' last queued task.
  std::unique_ptr<app::IdempotentCalls> idempotency;
  std::unique_ptr<api::GatewayTrust> gateways;
  std::unique_ptr<api::Executor> executor;
  std::unique_ptr<api::Executor> signin_executor;
  std::unique_ptr<app::UnauthenticatedAudit> unauth_audit;
  std::unique_ptr<app::AuthUseCases> auth;
  std::unique_ptr<app::AdminUseCases> admin;
  std::unique_ptr<app::PatientUseCases> patients;
  std::unique_ptr<app::AuditUseCases> audit;
  std::unique_ptr<app::FollowUpUseCases> followups;
  std::unique_ptr<app::AlertUseCases> alerts;
  std::unique_ptr<app::MetricUseCases> metrics;
  std::unique_ptr<app::AlertPump> pump;
  std::unique_ptr<store::CareTeamRepository> careteam_repo;
  std::unique_ptr<app::CareTeamUseCases> careteam;
  std::unique_ptr<app::RehabUseCases> rehab;
  std::unique_ptr<crypto::AnchorFile> anchor;  // null: no anchor file
  std::unique_ptr<app::AuditSealer> sealer;
  std::unique_ptr<app::CipherUpgrade> cipher_upgrade;
  std::unique_ptr<app::FigureKeeper> figure_keeper;
  std::unique_ptr<api::AuthService> auth_svc;
  std::unique_ptr<api::AdminService> admin_svc;
  std::unique_ptr<api::RegionService> region_svc;
  std::unique_ptr<api::PatientService> patient_svc;
  std::unique_ptr<api::AuditService> audit_svc;
  std::unique_ptr<api::FollowUpService> followup_svc;
  std::unique_ptr<api::AlertService> alert_svc;
  std::unique_ptr<api::CareTeamService> careteam_svc;
  std::unique_ptr<api::MetricsService> metrics_svc;
  std::unique_ptr<api::RehabService> rehab_svc;
  std::unique_ptr<app::NetworkUseCases> network;
  std::unique_ptr<api::ServiceNetworkService> network_svc;
  std::unique_ptr<grpc::Server> grpc;
  std::unique_ptr<HealthProbe> health;
  int port = 0;
  std::mutex mu;
  bool shut = false;
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Shutdown(); }

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const Config& config,
                                                      const common::Clock& clock) {
  RETURN_IF_ERROR(ValidateConfig(config));
  RETURN_IF_ERROR(store::CheckSchemaCurrent(config.database_url));
  // Debian's abseil is built without NDEBUG, so absl::Mutex (every lock inside gRPC) runs
  // its debug-only deadlock detector: a global graph updated under a global lock on each
  // acquisition. It was 1-2 % of a GetPatient's CPU in the server (issue 17; docs/
  // performance.md). Off, as in any release build of abseil. Process-wide and idempotent.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  auto impl = std::make_unique<Impl>();
  ASSIGN_OR_RETURN(impl->core, Core::Open(config, clock));
  app::Deps& deps = impl->core->deps;
  deps.metric_builds = &impl->monitoring->metric_builds();
  {
    // The effective rules, every option with its value: what each assessment and metrics
    // answer will record (docs/rules.md "Rule sets and their options").
    std::vector<std::string> options;
    for (const auto& [name, value] : domain::RuleOptionValues(deps.rules)) {
      options.push_back(absl::StrCat(name, "=", value));
    }
    common::LogInfo("rules: rule set %s (%s)", deps.rules.name, absl::StrJoin(options, ", "));
  }
  RETURN_IF_ERROR(CheckClockAgainstDatabase(deps));
  // One worker per database connection: a worker never waits for a connection.
  impl->executor = std::make_unique<api::Executor>(DbPoolSize(config), 1024);
  impl->idempotency = std::make_unique<app::IdempotentCalls>(
      deps, absl::Hours(config.idempotency_retention_hours));
  impl->executor->set_idempotency(impl->idempotency.get());
  // Sign-in (scrypt) on its own small executor, so a flood of sign-ins queues there and
  // not in front of every other call (docs/architecture.md "Threading model").
  // Its workers run at nice 10: scrypt is all CPU and must yield to every other call
  // (and to PostgreSQL) when the machine is busy.
  impl->signin_executor =
      std::make_unique<api::Executor>(config.signin_threads, config.signin_queue, /*nice=*/10);
  // The web gateways whose x-forwarded-for is believed (docs/security.md "Behind the web
  // gateway"): for sign-ins too, so that the per-source limit counts browsers.
  impl->gateways = std::make_unique<api::GatewayTrust>(config.trusted_gateways);
  impl->executor->set_gateways(impl->gateways.get());
  impl->signin_executor->set_gateways(impl->gateways.get());
  impl->executor->set_telemetry(&impl->monitoring->calls());
  impl->signin_executor->set_telemetry(&impl->monitoring->calls());
  app::UnauthenticatedAudit::Options unauth;
  unauth.window = absl::Seconds(config.audit_unauth_window_seconds);
  unauth.rows_per_source = config.audit_unauth_rows_per_source;
  unauth.max_sources = config.audit_unauth_sources;
  impl->unauth_audit = std::make_unique<app::UnauthenticatedAudit>(deps.db, clock, unauth);
  deps.unauth_audit = impl->unauth_audit.get();
  impl->unauth_audit->Start();
  impl->auth = std::make_unique<app::AuthUseCases>(deps);
  impl->admin = std::make_unique<app::AdminUseCases>(deps);
  impl->patients = std::make_unique<app::PatientUseCases>(deps);
  if (const std::string anchor = AuditAnchorPath(config); !anchor.empty()) {
    // Opened (created) now: a server that cannot write its anchor must not start.
    impl->anchor = std::make_unique<crypto::AnchorFile>(anchor);
    RETURN_IF_ERROR(impl->anchor->Open());
  }
  impl->audit =
      std::make_unique<app::AuditUseCases>(deps, impl->anchor.get(), api::RpcMethodNames());
  impl->followups = std::make_unique<app::FollowUpUseCases>(deps);
  impl->alerts = std::make_unique<app::AlertUseCases>(deps);
  impl->auth_svc =
      std::make_unique<api::AuthService>(*impl->auth, *impl->executor, *impl->signin_executor);
  impl->admin_svc = std::make_unique<api::AdminService>(*impl->admin, *impl->executor);
  impl->region_svc = std::make_unique<api::RegionService>(*impl->admin, *impl->executor);
  impl->patient_svc = std::make_unique<api::PatientService>(*impl->patients, *impl->executor);
  impl->audit_svc = std::make_unique<api::AuditService>(*impl->audit, *impl->executor);
  impl->followup_svc =
      std::make_unique<api::FollowUpService>(*impl->followups, *impl->executor);
  impl->alert_svc = std::make_unique<api::AlertService>(*impl->alerts, impl->hub, *impl->executor);
  impl->careteam_repo = std::make_unique<store::CareTeamRepository>(deps.keys);
  impl->careteam = std::make_unique<app::CareTeamUseCases>(deps, *impl->careteam_repo);
  impl->careteam_svc =
      std::make_unique<api::CareTeamService>(*impl->careteam, *impl->executor);
  impl->rehab = std::make_unique<app::RehabUseCases>(deps);
  impl->rehab_svc = std::make_unique<api::RehabService>(*impl->rehab, *impl->executor);
  impl->metrics = std::make_unique<app::MetricUseCases>(deps);
  impl->metrics_svc = std::make_unique<api::MetricsService>(*impl->metrics, *impl->executor);
  impl->network = std::make_unique<app::NetworkUseCases>(deps);
  impl->network_svc =
      std::make_unique<api::ServiceNetworkService>(*impl->network, *impl->executor);
  ASSIGN_OR_RETURN(auto creds, Credentials(config));
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default on Linux, so a second server on a taken port would
  // bind too and silently take a share of the connections. Refuse to share: the bind fails
  // and Start reports it.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(config.listen, creds, &impl->port);
  builder.RegisterService(impl->auth_svc.get());
  builder.RegisterService(impl->admin_svc.get());
  builder.RegisterService(impl->region_svc.get());
  builder.RegisterService(impl->patient_svc.get());
  builder.RegisterService(impl->audit_svc.get());
  builder.RegisterService(impl->followup_svc.get());
  builder.RegisterService(impl->alert_svc.get());
  builder.RegisterService(impl->careteam_svc.get());
  builder.RegisterService(impl->metrics_svc.get());
  builder.RegisterService(impl->rehab_svc.get());
  builder.RegisterService(impl->network_svc.get());
  builder.SetMaxReceiveMessageSize(4 * 1024 * 1024);
  impl->grpc = builder.BuildAndStart();
  if (!impl->grpc || impl->port == 0) {
    return absl::UnavailableError("cannot listen on " + config.listen +
                                  " (address in use, or not an address of this host)");
  }
  // The health service answers NOT_SERVING while the database does not (health_probe.h).
  impl->health = std::make_unique<HealthProbe>(*impl->core->db, impl->grpc->GetHealthCheckService(),
                                               kHealthProbeInterval);
  impl->health->Start();
  impl->sealer = std::make_unique<app::AuditSealer>(
      deps, absl::Milliseconds(config.audit_seal_interval_ms), impl->anchor.get());
  impl->sealer->Start();
  WarnIfAuditUnprotected(deps);
  // Rows written before migration 0013 are converted in the background, in small batches
  // (app/cipher_upgrade.h); until then they are read the old way.
  impl->cipher_upgrade = std::make_unique<app::CipherUpgrade>(deps);
  impl->cipher_upgrade->Start();
  // The kept figures of the current year and today are built in the background, district
  // by district, while the server serves (app/figure_keeper.h; docs/metrics.md).
  impl->figure_keeper = std::make_unique<app::FigureKeeper>(*impl->metrics, absl::Minutes(1));
  impl->figure_keeper->Start();
  app::AlertPump::Intervals intervals;
  intervals.poll = absl::Milliseconds(config.alert_poll_ms);
  intervals.escalate = absl::Milliseconds(config.alert_escalate_interval_ms);
  intervals.overdue = absl::Seconds(config.alert_overdue_interval_seconds);
  intervals.heartbeat = absl::Seconds(config.alert_heartbeat_seconds);
  api::AlertHub* hub = &impl->hub;
  impl->pump = std::make_unique<app::AlertPump>(
      deps, *impl->alerts, config.database_url, intervals,
      [hub](const std::vector<std::string>& users, bool everyone) { hub->Wake(users, everyone); });
  const app::IdempotentCalls* idempotency = impl->idempotency.get();
  store::Database* db = impl->core->db.get();
  impl->pump->SetHousekeeping([idempotency, db] {
    // Replies kept for idempotency keys, past their retention (ADR 0009).
    auto purged = idempotency->Purge();
    if (!purged.ok()) common::LogWarning("idempotency keys: purge failed");
    // Commit markers (--db-failover-wait-ms; ADR 0013): needed for seconds, kept an hour.
    if (!db->PurgeCommitMarks().ok()) common::LogWarning("commit markers: purge failed");
  });
  impl->pump->Start();
  common::LogInfo("alerts: duty roles %s (district, then city); re-routing for %d days",
                  config.alert_duty_roles, config.alert_reroute_days);
  if (!config.trusted_gateways.empty()) {
    common::LogInfo(
        "trusted gateways (x-forwarded-for honoured from these client certificates): %s",
        absl::StrJoin(config.trusted_gateways, ", "));
  }
  common::LogInfo(
      "smd-server listening on %s (port %d, %s)", config.listen, impl->port,
      config.insecure ? "plaintext" : (config.tls_client_ca.empty() ? "TLS" : "mutual TLS"));
  Impl& parts = *impl;
  auto server = std::unique_ptr<Server>(new Server(std::move(impl)));
  if (!config.monitoring_listen.empty()) {
    // Last: a scrape reads the parts started above (docs/operations.md "Monitoring"). A
    // server whose monitoring cannot start stops again, in order.
    absl::Status s = parts.monitoring->Serve(
        config.monitoring_listen,
        {parts.core->db.get(), &parts.hub, parts.health.get(), config.database_url});
    if (!s.ok()) {
      server->Shutdown(absl::ZeroDuration());
      return s;
    }
  }
  return server;
}

int Server::port() const { return impl_->port; }

void Server::Shutdown(absl::Duration grace) {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->shut) return;
    impl_->shut = true;
  }
  impl_->monitoring->Stop();
  impl_->health->Stop();
  if (auto* health = impl_->grpc->GetHealthCheckService()) health->Shutdown();
  impl_->pump->Stop();
  impl_->cipher_upgrade->Stop();
  impl_->figure_keeper->Stop();
  impl_->hub.FinishAll(grpc::Status(grpc::StatusCode::UNAVAILABLE, "server shutting down"));
  impl_->grpc->Shutdown(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(grace));
  impl_->executor->Shutdown();
  impl_->signin_executor->Shutdown();
  // After the last call: the summaries of unauthenticated calls not yet written.
  impl_->unauth_audit->Stop();
  // Delivery times recorded after the pump's last pass.
  if (auto n = impl_->alerts->FlushDeliveries(); !n.ok()) {
    common::LogWarning("storing alert delivery times at shutdown failed");
  }
  impl_->sealer->Stop();
  common::LogInfo("smd-server stopped");
}

void Server::Wait() { impl_->grpc->Wait(); }

absl::StatusOr<int> Server::SealAuditNow() {
  return impl_->sealer->SealNowForTest();
}

bool Server::ProbeHealthNowForTest() { return impl_->health->ProbeOnce(); }

int Server::monitoring_port() const { return impl_->monitoring->port(); }

absl::StatusOr<int> Server::PurgeIdempotencyKeysForTest() {
  return impl_->idempotency->Purge();
}

absl::StatusOr<int> Server::FlushUnauthenticatedAuditForTest() {
  return impl_->unauth_audit->FlushForTest();
}

absl::StatusOr<int> Server::UpgradeCiphertextsNow() {
  absl::StatusOr<app::CipherUpgrade::Counts> c = impl_->cipher_upgrade->RunOnce();
  if (!c.ok()) return c.status();
  return c->patients + c->transfers + c->referrals;
}

absl::StatusOr<int> Server::BuildMetricsYear(int year) {
  return impl_->metrics->BuildSet(domain::FigureSet::Year(year), /*rebuild=*/true);
}
absl::StatusOr<int> Server::BuildMetricsToday() {
  return impl_->metrics->BuildSet(domain::FigureSet::Day(impl_->metrics->Today()),
                                  /*rebuild=*/true);
}

app::MetricUseCases& Server::MetricsForTest() { return *impl_->metrics; }

}  // namespace smd::runtime
