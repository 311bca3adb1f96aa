// Migrations: applied once, in order, recorded; safe to run twice and from two
// processes at once (ADR 0005).

#include <pqxx/pqxx>

#include <thread>

#include "gtest/gtest.h"
#include "store/embedded_migrations.h"
#include "store/migrator.h"
#include "support/test_env.h"

namespace smd::testing {
namespace {

TEST(Migrator, ConcurrentRunnersApplyEachMigrationOnce) {
  TestDatabase db("it_migrator");
  // An empty database: the clone of the template is already migrated, so start over.
  db.ExecSuper("DROP SCHEMA public CASCADE; CREATE SCHEMA public AUTHORIZATION smd_owner;");
  absl::StatusOr<store::MigrationReport> a, b;
  std::thread t1([&] { a = store::Migrate(db.OwnerDsn()); });
  std::thread t2([&] { b = store::Migrate(db.OwnerDsn()); });
  t1.join();
  t2.join();
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  const int total = static_cast<int>(store::EmbeddedMigrations().size());
  EXPECT_EQ(a->applied + b->applied, total);
  EXPECT_EQ(db.QueryValue("SELECT count(*) FROM schema_migrations"), std::to_string(total));
  EXPECT_TRUE(store::CheckSchemaCurrent(db.AppDsn()).ok());
  auto again = store::Migrate(db.OwnerDsn());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->applied, 0);
}

TEST(Migrator, AnEditedMigrationIsRefused) {
  TestDatabase db("it_migrator_edit");
  db.ExecSuper("UPDATE schema_migrations SET checksum = 'x' WHERE version = 1");
  auto r = store::Migrate(db.OwnerDsn());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store::CheckSchemaCurrent(db.AppDsn()).code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace smd::testing
