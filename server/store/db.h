#pragma once
// PostgreSQL access: a small connection pool and one-transaction-per-call execution.
// libpqxx 6.4 has no pool, and a pqxx::connection must be used by one thread at a time.
//
// Layering: only store/ includes <pqxx/...>. Other layers see `Tx` as an opaque handle
// they pass to repository functions; they cannot write SQL.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/backoff.h"
#include "common/telemetry.h"

namespace pqxx {
class connection_base;
}

namespace smd::store {

class Tx;  // one open transaction (store/internal/tx.h)

struct DatabaseOptions {
  std::string dsn;
  int pool_size = 8;
  std::chrono::milliseconds acquire_timeout{5000};
};

// A fixed-size pool of connections, each with every named statement prepared and the
// session time zone set to UTC. Thread-safe.
class Database {
 public:
  // Opens all connections. UNAVAILABLE if the server cannot be reached.
  static absl::StatusOr<std::unique_ptr<Database>> Open(const DatabaseOptions& options);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  enum class Isolation { kReadCommitted, kRepeatableRead, kSerializable };

  // Runs `fn` in one transaction on a pooled connection. Commits when fn returns OK,
  // rolls back otherwise (and returns fn's status). Database errors are mapped to
  // statuses (store/errors.h); serialization failures and deadlocks are retried up to
  // three times before ABORTED. A connection that can no longer serve (broken, a standby
  // after a failover, the server shutting down: store::NeedsNewConnection) is replaced
  // and the transaction retried on the new one, up to three attempts in all, then
  // UNAVAILABLE. After a failed reconnect, further reconnects wait an exponential,
  // jittered backoff (100 ms doubling to 5 s) and fail fast with UNAVAILABLE meanwhile,
  // so an outage costs the database a handful of connection attempts, not one per call.
  // Never throws.
  absl::Status InTransaction(const std::function<absl::Status(Tx&)>& fn,
                             Isolation isolation = Isolation::kReadCommitted);

  // Checks that one connection answers. UNAVAILABLE otherwise.
  absl::Status Ping();

  int pool_size() const { return static_cast<int>(all_.size()); }

  // For the monitoring endpoint (docs/operations.md "Monitoring"): connections lent now,
  // calls waiting for one, and how often a wait gave up (acquire_timeout). Takes the
  // pool's lock briefly.
  struct PoolFigures {
    int size = 0;
    int in_use = 0;
    int waiting = 0;
    uint64_t acquire_timeouts = 0;
  };
  PoolFigures Figures() const;
  // How long each transaction waited for a connection (no wait: the first bucket).
  const common::telemetry::Histogram& acquire_wait() const { return acquire_wait_; }
  // Connection attempts made by reconnects since Open (tests of the backoff).
  int ReconnectAttemptsForTest() const;

 private:
  explicit Database(DatabaseOptions options);
  struct Slot;
  absl::StatusOr<Slot*> Acquire();
  void Release(Slot* slot);
  absl::Status Reconnect(Slot* slot);

  DatabaseOptions options_;
  std::vector<std::unique_ptr<Slot>> all_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Slot*> free_;
  // Reconnect gate (guarded by mu_).
  std::unique_ptr<common::Backoff> reconnect_backoff_;
  std::chrono::steady_clock::time_point next_reconnect_{};
  int reconnect_attempts_ = 0;
  int waiting_ = 0;                  // guarded by mu_
  uint64_t acquire_timeouts_ = 0;    // guarded by mu_
  common::telemetry::Histogram acquire_wait_{common::telemetry::Histogram::LatencyBounds()};
};

}  // namespace smd::store
