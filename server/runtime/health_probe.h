#pragma once
// The standard gRPC health service (grpc.health.v1.Health) tells load balancers (haproxy in
// deploy/ha/, Kubernetes-style probes, monitoring) whether this process can do its work:
// SERVING while the database answers, NOT_SERVING from the first failed probe until one
// succeeds again. A server whose database is gone keeps listening (it must recover on its
// own after a failover), so "the port is open" is not enough for a balancer to route to it.
// docs/operations.md "Monitoring".

#include <grpcpp/health_check_service_interface.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/time/time.h"
#include "store/db.h"

namespace smd::runtime {

class HealthProbe {
 public:
  // `health` may be null (then nothing is reported, e.g. the service was not enabled).
  HealthProbe(store::Database& db, grpc::HealthCheckServiceInterface* health,
              absl::Duration interval)
      : db_(db), health_(health), interval_(interval) {}
  ~HealthProbe() { Stop(); }

  // Probes once now (so the first answer is right), then every `interval` on its thread.
  void Start();
  // Joins the thread. Idempotent.
  void Stop();
  // One probe: Database::Ping, and the health status set from it. Returns whether serving.
  bool ProbeOnce();
  // The last probe's answer (true before the first): what the health service reports, and
  // the monitoring endpoint's smd_database_reachable. Lock-free.
  bool database_reachable() const { return reachable_.load(std::memory_order_relaxed); }

 private:
  store::Database& db_;
  grpc::HealthCheckServiceInterface* health_;
  absl::Duration interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool serving_ = true;  // what was last reported (changes are logged)
  std::atomic<bool> reachable_{true};
  std::thread thread_;
};

}  // namespace smd::runtime
