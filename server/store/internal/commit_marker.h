#pragma once
// Private to store/: telling whether a COMMIT cut off by a failover committed (schema 0027
// commit_marker; docs/adr/0013-ha-pg-auto-failover.md "Commits cut off by a failover").
//
// With a failover wait, Database::Run marks every transaction that wrote, just before its
// COMMIT: one row holding a random token. When the COMMIT is cut off, it asks the database
// a fresh connection reaches (the new primary, or the same one after a broken link) with
// AskCommitOutcome. The token decides, not the transaction id: a transaction whose WAL
// never reached the standby leaves its id unused on the promoted node, which gives the same
// id to its next transaction, and pg_xact_status would then report that transaction's
// commit as ours.

#include <optional>
#include <pqxx/pqxx>
#include <string>

namespace smd::store::commit_marker {

// The token and transaction id of the mark, or nullopt when the transaction has no
// transaction id (it wrote nothing: nothing to lose). Throws what pqxx throws.
struct Mark {
  std::string token;  // a uuid
  std::string xid;    // xid8, as text
};
std::optional<Mark> MarkBeforeCommit(pqxx::work& work);

enum class Outcome {
  kCommitted,     // the mark is there: the transaction committed
  kNotCommitted,  // this database has the transaction ended, or never saw it, without it
  kUndecided,     // the transaction is still running here (a commit waiting for the
                  // standby): ask again later
};
// One statement on `c`, outside any transaction. Throws what pqxx throws.
Outcome AskCommitOutcome(pqxx::connection_base& c, const Mark& mark);

}  // namespace smd::store::commit_marker
