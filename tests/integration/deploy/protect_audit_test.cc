// deploy/postgres/protect-audit.sql on a live database (issue 11 review): it runs as one
// transaction, changes only what smd_audit does not own yet (a re-run takes no table lock,
// so it never queues behind running calls, nor makes calls queue behind it), gives up after
// 5 s waiting for a lock with nothing changed; and the server's check names every audit
// object (table, function, schema) that smd_audit does not own.

#include <pqxx/pqxx>

#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/audit_repository.h"
#include "store/db.h"
#include "support/protect_audit.h"
#include "support/test_env.h"

namespace smd::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class ProtectAuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A clone of the template, which the script has protected already.
    db_ = std::make_unique<TestDatabase>("it_protect_audit");
    store::DatabaseOptions o;
    o.dsn = db_->AppDsn();
    o.pool_size = 1;
    auto pool = store::Database::Open(o);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = std::move(*pool);
  }
  void TearDown() override {
    pool_.reset();
    db_.reset();
  }

  // What the server's start-up check reports.
  std::vector<std::string> NotOwnedByAuditRole() {
    std::vector<std::string> out;
    absl::Status s = pool_->InTransaction([&](store::Tx& tx) -> absl::Status {
      auto names = store::AuditObjectsNotOwnedByAuditRole(tx);
      if (!names.ok()) return names.status();
      out = std::move(*names);
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return out;
  }

  std::string Owner(const std::string& regproc) {
    return db_->QueryValue("SELECT proowner::regrole::text FROM pg_proc WHERE oid = '" + regproc +
                           "'::regprocedure");
  }

  // The script with a connection-level lock timeout as a backstop, so that a script that
  // waits for a lock fails the test instead of hanging it.
  std::string SuperDsnWithBackstop() {
    return db_->SuperDsn() + " options='-c lock_timeout=20s'";
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<store::Database> pool_;
};

TEST_F(ProtectAuditTest, ReRunningItOnALiveDatabaseTakesNoTableLock) {
  EXPECT_THAT(NotOwnedByAuditRole(), IsEmpty());
  // A running call holds a lock on the audit table (as every audited call does).
  pqxx::connection call(db_->SuperDsn());
  pqxx::work running(call);
  running.exec("LOCK TABLE audit_log IN ROW EXCLUSIVE MODE");
  const absl::Time t0 = absl::Now();
  absl::Status s = RunProtectAuditSql(SuperDsnWithBackstop());
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_LT(absl::Now() - t0, absl::Seconds(4));
  running.commit();
  EXPECT_THAT(NotOwnedByAuditRole(), IsEmpty());
}

TEST_F(ProtectAuditTest, ItGivesUpOnABusyTableWithNothingChanged) {
  // A migration created or replaced audit objects since the script ran: owned by smd_owner.
  db_->ExecSuper(
      "ALTER FUNCTION smd_audit_seal(integer) OWNER TO smd_owner; "
      "ALTER TABLE audit_checkpoint OWNER TO smd_owner");
  EXPECT_THAT(NotOwnedByAuditRole(),
              ElementsAre("function smd_audit_seal(integer)", "table audit_checkpoint"));
  {
    // A long call on the table keeps its lock: the script waits 5 s at most, then fails as a
    // whole (the function, handed over before the table, is not handed over either).
    pqxx::connection call(db_->SuperDsn());
    pqxx::work running(call);
    running.exec("LOCK TABLE audit_checkpoint IN ACCESS SHARE MODE");
    const absl::Time t0 = absl::Now();
    absl::Status s = RunProtectAuditSql(SuperDsnWithBackstop());
    EXPECT_FALSE(s.ok());
    EXPECT_THAT(std::string(s.message()), HasSubstr("lock timeout"));
    EXPECT_LT(absl::Now() - t0, absl::Seconds(15));
    EXPECT_EQ(Owner("smd_audit_seal(integer)"), "smd_owner");
    running.commit();
  }
  // Run again once the table is free: everything handed over.
  absl::Status s = RunProtectAuditSql(SuperDsnWithBackstop());
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_THAT(NotOwnedByAuditRole(), IsEmpty());
  EXPECT_EQ(Owner("smd_audit_seal(integer)"), "smd_audit");
}

TEST_F(ProtectAuditTest, TheServersCheckNamesTheSchemaToo) {
  db_->ExecSuper("ALTER SCHEMA public OWNER TO smd_owner");
  EXPECT_THAT(NotOwnedByAuditRole(), ElementsAre("schema public"));
  ASSERT_TRUE(RunProtectAuditSql(SuperDsnWithBackstop()).ok());
  EXPECT_THAT(NotOwnedByAuditRole(), IsEmpty());
  // smd_owner can still create its own tables in public (migrations).
  pqxx::connection owner(db_->OwnerDsn());
  pqxx::work w(owner);
  w.exec("CREATE TABLE owner_table_probe (x int)");
  w.abort();
}

}  // namespace
}  // namespace smd::testing
