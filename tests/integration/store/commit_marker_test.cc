// Telling whether a COMMIT cut off by a failover committed (schema 0027 commit_marker,
// store/internal/commit_marker.h; docs/adr/0013-ha-pg-auto-failover.md "Commits cut off by
// a failover"), against a real PostgreSQL.
//
// The ha_failover test once lost an acknowledged write this way: the server asked the
// promoted node pg_xact_status(id) of a transaction whose WAL had never reached it; that
// node had given the same id to another transaction, which had committed, and the server
// answered OK. The id alone cannot tell; the marker row can. A promoted node cannot be
// made here, but its situation can: an id another transaction used, an id never assigned,
// a commit still running (waiting for a standby).

#include "store/internal/commit_marker.h"

#include <atomic>
#include <cstdlib>
#include <pqxx/pqxx>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "store/db.h"
#include "store/internal/tx.h"
#include "store/statements.h"
#include "support/test_env.h"

namespace smd::testing {
namespace {

using store::commit_marker::AskCommitOutcome;
using store::commit_marker::Mark;
using store::commit_marker::MarkBeforeCommit;
using store::commit_marker::Outcome;

// Cluster settings from another database.
void Admin(const std::string& sql) {
  pqxx::connection c(absl::StrCat("host=", std::getenv("SMD_TEST_PGHOST"),
                                  " user=", std::getenv("SMD_TEST_SUPERUSER"), " dbname=postgres"));
  pqxx::nontransaction n(c);
  n.exec(sql);
}

// A connection as the server's role, with the named statements prepared.
std::unique_ptr<pqxx::connection> AppConnection(const TestDatabase& db) {
  auto c = std::make_unique<pqxx::connection>(db.AppDsn());
  for (const store::Statement& s : store::AllStatements()) c->prepare(s.name, s.sql);
  return c;
}

// A write the server's role may make: a row of its own in commit_marker.
void SomeWrite(pqxx::work& w) {
  w.exec("INSERT INTO commit_marker (token) VALUES (gen_random_uuid())");
}

class CommitMarkerTest : public ::testing::Test {
 protected:
  void SetUp() override { db_ = std::make_unique<TestDatabase>("it_commit_marker"); }
  void TearDown() override {
    // Whatever a test did, commits no longer wait for a standby.
    Admin("ALTER SYSTEM RESET synchronous_standby_names");
    Admin("SELECT pg_reload_conf()");
    db_.reset();
  }
  int64_t Marks() const {
    return std::stoll(db_->QueryValue("SELECT count(*) FROM commit_marker"));
  }
  // Commits of this database wait for a standby that never comes (the synchronous standby
  // of a pg_auto_failover pair, gone). The test cluster runs with synchronous_commit off.
  void CommitsWaitForAStandby() const {
    db_->ExecSuper(absl::StrCat("ALTER DATABASE ", db_->name(), " SET synchronous_commit = on"));
    Admin("ALTER SYSTEM SET synchronous_standby_names = 'nobody'");
    Admin("SELECT pg_reload_conf()");
  }
  // The backend of the server's role whose COMMIT waits for the standby, or 0.
  int SyncRepWaiter() const {
    const std::string pid = db_->QueryValue(
        absl::StrCat("SELECT pid FROM pg_stat_activity WHERE datname = '", db_->name(),
                     "' AND usename = 'smd_app' AND wait_event = 'SyncRep'"));
    return pid.empty() ? 0 : std::stoi(pid);
  }
  int WaitForSyncRepWaiter() const {
    for (int i = 0; i < 100; ++i) {
      if (int pid = SyncRepWaiter(); pid != 0) return pid;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return 0;
  }
  std::unique_ptr<TestDatabase> db_;
};

TEST_F(CommitMarkerTest, ATransactionThatCommittedIsCommitted) {
  auto c = AppConnection(*db_);
  pqxx::work w(*c);
  SomeWrite(w);
  const std::optional<Mark> mark = MarkBeforeCommit(w);
  ASSERT_TRUE(mark.has_value());
  w.commit();
  auto other = AppConnection(*db_);
  EXPECT_EQ(AskCommitOutcome(*other, *mark), Outcome::kCommitted);
}

TEST_F(CommitMarkerTest, ATransactionThatWroteNothingIsNotMarkedAndGetsNoId) {
  auto c = AppConnection(*db_);
  const int64_t before = Marks();
  pqxx::work w(*c);
  w.exec("SELECT count(*) FROM commit_marker");
  EXPECT_FALSE(MarkBeforeCommit(w).has_value());
  EXPECT_TRUE(w.exec1("SELECT pg_current_xact_id_if_assigned() IS NULL")[0].as<bool>())
      << "marking must not give a read-only transaction an id (a WAL record per read)";
  w.commit();
  EXPECT_EQ(Marks(), before);
}

TEST_F(CommitMarkerTest, ATransactionRolledBackDidNotCommit) {
  auto c = AppConnection(*db_);
  pqxx::work w(*c);
  SomeWrite(w);
  const std::optional<Mark> mark = MarkBeforeCommit(w);
  ASSERT_TRUE(mark.has_value());
  w.abort();
  auto other = AppConnection(*db_);
  EXPECT_EQ(AskCommitOutcome(*other, *mark), Outcome::kNotCommitted);
}

// The lost write: after a failover the promoted node gives the cut-off transaction's id to
// a transaction of its own, which commits. pg_xact_status says "committed"; it was not ours.
TEST_F(CommitMarkerTest, AnIdAnotherTransactionCommittedUnderIsNotTakenForOurs) {
  auto c = AppConnection(*db_);
  std::string xid;
  {
    pqxx::work w(*c);
    SomeWrite(w);
    xid = w.exec1("SELECT pg_current_xact_id()::text")[0].as<std::string>();
    w.commit();
  }
  const Mark ours{"00000000-0000-4000-8000-000000000001", xid};
  ASSERT_EQ(db_->QueryValue(absl::StrCat("SELECT pg_xact_status('", xid, "'::xid8)")), "committed")
      << "what the old check asked";
  EXPECT_EQ(AskCommitOutcome(*c, ours), Outcome::kNotCommitted);
}

// The promoted node never assigned the id (pg_xact_status raises "in the future").
TEST_F(CommitMarkerTest, AnIdThisDatabaseNeverAssignedDidNotCommitHere) {
  auto c = AppConnection(*db_);
  const std::string next = db_->QueryValue(
      "SELECT (pg_snapshot_xmax(pg_current_snapshot())::text::bigint + 1000)::text");
  EXPECT_EQ(AskCommitOutcome(*c, Mark{"00000000-0000-4000-8000-000000000002", next}),
            Outcome::kNotCommitted);
}

// The same node after a broken link: the transaction may still be committing there.
TEST_F(CommitMarkerTest, ACommitStillRunningIsUndecidedUntilItEnds) {
  CommitsWaitForAStandby();
  auto c = AppConnection(*db_);
  auto w = std::make_unique<pqxx::work>(*c);
  SomeWrite(*w);
  const std::optional<Mark> mark = MarkBeforeCommit(*w);
  ASSERT_TRUE(mark.has_value());
  auto other = AppConnection(*db_);
  EXPECT_EQ(AskCommitOutcome(*other, *mark), Outcome::kUndecided) << "not yet committing";

  std::atomic<bool> done{false};
  std::thread committer([&] {
    try {
      w->commit();
    } catch (const std::exception&) {
      // The connection is terminated below while the COMMIT waits.
    }
    done = true;
  });
  const int pid = WaitForSyncRepWaiter();
  ASSERT_NE(pid, 0) << "the COMMIT waits for the standby";
  // Its commit record is written; it waits, still running for every snapshot.
  EXPECT_EQ(AskCommitOutcome(*other, *mark), Outcome::kUndecided);
  // A switchover stops the primary: the waiting backend ends, its commit stands.
  db_->ExecSuper(absl::StrCat("SELECT pg_terminate_backend(", pid, ")"));
  committer.join();
  EXPECT_TRUE(done.load());
  Outcome o = Outcome::kUndecided;
  for (int i = 0; i < 50 && (o = AskCommitOutcome(*other, *mark)) == Outcome::kUndecided; ++i) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(o, Outcome::kCommitted);
}

// The whole path in Database::Run: a COMMIT cut off while it waits for the standby is
// resolved as committed, the call succeeds, and its body is not run a second time.
TEST_F(CommitMarkerTest, ACutOffCommitThatCommittedIsAcknowledgedOnceAndNotRunAgain) {
  CommitsWaitForAStandby();  // before the pool connects: a database's settings apply then
  store::DatabaseOptions o;
  o.dsn = db_->AppDsn();
  o.pool_size = 2;
  o.failover_wait = std::chrono::milliseconds(8000);
  auto pool = store::Database::Open(o);
  ASSERT_TRUE(pool.ok()) << pool.status();
  const int64_t before = Marks();
  std::atomic<int> runs{0};
  absl::Status result;
  std::thread call([&] {
    result = (*pool)->InTransaction([&](store::Tx& tx) {
      ++runs;
      SomeWrite(tx.w());
      return absl::OkStatus();
    });
  });
  const int pid = WaitForSyncRepWaiter();
  ASSERT_NE(pid, 0) << "the COMMIT waits for the standby";
  db_->ExecSuper(absl::StrCat("SELECT pg_terminate_backend(", pid, ")"));
  call.join();
  EXPECT_TRUE(result.ok()) << result;
  EXPECT_EQ(runs.load(), 1) << "a committed transaction is not run again";
  // The write and its marker, once each.
  EXPECT_EQ(Marks(), before + 2);
}

TEST_F(CommitMarkerTest, MarksOlderThanAnHourArePurged) {
  store::DatabaseOptions o;
  o.dsn = db_->AppDsn();
  o.pool_size = 1;
  auto pool = store::Database::Open(o);
  ASSERT_TRUE(pool.ok()) << pool.status();
  db_->ExecSuper(
      "INSERT INTO commit_marker (token, written_at) SELECT gen_random_uuid(), "
      "now() - interval '2 hours' FROM generate_series(1, 1500)");
  db_->ExecSuper("INSERT INTO commit_marker (token) VALUES (gen_random_uuid())");
  auto purged = (*pool)->PurgeCommitMarks();
  ASSERT_TRUE(purged.ok()) << purged.status();
  EXPECT_EQ(*purged, 1500) << "in batches, all of them";
  EXPECT_EQ(Marks(), 1) << "a recent mark stays";
}

}  // namespace
}  // namespace smd::testing
