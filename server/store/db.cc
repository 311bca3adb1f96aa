#include "store/db.h"

#include <pqxx/pqxx>

#include "common/log.h"
#include "store/errors.h"
#include "store/internal/tx.h"
#include "store/metric_repository.h"
#include "store/statements.h"

namespace smd::store {

struct Database::Slot {
  std::unique_ptr<pqxx::connection> conn;
};

namespace {

std::unique_ptr<pqxx::connection> Connect(const std::string& dsn) {
  auto conn = std::make_unique<pqxx::connection>(dsn);
  {
    pqxx::nontransaction n(*conn);
    n.exec("SET TIME ZONE 'UTC'");
    n.exec("SET application_name = 'smd-server'");
    // The database's owner can change the default search_path (ALTER DATABASE ... SET) and
    // put a schema of its own, or its own copies of built-ins, in front of the real tables
    // and functions; the session's own setting wins over that default.
    n.exec("SET search_path = pg_catalog, public");
  }
  for (const Statement& s : AllStatements()) conn->prepare(s.name, s.sql);
  return conn;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Database>> Database::Open(const DatabaseOptions& options) {
  if (options.pool_size < 1) return absl::InvalidArgumentError("pool_size must be >= 1");
  std::unique_ptr<Database> db(new Database(options));
  try {
    for (int i = 0; i < options.pool_size; ++i) {
      auto slot = std::make_unique<Slot>();
      slot->conn = Connect(options.dsn);
      db->free_.push_back(slot.get());
      db->all_.push_back(std::move(slot));
    }
  } catch (const std::exception& e) {
    return StatusFromException(e);
  }
  return db;
}

Database::Database(DatabaseOptions options)
    : options_(std::move(options)),
      reconnect_backoff_(
          std::make_unique<common::Backoff>(absl::Milliseconds(100), absl::Seconds(5))) {}

int Database::ReconnectAttemptsForTest() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reconnect_attempts_;
}
Database::~Database() = default;

Database::PoolFigures Database::Figures() const {
  std::lock_guard<std::mutex> lock(mu_);
  PoolFigures f;
  f.size = static_cast<int>(all_.size());
  f.in_use = f.size - static_cast<int>(free_.size());
  f.waiting = waiting_;
  f.acquire_timeouts = acquire_timeouts_;
  return f;
}

absl::StatusOr<Database::Slot*> Database::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  if (!free_.empty()) {
    // The common case: no wait, and no clock read.
    acquire_wait_.Observe(0.0);
  } else {
    const auto start = std::chrono::steady_clock::now();
    ++waiting_;
    const bool got =
        cv_.wait_for(lock, options_.acquire_timeout, [this] { return !free_.empty(); });
    --waiting_;
    acquire_wait_.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (!got) {
      ++acquire_timeouts_;
      return absl::UnavailableError("database busy: no free connection");
    }
  }
  Slot* s = free_.back();
  free_.pop_back();
  return s;
}

void Database::Release(Slot* slot) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(slot);
  }
  cv_.notify_one();
}

absl::Status Database::Reconnect(Slot* slot) {
  slot->conn.reset();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (std::chrono::steady_clock::now() < next_reconnect_) {
      return absl::UnavailableError("database unavailable (reconnecting)");
    }
    ++reconnect_attempts_;
  }
  try {
    slot->conn = Connect(options_.dsn);
    std::lock_guard<std::mutex> lock(mu_);
    reconnect_backoff_->Reset();
    return absl::OkStatus();
  } catch (const std::exception& e) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      next_reconnect_ = std::chrono::steady_clock::now() +
                        absl::ToChronoMilliseconds(reconnect_backoff_->NextDelay());
    }
    absl::Status s = StatusFromException(e);
    return absl::UnavailableError(s.message());
  }
}

absl::Status Database::InTransaction(const std::function<absl::Status(Tx&)>& fn,
                                     Isolation isolation) {
  absl::StatusOr<Slot*> slot = Acquire();
  if (!slot.ok()) return slot.status();
  struct Returner {
    Database* db;
    Slot* s;
    ~Returner() { db->Release(s); }
  } returner{this, *slot};

  constexpr int kAttempts = 3;
  absl::Status last;
  bool replace = false;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    if (replace || !(*slot)->conn || !(*slot)->conn->is_open()) {
      replace = false;
      absl::Status rs = Reconnect(*slot);
      if (!rs.ok()) return rs;
    }
    try {
      pqxx::work work(*(*slot)->conn);
      if (isolation == Isolation::kSerializable) {
        work.exec("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");
      } else if (isolation == Isolation::kRepeatableRead) {
        work.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
      }
      Tx tx(work);
      absl::Status s = fn(tx);
      // Figures marked by a write that no call frame refreshed (a write outside RunCall):
      // kept here, so no write path can leave them behind (store/metric_repository.h).
      if (s.ok() && !tx.figure_marks().empty()) s = metric_repo::RefreshMarked(tx);
      if (!s.ok()) {
        if (NeedsNewConnection(s)) {
          // A repository met a connection that cannot serve (a standby after failover,
          // an administrator's shutdown): nothing was committed; try a new connection,
          // once `work` (which refers to the old one) is gone.
          replace = true;
          last = absl::UnavailableError(s.message());
          continue;
        }
        work.abort();
        // A repository that caught a serialization failure reports kRetryMessage.
        if (absl::IsAborted(s) && s.message() == kRetryMessage) {
          last = s;
          continue;
        }
        return s;
      }
      work.commit();
      return absl::OkStatus();
    } catch (const pqxx::in_doubt_error& e) {
      return StatusFromException(e);
    } catch (const pqxx::broken_connection& e) {
      (*slot)->conn.reset();
      last = StatusFromException(e);
    } catch (const pqxx::transaction_rollback& e) {
      last = StatusFromException(e);  // serialization failure or deadlock: retry
    } catch (const std::exception& e) {
      absl::Status s = StatusFromException(e);
      if (!NeedsNewConnection(s)) return s;
      (*slot)->conn.reset();
      last = absl::UnavailableError(s.message());
    }
  }
  return last;
}

absl::Status Database::Ping() {
  return InTransaction([](Tx& tx) {
    tx.w().exec("SELECT 1");
    return absl::OkStatus();
  });
}

}  // namespace smd::store
