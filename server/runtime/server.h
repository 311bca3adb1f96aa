#pragma once
// Process wiring: builds the object graph (database pool, keys, use cases, executor,
// gRPC services, health, reflection, audit sealer) and runs the gRPC server. No business
// logic. Used by main.cc and by the integration tests (port 0 = any free port).

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "runtime/config.h"

namespace smd::app {
class MetricUseCases;
}

namespace smd::runtime {

class Server {
 public:
  // Opens the database (checking the schema is current), loads the key file, binds the
  // listen address and starts serving. FAILED_PRECONDITION (schema pending, key file
  // permissions), UNAVAILABLE (database), INVALID_ARGUMENT (config, TLS files).
  static absl::StatusOr<std::unique_ptr<Server>> Start(const Config& config,
                                                       const common::Clock& clock);
  ~Server();

  int port() const;
  // The monitoring endpoint's port (--monitoring-listen; runtime/monitoring.h), 0 when off.
  int monitoring_port() const;
  // Stops accepting calls, lets running calls finish (up to `grace`), drains the executor,
  // seals pending audit rows. Idempotent. Thread-safe.
  void Shutdown(absl::Duration grace = absl::Seconds(10));
  // Blocks until Shutdown() has completed.
  void Wait();

  // For tests: seals and checkpoints now everything written before the call, waiting for
  // a concurrent sealing pass if there is one (app::AuditSealer::SealNowForTest).
  absl::StatusOr<int> SealAuditNow();
  // For tests: ends the current window of unauthenticated-call audit now and writes its
  // summary rows (app/unauth_audit.h). Returns the number of summary rows written.
  absl::StatusOr<int> FlushUnauthenticatedAuditForTest();
  // For tests and tools: one pass of the conversion of rows written before migration 0013
  // (app/cipher_upgrade.h), after any pass already running. Returns the rows converted.
  absl::StatusOr<int> UpgradeCiphertextsNow();
  // For tests and tools: (re)builds the kept figures of `year` from the records, district
  // by district (app::MetricUseCases::BuildSet), and returns when they are built.
  absl::StatusOr<int> BuildMetricsYear(int year);
  // The same for today's figures (the server builds them itself when the day turns).
  absl::StatusOr<int> BuildMetricsToday();
  // For tests: the metric use cases (build hooks).
  app::MetricUseCases& MetricsForTest();

  // The housekeeping's purge of idempotency-key records past their retention, now.
  absl::StatusOr<int> PurgeIdempotencyKeysForTest();
  // For tests: one database health probe now (runtime/health_probe.h); true when serving.
  bool ProbeHealthNowForTest();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};


}  // namespace smd::runtime
