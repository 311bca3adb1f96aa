#include "store/internal/commit_marker.h"

#include <vector>

#include "store/statements.h"

namespace smd::store {

std::vector<Statement> CommitMarkerStatements() {
  return {
      // Only a transaction with an id gets a row: the WHERE is a one-time filter evaluated
      // before the insert, which would otherwise assign an id to a read-only transaction.
      {"commit.mark",
       "INSERT INTO commit_marker (token) SELECT gen_random_uuid() "
       "WHERE pg_current_xact_id_if_assigned() IS NOT NULL "
       "RETURNING token::text, pg_current_xact_id()::text"},
      // First the transaction's state on this database, then (a statement later: a newer
      // snapshot) its row. pg_xact_status raises 22023 "in the future" for an id this
      // database never assigned (a promoted standby that never received it).
      {"commit.status", "SELECT pg_xact_status($1::xid8)"},
      // "ended" (pg_visible_in_snapshot: finished before this snapshot, committed or not)
      // with no row means it did not commit here. Not ended although pg_xact_status said it
      // had: it is between its commit record and leaving the process array; ask again.
      {"commit.outcome",
       "SELECT EXISTS (SELECT 1 FROM commit_marker WHERE token = $1::uuid), "
       "pg_visible_in_snapshot($2::xid8, pg_current_snapshot())"},
      // Housekeeping (Database::PurgeCommitMarks): a mark is needed for seconds.
      {"commit.purge",
       "DELETE FROM commit_marker WHERE token IN (SELECT token FROM commit_marker "
       "WHERE written_at < now() - interval '1 hour' ORDER BY written_at LIMIT $1)"},
  };
}

namespace commit_marker {

std::optional<Mark> MarkBeforeCommit(pqxx::work& work) {
  const pqxx::result r = work.exec_prepared("commit.mark");
  if (r.empty()) return std::nullopt;
  return Mark{r[0][0].as<std::string>(), r[0][1].as<std::string>()};
}

Outcome AskCommitOutcome(pqxx::connection_base& c, const Mark& mark) {
  pqxx::nontransaction n(c);
  try {
    const pqxx::row st = n.exec_prepared1("commit.status", mark.xid);
    // Running here: a commit waiting for the standby (the same primary after a broken
    // link), or another transaction under the same id on a promoted node. Either ends.
    if (!st[0].is_null() && st[0].as<std::string>() == "in progress") return Outcome::kUndecided;
  } catch (const pqxx::sql_error& e) {
    if (e.sqlstate() == "22023") return Outcome::kNotCommitted;  // never assigned here
    throw;
  }
  const pqxx::row r = n.exec_prepared1("commit.outcome", mark.token, mark.xid);
  if (r[0].as<bool>()) return Outcome::kCommitted;
  return r[1].as<bool>() ? Outcome::kNotCommitted : Outcome::kUndecided;
}

}  // namespace commit_marker
}  // namespace smd::store
