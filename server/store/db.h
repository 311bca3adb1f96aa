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
  // three times before ABORTED. A broken connection is replaced. Never throws.
  absl::Status InTransaction(const std::function<absl::Status(Tx&)>& fn,
                             Isolation isolation = Isolation::kReadCommitted);

  // Checks that one connection answers. UNAVAILABLE otherwise.
  absl::Status Ping();

  int pool_size() const { return static_cast<int>(all_.size()); }

 private:
  explicit Database(DatabaseOptions options);
  struct Slot;
  absl::StatusOr<Slot*> Acquire();
  void Release(Slot* slot);
  absl::Status Reconnect(Slot* slot);

  DatabaseOptions options_;
  std::vector<std::unique_ptr<Slot>> all_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Slot*> free_;
};

}  // namespace smd::store
