#include "runtime/monitoring.h"

#include <google/protobuf/descriptor.h>

#include <algorithm>
#include <chrono>

#include "absl/time/clock.h"
#include "api/method_names.h"
#include "common/log.h"
#include "smd/v1/network.grpc.pb.h"
#include "smd/v1/rehab.grpc.pb.h"
#include "store/telemetry_repository.h"

namespace smd::runtime {
namespace {

using common::telemetry::Exposition;

// The database figures must come back well within a scraper's timeout (Prometheus: 10 s).
constexpr absl::Duration kStatementTimeout = absl::Seconds(2);

double Secs(absl::Duration d) { return absl::ToDoubleSeconds(d); }

}  // namespace

Monitoring::Monitoring()
    : started_(absl::Now()), calls_(std::make_unique<api::CallTelemetry>(AllMethodNames())) {}

std::vector<std::string> Monitoring::AllMethodNames() {
  std::vector<std::string> out = api::RpcMethodNames();
  // Services in files api::RpcMethodNames does not list.
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const char* name :
       {v1::RehabService::service_full_name(), v1::ServiceNetworkService::service_full_name()}) {
    const google::protobuf::ServiceDescriptor* s = pool->FindServiceByName(name);
    if (s == nullptr) continue;
    for (int m = 0; m < s->method_count(); ++m) {
      out.push_back("/" + s->full_name() + "/" + s->method(m)->name());
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

absl::Status Monitoring::Serve(const std::string& listen, Sources sources) {
  sources_ = std::move(sources);
  store::DatabaseOptions opts;
  opts.dsn = sources_.database_url;
  opts.pool_size = 1;
  // A scrape finds the connection free (scrapes run one at a time); never wait long.
  opts.acquire_timeout = std::chrono::milliseconds(1000);
  auto db = store::Database::Open(opts);
  if (!db.ok()) return db.status();
  scrape_db_ = std::move(*db);
  auto endpoint = MonitoringEndpoint::Start(listen, [this] { return Render(); });
  if (!endpoint.ok()) return endpoint.status();
  endpoint_ = std::move(*endpoint);
  common::LogInfo("monitoring: GET /metrics on %s (Prometheus text format; port %d)", listen,
                  endpoint_->port());
  return absl::OkStatus();
}

void Monitoring::Stop() {
  if (endpoint_) endpoint_->Stop();
}

void Monitoring::RenderDatabaseFigures(Exposition& out) {
  if (!scrape_db_) return;
  const auto t0 = std::chrono::steady_clock::now();
  store::OperationalFigures f;
  const absl::Status s = scrape_db_->InTransaction([&](store::Tx& tx) -> absl::Status {
    absl::StatusOr<store::OperationalFigures> read =
        store::ReadOperationalFigures(tx, kStatementTimeout);
    if (!read.ok()) return read.status();
    f = *read;
    return absl::OkStatus();
  });
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out.Family("smd_monitoring_database_read_ok", "gauge",
             "1 when this scrape read the database's figures (the alert outbox and audit "
             "figures below are then present), 0 when it could not.");
  out.Sample("smd_monitoring_database_read_ok", {}, static_cast<int64_t>(s.ok() ? 1 : 0));
  out.Family("smd_monitoring_database_read_seconds", "gauge",
             "Time this scrape took to read the database's figures.");
  out.Sample("smd_monitoring_database_read_seconds", {}, took);
  if (!s.ok()) {
    common::LogWarning("monitoring: reading the database's figures failed: %s",
                       std::string(s.message()));
    return;
  }
  auto age = [&](const char* name, const char* help, const std::optional<absl::Duration>& d) {
    out.Family(name, "gauge", help);
    out.Sample(name, {}, d ? Secs(*d) : 0.0);
  };
  out.Family("smd_alert_copies_unsequenced", "gauge",
             "Alert recipient copies committed but not yet given a delivery sequence by the "
             "alert pump.");
  out.Sample("smd_alert_copies_unsequenced", {}, f.alerts_unsequenced);
  out.Family("smd_alert_copies_undelivered", "gauge",
             "Open alert copies (neither acknowledged nor handed on) not yet written to any "
             "stream of their recipient.");
  out.Sample("smd_alert_copies_undelivered", {}, f.alerts_undelivered);
  age("smd_alert_copies_undelivered_oldest_seconds",
      "Age of the oldest undelivered open alert copy (0 when none).",
      f.alerts_undelivered_oldest);
  out.Family("smd_alert_gaps_open", "gauge",
             "Open entries of the 'no recipient' list: a required role no account could take.");
  out.Sample("smd_alert_gaps_open", {}, f.alert_gaps_open);
  age("smd_alert_gaps_oldest_seconds", "Age of the oldest open 'no recipient' entry (0 when none).",
      f.alert_gaps_oldest);
  out.Family("smd_audit_unsealed_rows", "gauge",
             "Committed audit rows not yet sealed into the hash chain.");
  out.Sample("smd_audit_unsealed_rows", {}, f.audit_unsealed);
  age("smd_audit_unsealed_oldest_seconds", "Age of the oldest unsealed audit row (0 when none).",
      f.audit_unsealed_oldest);
  out.Family("smd_audit_uncheckpointed_rows", "gauge",
             "Audit rows sealed after the newest signed checkpoint.");
  out.Sample("smd_audit_uncheckpointed_rows", {}, f.audit_uncheckpointed);
  if (f.audit_checkpoint_age) {
    out.Family("smd_audit_checkpoint_age_seconds", "gauge",
               "Time since the newest signed audit checkpoint (absent before the first). "
               "Checkpoints follow new rows within seconds; a quiet server makes none.");
    out.Sample("smd_audit_checkpoint_age_seconds", {}, Secs(*f.audit_checkpoint_age));
  }
}

std::string Monitoring::Render() {
  Exposition out;
  const absl::Time now = absl::Now();
  out.Family("smd_build_info", "gauge", "The running smd-server's version (value 1).");
  out.Sample("smd_build_info", {{"version", SMD_VERSION}}, static_cast<int64_t>(1));
  out.Family("smd_process_start_time_seconds", "gauge",
             "When this process started, in seconds since the Unix epoch.");
  out.Sample("smd_process_start_time_seconds", {}, absl::ToDoubleSeconds(started_ - absl::UnixEpoch()));
  if (sources_.health != nullptr) {
    const bool reachable = sources_.health->database_reachable();
    out.Family("smd_database_reachable", "gauge",
               "1 while the database answers the health probe (every 2 s), else 0.");
    out.Sample("smd_database_reachable", {}, static_cast<int64_t>(reachable ? 1 : 0));
    out.Family("smd_serving", "gauge",
               "What the gRPC health service answers: 1 SERVING, 0 NOT_SERVING.");
    out.Sample("smd_serving", {}, static_cast<int64_t>(reachable ? 1 : 0));
  }
  calls_->Render(out);
  if (sources_.db != nullptr) {
    const store::Database::PoolFigures p = sources_.db->Figures();
    out.Family("smd_db_pool_connections", "gauge", "Connections in the server's pool.");
    out.Sample("smd_db_pool_connections", {}, static_cast<int64_t>(p.size));
    out.Family("smd_db_pool_in_use", "gauge", "Pool connections lent to a transaction now.");
    out.Sample("smd_db_pool_in_use", {}, static_cast<int64_t>(p.in_use));
    out.Family("smd_db_pool_waiting", "gauge", "Transactions waiting for a pool connection now.");
    out.Sample("smd_db_pool_waiting", {}, static_cast<int64_t>(p.waiting));
    out.Family("smd_db_pool_acquire_timeouts_total", "counter",
               "Waits for a pool connection that gave up (the call failed UNAVAILABLE).");
    out.Sample("smd_db_pool_acquire_timeouts_total", {}, p.acquire_timeouts);
    out.Family("smd_db_pool_wait_seconds", "histogram",
               "How long each transaction waited for a pool connection.");
    out.Buckets("smd_db_pool_wait_seconds", {}, sources_.db->acquire_wait().Read());
  }
  if (sources_.hub != nullptr) {
    api::AlertDeliveryTelemetry& d = sources_.hub->delivery();
    out.Family("smd_alert_streams_open", "gauge", "Open alert subscription streams.");
    out.Sample("smd_alert_streams_open", {}, static_cast<int64_t>(sources_.hub->size()));
    out.Family("smd_alert_copies_delivered_total", "counter",
               "Alert copies written to a subscriber's stream: live (raised while the stream "
               "was open) or catch_up (raised before; the client was away).");
    out.Sample("smd_alert_copies_delivered_total", {{"kind", "live"}}, d.live.value());
    out.Sample("smd_alert_copies_delivered_total", {{"kind", "catch_up"}}, d.caught_up.value());
    out.Family("smd_alert_delivery_lag_seconds", "histogram",
               "From an alert's raise (its transaction) to the completed write of a live copy "
               "to its recipient's stream.");
    out.Buckets("smd_alert_delivery_lag_seconds", {}, d.lag.Read());
  }
  {
    const auto builds = metric_builds_.Read(now);
    out.Family("smd_metrics_builds_running", "gauge",
               "Metrics (management-rate) builds running now, by kind (year, day).");
    for (const char* kind : {"year", "day"}) {
      auto it = builds.find(kind);
      out.Sample("smd_metrics_builds_running", {{"kind", kind}},
                 static_cast<int64_t>(it == builds.end() ? 0 : it->second.running));
    }
    out.Family("smd_metrics_build_oldest_running_seconds", "gauge",
               "How long the oldest running metrics build of each kind has run (0 when none).");
    for (const char* kind : {"year", "day"}) {
      auto it = builds.find(kind);
      out.Sample("smd_metrics_build_oldest_running_seconds", {{"kind", kind}},
                 it == builds.end() ? 0.0 : Secs(it->second.oldest_running));
    }
    out.Family("smd_metrics_builds_total", "counter",
               "Metrics builds that ended, by kind and result (ok, error).");
    for (const char* kind : {"year", "day"}) {
      auto it = builds.find(kind);
      out.Sample("smd_metrics_builds_total", {{"kind", kind}, {"result", "ok"}},
                 it == builds.end() ? uint64_t{0} : it->second.succeeded);
      out.Sample("smd_metrics_builds_total", {{"kind", kind}, {"result", "error"}},
                 it == builds.end() ? uint64_t{0} : it->second.failed);
    }
    out.Family("smd_metrics_build_duration_seconds", "histogram",
               "Duration of the metrics builds that ended, by kind.");
    for (const char* kind : {"year", "day"}) {
      out.Buckets("smd_metrics_build_duration_seconds", {{"kind", kind}},
                  metric_builds_.durations(kind).Read());
    }
  }
  RenderDatabaseFigures(out);
  return out.text();
}

}  // namespace smd::runtime
