#pragma once
// The audit trail (schema 0001 audit_*; design in docs/adr/0003-audit-chain.md).
//
// Append: a use case writes its record inside its own transaction, so the record commits
// exactly when the access does, and a failed audit write fails the call.
// Seal: a background step chains committed rows in (tx, id) order with SHA-256 and signs
// checkpoints with Ed25519. It only seals rows of transactions older than the oldest one
// still running, so a late commit can never land "before" a sealed row, and RPCs never
// wait on the chain.
// Verify: recomputes every link and checks every checkpoint signature.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crypto/signer.h"

namespace smd::store {

class Tx;

struct AuditEntry {
  int64_t id = 0;  // assigned on insert
  absl::Time at;
  std::string user_id;  // empty when the caller is unknown (failed sign-in)
  std::string username;
  int role = 0;
  std::string jurisdiction;
  std::string method;
  std::vector<std::string> patient_ids;
  std::string outcome;  // "OK" or a status code name
  std::string peer;
  std::string request_id;
  std::string detail;   // never patient data
  int64_t chain_position = 0;  // 0 until sealed (read side only)
};

absl::Status AppendAudit(Tx& tx, const AuditEntry& entry);

struct AuditFilter {
  std::string patient_id;
  std::string user_id;
  std::optional<absl::Time> from;
  std::optional<absl::Time> to;
  // Actor's jurisdiction starts with this; records without an actor (failed sign-ins,
  // calls without a valid token) are always included.
  std::string actor_scope;
  int64_t before_id = 0;    // keyset: rows with id < before_id (0 = from the newest)
  int limit = 50;
};
// Newest first.
absl::StatusOr<std::vector<AuditEntry>> ListAudit(Tx& tx, const AuditFilter& filter);

struct SealResult {
  int sealed = 0;
  bool checkpointed = false;
};
// Seals up to `max_rows` pending rows and writes a signed checkpoint when at least
// `checkpoint_every` rows or `checkpoint_interval` have passed since the last one (and
// always when it sealed anything and nothing is left pending). Takes a transaction-level
// advisory lock, so concurrent sealers in several processes skip instead of racing.
absl::StatusOr<SealResult> SealPending(Tx& tx, const crypto::Signer& signer, absl::Time now,
                                       int max_rows);

struct ChainReport {
  bool intact = true;
  int64_t records_checked = 0;
  int64_t checkpoints_checked = 0;
  int64_t unsealed = 0;
  int64_t first_break_position = 0;
  int64_t first_break_audit_id = 0;
  std::string problem;
};
// Verifies the whole chain against `public_key` (the server's checkpoint key).
absl::StatusOr<ChainReport> VerifyChain(Tx& tx, const std::string& public_key);

// The canonical byte string of one row that the chain hashes (exposed for tests):
// every field length-prefixed, times as Unix microseconds.
std::string CanonicalAuditRow(const AuditEntry& e, const std::string& tx_id);

}  // namespace smd::store
