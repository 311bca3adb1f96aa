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
  // How long a call may wait for the database to take connections again (a failover or a
  // planned switchover: no primary for a few seconds) before it fails UNAVAILABLE. 0: fail
  // at once. The wait is spent retrying the reconnect at the backoff's pace. With a wait,
  // a COMMIT cut off by the primary's end is resolved by asking the database a new
  // connection reaches whether that transaction committed (each transaction that wrote
  // leaves a marker row, schema 0027 commit_marker): OK if it did, run again if it did not;
  // only when that cannot be told within the wait does the call fail "commit in doubt"
  // (the client retries with its idempotency key).
  std::chrono::milliseconds failover_wait{0};
};

// Checks a connection string (key=value or URI) without connecting: INVALID_ARGUMENT when
// libpq cannot parse it, or when it names several hosts (a pg_auto_failover pair) without
// target_session_attrs=read-write (or primary). Without it libpq takes the first host that
// answers, which after a failover can be the standby: every write then fails, and replacing
// the connection lands on the same standby again.
absl::Status CheckConnectionString(const std::string& dsn);

// A fixed-size pool of connections, each with every named statement prepared and the
// session time zone set to UTC. Thread-safe.
class Database {
 public:
  // Opens all connections. UNAVAILABLE if the server cannot be reached; INVALID_ARGUMENT
  // for a connection string CheckConnectionString refuses.
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
  // jittered backoff (100 ms doubling to 1 s: a failover is over in seconds) and fail fast
  // with UNAVAILABLE meanwhile,
  // so an outage costs the database a handful of connection attempts, not one per call:
  // while the backoff is active, one reconnect at a time probes the database, and the
  // first that succeeds lets the others through at once. With `failover_wait` set, a call
  // that finds no usable connection waits up to that long for one (docs/operations.md "High
  // availability and failover"), so a switchover delays calls instead of refusing them.
  // Never throws.
  absl::Status InTransaction(const std::function<absl::Status(Tx&)>& fn,
                             Isolation isolation = Isolation::kReadCommitted);

  // Checks that one connection answers. UNAVAILABLE otherwise, at once: it never waits
  // `failover_wait` (the health service must report NOT_SERVING while there is no primary).
  absl::Status Ping();

  // Deletes the commit markers (DatabaseOptions::failover_wait) older than an hour, by the
  // database's clock (they are compared with nothing else), in batches; returns how many.
  // For the server's housekeeping.
  absl::StatusOr<int> PurgeCommitMarks();

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
  // Reconnect, retried at the backoff's pace until it succeeds or `give_up` passes.
  absl::Status ReconnectUntil(Slot* slot, std::chrono::steady_clock::time_point give_up);
  absl::Status Run(const std::function<absl::Status(Tx&)>& fn, Isolation isolation,
                   std::chrono::milliseconds wait);

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
