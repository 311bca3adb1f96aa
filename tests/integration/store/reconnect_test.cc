// The database connection after an outage, a failover or an administrator's shutdown
// (issue 11 item 3), against a real PostgreSQL: terminated connections (57P01) are
// replaced and the transaction retried; a connection that finds itself read-only (25006,
// a standby after failover) is replaced and the call reported UNAVAILABLE, never INTERNAL;
// while the database refuses connections, the pool and the alert listener back off (the
// probe counted 366 reconnect attempts in a 4 s outage) and recover on their own.

#include <pqxx/pqxx>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "store/db.h"
#include "store/internal/tx.h"
#include "store/listener.h"
#include "support/test_env.h"

namespace smd::testing {
namespace {

// Administration from another database (a database that refuses connections refuses the
// superuser's too).
void Admin(const std::string& sql) {
  pqxx::connection c(absl::StrCat("host=", std::getenv("SMD_TEST_PGHOST"), " user=",
                                  std::getenv("SMD_TEST_SUPERUSER"), " dbname=postgres"));
  pqxx::nontransaction n(c);
  n.exec(sql);
}

void TerminateAppConnections(const std::string& db) {
  Admin(absl::StrCat("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '",
                     db, "' AND usename = 'smd_app'"));
}

absl::Status Select1(store::Database& db) {
  return db.InTransaction([](store::Tx& tx) {
    tx.w().exec("SELECT 1");
    return absl::OkStatus();
  });
}

// A write the app role may do (nextval); refused with 25006 on a read-only connection.
absl::Status Write(store::Database& db) {
  return db.InTransaction([](store::Tx& tx) {
    tx.w().exec("SELECT nextval('alert_recipient_id_seq')");
    return absl::OkStatus();
  });
}

class ReconnectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::make_unique<TestDatabase>("it_reconnect");
    store::DatabaseOptions o;
    o.dsn = db_->AppDsn();
    o.pool_size = 2;
    auto pool = store::Database::Open(o);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = std::move(*pool);
  }
  void TearDown() override {
    // Whatever a test did, the database takes connections again.
    Admin(absl::StrCat("ALTER DATABASE ", db_->name(), " ALLOW_CONNECTIONS true"));
    Admin(absl::StrCat("ALTER DATABASE ", db_->name(), " RESET default_transaction_read_only"));
    pool_.reset();
    db_.reset();
  }
  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<store::Database> pool_;
};

TEST_F(ReconnectTest, TerminatedConnectionsAreReplacedAndTheCallSucceeds) {
  ASSERT_TRUE(Select1(*pool_).ok());
  for (int round = 0; round < 3; ++round) {
    TerminateAppConnections(db_->name());  // 57P01 admin_shutdown on the next use
    for (int i = 0; i < 4; ++i) {
      absl::Status s = Write(*pool_);
      EXPECT_TRUE(s.ok()) << "round " << round << " call " << i << ": " << s;
    }
  }
}

TEST_F(ReconnectTest, AReadOnlyConnectionIsReplacedAndTheWriteIsUnavailableNotInternal) {
  // What a client sees when its connection ends up on a standby after a failover.
  Admin(absl::StrCat("ALTER DATABASE ", db_->name(), " SET default_transaction_read_only = on"));
  TerminateAppConnections(db_->name());
  const int before = pool_->ReconnectAttemptsForTest();
  absl::Status s = Write(*pool_);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_GT(pool_->ReconnectAttemptsForTest(), before + 1)
      << "the read-only connection was replaced, not reused";
  EXPECT_TRUE(Select1(*pool_).ok()) << "reads still work";

  // The primary is back: the next write goes through on a fresh connection.
  Admin(absl::StrCat("ALTER DATABASE ", db_->name(), " RESET default_transaction_read_only"));
  TerminateAppConnections(db_->name());
  absl::Status ok;
  for (int i = 0; i < 60; ++i) {
    ok = Write(*pool_);
    if (ok.ok()) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_TRUE(ok.ok()) << ok;
}

TEST_F(ReconnectTest, DuringAnOutageThePoolBacksOffAndRecoversOnItsOwn) {
  Admin(absl::StrCat("ALTER DATABASE ", db_->name(), " ALLOW_CONNECTIONS false"));
  TerminateAppConnections(db_->name());
  const int before = pool_->ReconnectAttemptsForTest();
  int calls = 0;
  const absl::Time end = absl::Now() + absl::Seconds(4);
  while (absl::Now() < end) {
    absl::Status s = Select1(*pool_);
    ++calls;
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
    absl::SleepFor(absl::Milliseconds(20));
  }
  const int attempts = pool_->ReconnectAttemptsForTest() - before;
  std::cout << "pool: " << calls << " calls, " << attempts << " reconnect attempts in 4 s\n";
  EXPECT_LE(attempts, 12);
  EXPECT_GT(calls, 50);

  Admin(absl::StrCat("ALTER DATABASE ", db_->name(), " ALLOW_CONNECTIONS true"));
  absl::Status s;
  for (int i = 0; i < 120 && !(s = Select1(*pool_)).ok(); ++i) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_TRUE(s.ok()) << "recovered within the backoff's cap: " << s;
}

TEST_F(ReconnectTest, TheAlertListenerBacksOffAndReconnectsOnItsOwn) {
  auto opened = store::NotificationListener::Open(db_->AppDsn(), {"smd_test_wake"});
  ASSERT_TRUE(opened.ok()) << opened.status();
  store::NotificationListener& l = **opened;
  EXPECT_TRUE(l.Wait(absl::Milliseconds(50)).empty());

  Admin(absl::StrCat("ALTER DATABASE ", db_->name(), " ALLOW_CONNECTIONS false"));
  TerminateAppConnections(db_->name());
  int rescans = 0;
  int waits = 0;
  const absl::Time end = absl::Now() + absl::Seconds(4);
  while (absl::Now() < end) {
    for (const auto& n : l.Wait(absl::Milliseconds(250))) {
      if (n.channel.empty()) ++rescans;
    }
    ++waits;
  }
  std::cout << "listener: " << waits << " waits, " << l.ReconnectAttemptsForTest()
            << " reconnect attempts in 4 s\n";
  EXPECT_EQ(rescans, 1) << "told once that it may have missed notifications";
  EXPECT_LE(l.ReconnectAttemptsForTest(), 8);
  EXPECT_GE(waits, 10) << "each Wait still waits: no spinning";
  EXPECT_LE(waits, 40) << "a spinning loop makes thousands";

  Admin(absl::StrCat("ALTER DATABASE ", db_->name(), " ALLOW_CONNECTIONS true"));
  bool back = false;
  for (int i = 0; i < 80 && !back; ++i) {
    for (const auto& n : l.Wait(absl::Milliseconds(250))) back |= n.channel.empty();
  }
  ASSERT_TRUE(back) << "reconnected and asked for a re-scan";
  db_->ExecSuper("NOTIFY smd_test_wake, 'hello'");
  bool got = false;
  for (int i = 0; i < 20 && !got; ++i) {
    for (const auto& n : l.Wait(absl::Milliseconds(250))) got |= n.payload == "hello";
  }
  EXPECT_TRUE(got) << "listening again";
}


// High availability (docs/operations.md "High availability and failover"): with
// failover_wait, a call made while the database takes no connections (no primary during a
// failover or switchover) waits for it instead of failing, and succeeds once it is back.
class FailoverWaitTest : public ReconnectTest {
 protected:
  std::unique_ptr<store::Database> Pool(int size, std::chrono::milliseconds wait) {
    store::DatabaseOptions o;
    o.dsn = db_->AppDsn();
    o.pool_size = size;
    o.failover_wait = wait;
    auto pool = store::Database::Open(o);
    EXPECT_TRUE(pool.ok()) << pool.status();
    return pool.ok() ? std::move(*pool) : nullptr;
  }
  void Refuse() {
    Admin(absl::StrCat("ALTER DATABASE ", db_->name(), " ALLOW_CONNECTIONS false"));
    TerminateAppConnections(db_->name());
  }
  void Allow() { Admin(absl::StrCat("ALTER DATABASE ", db_->name(), " ALLOW_CONNECTIONS true")); }
};

TEST_F(FailoverWaitTest, AWriteDuringTheOutageWaitsAndSucceedsWhenTheDatabaseIsBack) {
  auto pool = Pool(2, std::chrono::milliseconds(8000));
  ASSERT_NE(pool, nullptr);
  ASSERT_TRUE(Write(*pool).ok());
  Refuse();
  std::thread back([this] {
    absl::SleepFor(absl::Milliseconds(1500));
    Allow();
  });
  const absl::Time t0 = absl::Now();
  absl::Status s = Write(*pool);
  const absl::Duration took = absl::Now() - t0;
  back.join();
  EXPECT_TRUE(s.ok()) << "waited for the database instead of failing: " << s;
  EXPECT_GE(took, absl::Milliseconds(1000)) << "it did wait";
  EXPECT_LT(took, absl::Seconds(7)) << "and went on within the backoff's cap of the return";
}

TEST_F(FailoverWaitTest, TheWaitIsBoundedAndPingNeverWaits) {
  auto pool = Pool(2, std::chrono::milliseconds(1500));
  ASSERT_NE(pool, nullptr);
  Refuse();
  absl::Time t0 = absl::Now();
  absl::Status s = Write(*pool);
  absl::Duration took = absl::Now() - t0;
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_GE(took, absl::Milliseconds(1400));
  EXPECT_LT(took, absl::Seconds(4));
  // The health probe must see the outage at once (NOT_SERVING), not after the wait.
  t0 = absl::Now();
  s = pool->Ping();
  took = absl::Now() - t0;
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_LT(took, absl::Milliseconds(1000));
}

TEST_F(FailoverWaitTest, WaitingCallsProbeTheDatabaseOneAtATime) {
  auto pool = Pool(8, std::chrono::milliseconds(3000));
  ASSERT_NE(pool, nullptr);
  Refuse();
  const int before = pool->ReconnectAttemptsForTest();
  std::vector<std::thread> callers;
  std::atomic<int> unavailable{0};
  for (int i = 0; i < 8; ++i) {
    callers.emplace_back([&] {
      if (absl::IsUnavailable(Select1(*pool))) ++unavailable;
    });
  }
  for (auto& t : callers) t.join();
  const int attempts = pool->ReconnectAttemptsForTest() - before;
  std::cout << "8 calls waiting 3 s: " << attempts << " reconnect attempts\n";
  EXPECT_EQ(unavailable.load(), 8);
  // 100 ms doubling to 1 s over 3 s is ~6 steps; 8 callers each trying at every step
  // would make ~50.
  EXPECT_LE(attempts, 16);
  Allow();
  absl::Status s;
  for (int i = 0; i < 40 && !(s = Select1(*pool)).ok(); ++i) absl::SleepFor(absl::Milliseconds(100));
  EXPECT_TRUE(s.ok()) << s;
}

TEST(ConnectionStringTest, SeveralHostsNeedTargetSessionAttrsReadWrite) {
  EXPECT_TRUE(store::CheckConnectionString("host=/run/postgresql dbname=smd").ok());
  EXPECT_TRUE(store::CheckConnectionString(
                  "postgresql://db1:5432,db2:5432/smd?target_session_attrs=read-write")
                  .ok());
  EXPECT_TRUE(store::CheckConnectionString("host=db1,db2 dbname=smd target_session_attrs=primary")
                  .ok());
  absl::Status s = store::CheckConnectionString("postgresql://db1,db2/smd?connect_timeout=2");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("target_session_attrs=read-write"), std::string::npos) << s;
  EXPECT_EQ(store::CheckConnectionString("host=db1,db2 target_session_attrs=any").code(),
            absl::StatusCode::kInvalidArgument);
  s = store::CheckConnectionString("host='unterminated password=secret");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message().find("secret"), std::string::npos) << "never echoes the string";
  store::DatabaseOptions o;
  o.dsn = "postgresql://127.0.0.1:1,127.0.0.1:2/smd";
  EXPECT_EQ(store::Database::Open(o).status().code(), absl::StatusCode::kInvalidArgument)
      << "refused before any connection is tried";
}

}  // namespace
}  // namespace smd::testing
