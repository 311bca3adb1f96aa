#include "store/migrator.h"

#include <pqxx/pqxx>

#include <cstdlib>
#include <map>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "store/embedded_migrations.h"
#include "store/errors.h"

namespace smd::store {
namespace {

// Arbitrary constant shared by every smd-server: the advisory lock of migrations.
constexpr long long kMigrationLockKey = 0x736d645f6d696772LL;  // "smd_migr"

constexpr char kCreateTable[] = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    integer PRIMARY KEY,
  name       text NOT NULL,
  checksum   text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
))sql";

int VersionOf(const std::string& name) { return std::atoi(name.c_str()); }

std::map<int, std::pair<std::string, std::string>> Applied(pqxx::connection& conn) {
  pqxx::nontransaction n(conn);
  std::map<int, std::pair<std::string, std::string>> out;
  pqxx::result r = n.exec(
      "SELECT version, name, checksum FROM schema_migrations ORDER BY version");
  for (const auto& row : r) {
    out[row[0].as<int>()] = {row[1].as<std::string>(), row[2].as<std::string>()};
  }
  return out;
}

std::string Checksum(pqxx::connection& conn, const std::string& sql) {
  pqxx::nontransaction n(conn);
  return n.exec_params1("SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex')", sql)[0]
      .as<std::string>();
}

absl::Status CheckKnown(pqxx::connection& conn,
                        const std::map<int, std::pair<std::string, std::string>>& applied) {
  std::map<int, const EmbeddedMigration*> embedded;
  for (const auto& m : EmbeddedMigrations()) embedded[VersionOf(m.name)] = &m;
  for (const auto& [version, rec] : applied) {
    auto it = embedded.find(version);
    if (it == embedded.end()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "database has migration ", version, " that this binary does not know; upgrade"));
    }
    if (Checksum(conn, it->second->sql) != rec.second) {
      return absl::FailedPreconditionError(
          absl::StrCat("migration ", rec.first, " was changed after it was applied"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<MigrationReport> Migrate(const std::string& dsn) {
  return Guard([&]() -> absl::StatusOr<MigrationReport> {
    pqxx::connection conn(dsn);
    {
      pqxx::nontransaction n(conn);
      n.exec_params("SELECT pg_advisory_lock($1)", kMigrationLockKey);
    }
    struct Unlock {
      pqxx::connection& c;
      ~Unlock() {
        try {
          pqxx::nontransaction n(c);
          n.exec_params("SELECT pg_advisory_unlock($1)", kMigrationLockKey);
        } catch (...) {
        }
      }
    } unlock{conn};
    {
      pqxx::work w(conn);
      w.exec(kCreateTable);
      w.commit();
    }
    auto applied = Applied(conn);
    if (absl::Status s = CheckKnown(conn, applied); !s.ok()) return s;

    MigrationReport report;
    for (const auto& m : EmbeddedMigrations()) {
      const int version = VersionOf(m.name);
      if (version <= 0) {
        return absl::InternalError(absl::StrCat("bad migration file name ", m.name));
      }
      if (applied.count(version)) {
        ++report.already;
        report.latest_version = version;
        continue;
      }
      const std::string sum = Checksum(conn, m.sql);
      pqxx::work w(conn);
      try {
        w.exec(m.sql);
      } catch (const pqxx::sql_error& e) {
        // Schema SQL carries no patient data: the server's message is safe and needed.
        return absl::FailedPreconditionError(
            absl::StrCat("migration ", m.name, " failed: ", e.what()));
      }
      w.exec_params("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    version, m.name, sum);
      // The runtime role reads the version at start-up (CheckSchemaCurrent).
      w.exec("GRANT SELECT ON schema_migrations TO smd_app");
      w.commit();
      common::LogInfo("applied migration %s", m.name);
      ++report.applied;
      report.latest_version = version;
    }
    return report;
  });
}

absl::Status CheckSchemaCurrent(const std::string& dsn) {
  return Guard([&]() -> absl::Status {
    pqxx::connection conn(dsn);
    {
      pqxx::nontransaction n(conn);
      if (n.exec("SELECT to_regclass('schema_migrations') IS NULL")[0][0].as<bool>()) {
        return absl::FailedPreconditionError(
            "database has no schema; run `smd-server migrate` first");
      }
    }
    auto applied = Applied(conn);
    if (absl::Status s = CheckKnown(conn, applied); !s.ok()) return s;
    for (const auto& m : EmbeddedMigrations()) {
      if (!applied.count(VersionOf(m.name))) {
        return absl::FailedPreconditionError(
            absl::StrCat("migration ", m.name, " is pending; run `smd-server migrate`"));
      }
    }
    return absl::OkStatus();
  });
}

}  // namespace smd::store
