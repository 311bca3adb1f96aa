#include "store/db.h"

#include <libpq-fe.h>

#include <pqxx/pqxx>

#include <algorithm>
#include <optional>
#include <thread>

#include "common/log.h"
#include "store/errors.h"
#include "store/internal/commit_marker.h"
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

absl::Status CheckConnectionString(const std::string& dsn) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &error);
  if (options == nullptr) {
    // libpq's message can quote the string, which may hold a password: not passed on.
    if (error != nullptr) PQfreemem(error);
    return absl::InvalidArgumentError(
        "--database-url: 无法解析的连接串 (not a valid libpq connection string or URI)");
  }
  std::string hosts, hostaddrs, attrs;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    const std::string k = o->keyword;
    if (k == "host") hosts = o->val;
    if (k == "hostaddr") hostaddrs = o->val;
    if (k == "target_session_attrs") attrs = o->val;
  }
  PQconninfoFree(options);
  const bool several = hosts.find(',') != std::string::npos ||
                       hostaddrs.find(',') != std::string::npos;
  if (several && attrs != "read-write" && attrs != "primary") {
    return absl::InvalidArgumentError(
        "--database-url: 多个主机时须指定 target_session_attrs=read-write (with several hosts "
        "the URL must say target_session_attrs=read-write: otherwise libpq may keep connecting "
        "to a standby after a failover, and every write fails; docs/operations.md \"High "
        "availability and failover\")");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Database>> Database::Open(const DatabaseOptions& options) {
  if (options.pool_size < 1) return absl::InvalidArgumentError("pool_size must be >= 1");
  if (absl::Status s = CheckConnectionString(options.dsn); !s.ok()) return s;
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
          std::make_unique<common::Backoff>(absl::Milliseconds(100), absl::Seconds(1))) {}

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
    const auto now = std::chrono::steady_clock::now();
    if (now < next_reconnect_) {
      return absl::UnavailableError("database unavailable (reconnecting)");
    }
    ++reconnect_attempts_;
    // After a failure, one attempt at a time probes the database (the others wait for its
    // outcome or the next step of the backoff): a pool of 16 waiting calls must not make
    // 16 connection attempts per step. connect_timeout bounds the attempt; this bounds the
    // claim should the attempt take longer.
    if (reconnect_backoff_->failures() > 0) next_reconnect_ = now + std::chrono::seconds(10);
  }
  try {
    slot->conn = Connect(options_.dsn);
    std::lock_guard<std::mutex> lock(mu_);
    reconnect_backoff_->Reset();
    next_reconnect_ = {};  // the database is back: everyone reconnects now
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

absl::Status Database::ReconnectUntil(Slot* slot,
                                      std::chrono::steady_clock::time_point give_up) {
  for (;;) {
    absl::Status s = Reconnect(slot);
    if (s.ok()) return s;
    auto now = std::chrono::steady_clock::now();
    if (now >= give_up) return s;
    // Until the next step of the backoff (or another call's reconnect succeeds: the gate
    // then opens at once, so look again soon), never past give_up.
    std::chrono::steady_clock::time_point next;
    {
      std::lock_guard<std::mutex> lock(mu_);
      next = std::min(next_reconnect_, now + std::chrono::milliseconds(50));
    }
    std::this_thread::sleep_until(std::min(std::max(next, now + std::chrono::milliseconds(5)),
                                           give_up));
  }
}

absl::Status Database::InTransaction(const std::function<absl::Status(Tx&)>& fn,
                                     Isolation isolation) {
  return Run(fn, isolation, options_.failover_wait);
}

absl::Status Database::Run(const std::function<absl::Status(Tx&)>& fn, Isolation isolation,
                           std::chrono::milliseconds wait) {
  const auto give_up = std::chrono::steady_clock::now() + wait;
  absl::StatusOr<Slot*> slot = Acquire();
  // During a failover the connections are held by calls waiting for the new primary: a
  // call that finds none free waits too, as long as its own wait lasts.
  while (!slot.ok() && std::chrono::steady_clock::now() < give_up) slot = Acquire();
  if (!slot.ok()) return slot.status();
  struct Returner {
    Database* db;
    Slot* s;
    ~Returner() { db->Release(s); }
  } returner{this, *slot};

  // Whether the transaction marked `mark` committed after all, asked of the database a
  // fresh connection reaches (the new primary after a failover: it has every commit the old
  // one acknowledged, and those it had received). UNAVAILABLE when that cannot be told
  // before give_up (the commit is still running there: waiting for a standby).
  const auto committed_after_all =
      [&](const commit_marker::Mark& mark) -> absl::StatusOr<bool> {
    for (;;) {
      // A new connection after the cut-off, and again only after one fails: an undecided
      // answer (the commit still running there) is asked again on the same connection.
      if (!(*slot)->conn || !(*slot)->conn->is_open()) {
        absl::Status rs = ReconnectUntil(*slot, give_up);
        if (!rs.ok()) return rs;
      }
      try {
        const commit_marker::Outcome o = commit_marker::AskCommitOutcome(*(*slot)->conn, mark);
        if (o != commit_marker::Outcome::kUndecided) {
          const bool committed = o == commit_marker::Outcome::kCommitted;
          common::LogWarning("database: a commit cut off by the primary's end %s",
                             committed ? "had committed" : "had not committed; retried");
          return committed;
        }
      } catch (const std::exception&) {
        (*slot)->conn.reset();
      }
      if (std::chrono::steady_clock::now() >= give_up) {
        return absl::UnavailableError("database commit in doubt");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  };

  constexpr int kAttempts = 3;
  absl::Status last;
  bool replace = false;
  int replaced = 0;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    if (replace || !(*slot)->conn || !(*slot)->conn->is_open()) {
      // A connection replaced while the wait lasts does not use up an attempt: during a
      // switchover a fresh connection can still land on the draining primary (25006).
      if (replace && std::chrono::steady_clock::now() < give_up) --attempt;
      // Fresh connections that cannot serve either (a database still read-only) engage the
      // backoff like a failed connect, so that waiting calls do not reconnect in a loop.
      if (replace && ++replaced >= kAttempts) {
        std::lock_guard<std::mutex> lock(mu_);
        next_reconnect_ = std::chrono::steady_clock::now() +
                          absl::ToChronoMilliseconds(reconnect_backoff_->NextDelay());
      }
      replace = false;
      absl::Status rs = ReconnectUntil(*slot, give_up);
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
      // With a failover wait (high availability), a transaction that wrote is marked
      // before the COMMIT (schema 0027), so that a COMMIT cut off by the primary's end (a
      // switchover stops it while the commit waits for the standby; a crash) is resolved
      // here instead of failing "in doubt".
      std::optional<commit_marker::Mark> mark;
      if (wait.count() > 0) mark = commit_marker::MarkBeforeCommit(work);
      try {
        work.commit();
      } catch (const pqxx::in_doubt_error& e) {
        if (wait.count() == 0) return StatusFromException(e);
        (*slot)->conn.reset();
        if (!mark) return absl::OkStatus();  // it wrote nothing: its reads stand
        absl::StatusOr<bool> committed = committed_after_all(*mark);
        if (!committed.ok()) return StatusFromException(e);  // still in doubt
        if (*committed) return absl::OkStatus();
        // It did not commit (the new primary never saw it): run it again.
        replace = true;
        last = absl::UnavailableError("database commit lost in a failover");
        if (std::chrono::steady_clock::now() < give_up) --attempt;
        continue;
      }
      return absl::OkStatus();
    } catch (const pqxx::in_doubt_error& e) {
      return StatusFromException(e);
    } catch (const pqxx::broken_connection& e) {
      (*slot)->conn.reset();
      replace = true;
      last = StatusFromException(e);
    } catch (const pqxx::transaction_rollback& e) {
      last = StatusFromException(e);  // serialization failure or deadlock: retry
    } catch (const std::exception& e) {
      absl::Status s = StatusFromException(e);
      if (!NeedsNewConnection(s)) return s;
      (*slot)->conn.reset();
      replace = true;
      last = absl::UnavailableError(s.message());
    }
  }
  return last;
}

absl::StatusOr<int> Database::PurgeCommitMarks() {
  // Small batches, each its own transaction: housekeeping never holds many row locks.
  constexpr int kBatch = 1000, kMaxBatches = 100;
  int total = 0;
  for (int i = 0; i < kMaxBatches; ++i) {
    int n = 0;
    absl::Status s = Run(
        [&](Tx& tx) {
          return Guard([&]() -> absl::Status {
            n = static_cast<int>(tx.w().exec_prepared("commit.purge", kBatch).affected_rows());
            return absl::OkStatus();
          });
        },
        Isolation::kReadCommitted, options_.failover_wait);
    if (!s.ok()) return s;
    total += n;
    if (n < kBatch) break;
  }
  return total;
}

absl::Status Database::Ping() {
  return Run(
      [](Tx& tx) {
        tx.w().exec("SELECT 1");
        return absl::OkStatus();
      },
      Isolation::kReadCommitted, std::chrono::milliseconds(0));
}

}  // namespace smd::store
