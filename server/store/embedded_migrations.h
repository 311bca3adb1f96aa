#pragma once
// The SQL migrations of schema/migrations, compiled into the binary (schema/CMakeLists.txt).

#include <string>
#include <vector>

namespace smd::store {

struct EmbeddedMigration {
  std::string name;  // file name, e.g. "0001_init.sql"; the number before '_' is the version
  std::string sql;
};

// All migrations in file-name order. Thread-safe.
const std::vector<EmbeddedMigration>& EmbeddedMigrations();

}  // namespace smd::store
