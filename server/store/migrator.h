#pragma once
// Applies the embedded schema migrations (schema/migrations/NNNN_name.sql) in order.

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace smd::store {

struct MigrationReport {
  int applied = 0;         // migrations applied by this call
  int already = 0;         // migrations found applied before
  int latest_version = 0;  // highest version now applied
};

// Connects with `dsn` (the schema owner role) and applies every migration not yet
// recorded in schema_migrations, each in its own transaction together with its record.
// Safe to run twice and from several processes at once: a session advisory lock
// serialises runners, and applied migrations are skipped. FAILED_PRECONDITION if an
// applied migration's checksum differs from the embedded one (a released migration was
// edited), or if the database has versions this binary does not know.
absl::StatusOr<MigrationReport> Migrate(const std::string& dsn);

// For `serve`: OK if every embedded migration is applied (checksums match);
// FAILED_PRECONDITION naming the first pending version otherwise.
absl::Status CheckSchemaCurrent(const std::string& dsn);

}  // namespace smd::store
