#pragma once
// deploy/postgres/protect-audit.sql as production runs it after `smd-server migrate` (the
// audit trail handed to the role smd_audit), for the integration tests and the benches, so
// that both run under the production ownership. No gtest here.

#include <string>

#include "absl/status/status.h"

namespace smd::testing {

// Runs the script from the source tree (SMD_SOURCE_DIR) on `super_dsn`, a superuser's
// connection to a migrated database, as psql -f would: the script's own statements,
// transaction and lock timeout included. INTERNAL naming the cause when the file cannot be
// read or the script fails.
absl::Status RunProtectAuditSql(const std::string& super_dsn);

}  // namespace smd::testing
