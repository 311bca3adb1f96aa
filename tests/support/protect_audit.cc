#include "support/protect_audit.h"

#include <pqxx/pqxx>

#include <fstream>
#include <iterator>

#include "absl/strings/str_cat.h"

namespace smd::testing {

absl::Status RunProtectAuditSql(const std::string& super_dsn) {
  const std::string path = std::string(SMD_SOURCE_DIR) + "/deploy/postgres/protect-audit.sql";
  std::ifstream in(path);
  if (!in) return absl::InternalError("cannot read " + path);
  const std::string sql((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  try {
    pqxx::connection c(super_dsn);
    pqxx::nontransaction n(c);
    n.exec(sql);  // one simple query: the script's BEGIN ... COMMIT holds
  } catch (const std::exception& e) {
    // Test and bench databases hold synthetic data only; the message helps the reader.
    return absl::InternalError(absl::StrCat("deploy/postgres/protect-audit.sql: ", e.what()));
  }
  return absl::OkStatus();
}

}  // namespace smd::testing
