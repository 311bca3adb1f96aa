#pragma once
// What the monitoring endpoint reports, gathered at each scrape from the parts that keep
// it (docs/operations.md "Monitoring" lists every figure; ADR 0015): calls and their
// latency (api/call_telemetry.h), the connection pool (store/db.h), alert delivery
// (api/alert_service.h), the metrics builds (app::Deps::metric_builds), the health probe,
// and the database's own figures (store/telemetry_repository.h), read on a connection of
// their own under a short timeout, so a scrape never takes a connection a call needs and a
// slow database slows only the scrape.
//
// Thread-safe: the in-process figures are atomics; a scrape runs on the endpoint's thread.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "api/alert_service.h"
#include "api/call_telemetry.h"
#include "common/telemetry.h"
#include "runtime/health_probe.h"
#include "runtime/monitoring_endpoint.h"
#include "store/db.h"

namespace smd::runtime {

class Monitoring {
 public:
  // The figures kept whether or not the endpoint serves (recording costs an atomic add).
  Monitoring();

  api::CallTelemetry& calls() { return *calls_; }
  common::telemetry::InFlight& metric_builds() { return metric_builds_; }

  struct Sources {
    store::Database* db = nullptr;        // the server's pool
    api::AlertHub* hub = nullptr;
    const HealthProbe* health = nullptr;
    std::string database_url;             // for the scrape's own connection
  };
  // Opens the scrape's connection and starts the endpoint on `listen`. Errors of
  // MonitoringEndpoint::Start, and UNAVAILABLE when the database cannot be reached.
  absl::Status Serve(const std::string& listen, Sources sources);
  // Stops the endpoint (before the parts it reads are destroyed). Idempotent.
  void Stop();
  // The endpoint's port (0 when it does not serve).
  int port() const { return endpoint_ ? endpoint_->port() : 0; }

  // The whole exposition, as a scrape gets it.
  std::string Render();

  // Every RPC method of the smd.v1 services (the labels of the call figures).
  static std::vector<std::string> AllMethodNames();

 private:
  void RenderDatabaseFigures(common::telemetry::Exposition& out);

  const absl::Time started_;
  std::unique_ptr<api::CallTelemetry> calls_;
  common::telemetry::InFlight metric_builds_;
  Sources sources_;
  std::unique_ptr<store::Database> scrape_db_;
  std::unique_ptr<MonitoringEndpoint> endpoint_;
};

}  // namespace smd::runtime
