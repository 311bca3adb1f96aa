// Migrations: applied once, in order, recorded; safe to run twice and from two
// processes at once (ADR 0005).

#include <pqxx/pqxx>

#include <string>
#include <thread>

#include "gmock/gmock.h"
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

// The catalogue a migration run leaves: columns (with order, type, collation, default),
// indexes, triggers, policies and functions of the public schema, one line each, sorted.
std::string SchemaFingerprint(const TestDatabase& db) {
  return db.QueryValue(R"sql(
    SELECT string_agg(x, E'\n' ORDER BY x) FROM (
      SELECT format('column %s.%s #%s %s %s %s %s', table_name, column_name, ordinal_position,
                    data_type, collation_name, is_nullable, column_default) AS x
        FROM information_schema.columns WHERE table_schema = 'public'
      UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
      UNION ALL SELECT 'trigger ' || pg_get_triggerdef(t.oid) FROM pg_trigger t
        JOIN pg_class c ON c.oid = t.tgrelid
        WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal
      UNION ALL SELECT format('policy %s.%s %s %s', tablename, policyname, qual, with_check)
        FROM pg_policies WHERE schemaname = 'public'
      UNION ALL SELECT format('function %s %s %s', p.oid::regprocedure, p.prosecdef,
                              md5(p.prosrc))
        FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
      UNION ALL SELECT format('rls %s %s', relname, relrowsecurity) FROM pg_class
        WHERE relnamespace = 'public'::regnamespace AND relkind = 'r') s)sql");
}

// A migration numbered below the latest applied one (0021, written after 0024..0026) is
// applied to an existing database after them, and gives the same schema as a new database,
// which applies it in number order; the rows already there get the copied codes.
TEST(Migrator, ALowerNumberedMigrationAppliesToAnExistingDatabaseAsToANewOne) {
  constexpr int kLate = 21;
  TestDatabase fresh("it_migrator_fresh");  // the template: every migration in number order
  TestDatabase db("it_migrator_late");
  db.ExecSuper("DROP SCHEMA public CASCADE; CREATE SCHEMA public AUTHORIZATION smd_owner;");
  // As a database migrated before 0021 existed: every other migration, in order, recorded
  // as the migrator records them.
  {
    pqxx::connection c(db.OwnerDsn());
    {
      pqxx::work w(c);
      w.exec("CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, "
             "checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
      w.commit();
    }
    for (const auto& m : store::EmbeddedMigrations()) {
      const int version = std::atoi(m.name.c_str());
      if (version == kLate) continue;
      pqxx::work w(c);
      w.exec(m.sql);
      w.exec_params("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, "
                    "encode(sha256(convert_to($3, 'UTF8')), 'hex'))",
                    version, m.name, m.sql);
      w.commit();
    }
  }
  ASSERT_EQ(db.QueryValue("SELECT count(*) FROM schema_migrations WHERE version = 21"), "0");
  // A patient with a kept state, as such a database holds.
  db.ExecSuper(
      "INSERT INTO region (code, name, level, parent_code, updated_at) VALUES "
      "('320106', '迁移测试区', 1, NULL, now()), ('320106001', '迁移测试街道', 2, '320106', now()), "
      "('320106001001', '迁移测试社区', 3, '320106001', now());"
      "INSERT INTO app_user (id, username, display_name, password_hash, role, jurisdiction, "
      "created_at, updated_at) VALUES ('00000000-0000-4000-8000-000000000001', 'migrator', "
      "'迁移', 'x', 1, '320106', now(), now());"
      "INSERT INTO patient (id, id_number_enc, id_number_index, name_enc, name_index, phone_enc, "
      "address_enc, guardian_name_enc, guardian_address_enc, guardian_phone_enc, "
      "guardian_relationship, sex, birth_date, jurisdiction, consent, diagnosis, icd10, "
      "transfer_to, registered_at, registered_by, updated_at) VALUES "
      "('00000000-0000-4000-8000-0000000000aa', '\\x01', '\\x02', '\\x03', '\\x04', "
      "'\\x05', '\\x06', '\\x07', '\\x08', '\\x09', '父亲', 1, '1970-01-01', "
      "'320106001001', true, 1, 'F20', '320107001001', now(), "
      "'00000000-0000-4000-8000-000000000001', now());"
      "INSERT INTO metric_state (patient_id, set_key, masks, communities) VALUES "
      "('00000000-0000-4000-8000-0000000000aa', 2026, '{1}', '{320106001001}')");

  absl::StatusOr<store::MigrationReport> r = store::Migrate(db.OwnerDsn());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->applied, 1);
  EXPECT_TRUE(store::CheckSchemaCurrent(db.AppDsn()).ok());
  EXPECT_EQ(db.QueryValue("SELECT patient_jurisdiction || '/' || patient_transfer_to FROM "
                          "metric_state"),
            "320106001001/320107001001");
  const std::string want = SchemaFingerprint(fresh);
  EXPECT_THAT(want, ::testing::HasSubstr("policy metric_state.metric_state_scope_by_column"));
  EXPECT_EQ(SchemaFingerprint(db), want);
}

}  // namespace
}  // namespace smd::testing
