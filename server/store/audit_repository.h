#pragma once
// The audit trail (schema 0001 audit_*; design in docs/adr/0003-audit-chain.md).
//
// Append: a use case writes its record inside its own transaction, so the record commits
// exactly when the access does, and a failed audit write fails the call.
// Seal: a background step chains committed rows in (tx, id) order with SHA-256 (in the
// database, smd_audit_seal) and signs checkpoints with Ed25519. It only seals rows of
// transactions older than the oldest one still running, so a late commit can never land
// "before" a sealed row, and RPCs never wait on the chain.
// Verify: recomputes every link here, independently of the database's code, and compares
// the checkpoints with the newest signature and with the external anchor.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crypto/audit_chain.h"
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
// AppendAudit for many entries in one statement, in their order (ids ascending), e.g. one
// row per stream of a batched alert fetch (issue 17). Entries' `id` is not filled.
absl::Status AppendAudits(Tx& tx, const std::vector<AuditEntry>& entries);

struct AuditFilter {
  std::string patient_id;
  std::string user_id;
  std::optional<absl::Time> from;
  std::optional<absl::Time> to;
  std::string method;   // exact; "" = any
  std::string username;  // exact; "" = any
  // "" = any; "NOT_OK" (domain::kAuditOutcomeNotOk) = every outcome but "OK"; else exact.
  std::string outcome;
  // Actor's jurisdiction starts with this; records without an actor (failed sign-ins,
  // calls without a valid token) are always included.
  std::string actor_scope;
  int64_t before_id = 0;    // keyset: rows with id < before_id (0 = from the newest)
  int limit = 50;
};
// Newest first (by id), one named statement (audit.list). Each filter left empty drops out
// of the plan: the statement runs with custom plans only (plan_cache_mode, local to the
// statement's transaction and put back after it), so the planner picks the index of the
// filters actually given: audit_log_user, audit_log_patients, audit_log_at, and from schema
// 0016 audit_log_method (method, id), audit_log_username (username, id) and
// audit_log_not_ok (id) WHERE outcome <> 'OK'.
absl::StatusOr<std::vector<AuditEntry>> ListAudit(Tx& tx, const AuditFilter& filter);

struct SealResult {
  int sealed = 0;
  // Another pass held the seal lock: this one sealed and signed nothing.
  bool locked_out = false;
  bool signed_checkpoint = false;  // this pass signed and stored `newest`
  // The newest checkpoint in the database after this pass, whoever wrote it (its signature
  // is not checked here). Read only when `want_newest` (or signed by this pass).
  std::optional<crypto::Checkpoint> newest;
};
// One sealing pass: takes the transaction-level advisory lock 'smd_seal' (a pass that does
// not get it seals nothing, so sealers in several processes skip instead of racing), seals up
// to `max_rows` committed rows through the definer function smd_audit_seal (schema 0012),
// and signs and stores a checkpoint when at least 1000 rows or 5 s have passed since the last
// one (or when `force_checkpoint` and rows were sealed since it). `want_newest`: the caller
// anchors checkpoints (it has an anchor file) and needs the newest one also when this pass
// signed none; without it a pass that does not get the lock runs no further query. The
// caller appends the checkpoint to the anchor file only after this transaction commits.
absl::StatusOr<SealResult> SealPending(Tx& tx, const crypto::Signer& signer, absl::Time now,
                                       int max_rows, bool force_checkpoint, bool want_newest);

// The database server's clock (clock_timestamp()), which the audit time guard of schema 0012
// compares every audit row's `at` with. Errors: database errors only.
absl::StatusOr<absl::Time> DatabaseClock(Tx& tx);

// The audit objects that deploy/postgres/protect-audit.sql gives to the role smd_audit but
// that it does not own (yet): every audit_% table, every smd_audit_% function and the schema
// public, named as PostgreSQL prints them ("table audit_log", "function
// smd_audit_seal(integer)", "schema public"; with the schema only when public is not on the
// search path), sorted. Whoever owns one of them (e.g. the migration role, until the
// script has run, or after a migration created a new one) can disable the audit triggers,
// drop the tables or replace the functions. Errors: database errors only.
absl::StatusOr<std::vector<std::string>> AuditObjectsNotOwnedByAuditRole(Tx& tx);

using ChainReport = crypto::ChainReport;

// Verifies the whole chain (crypto::ChainVerifier) against `public_key`, the server's
// checkpoint key, and against `anchors`, the external anchor's checkpoints (nullopt: none).
// Read the anchor BEFORE calling: a checkpoint anchored after this transaction's snapshot
// would otherwise look like one removed from the database. Streams the chain in one COPY
// (memory does not grow with the chain). Errors: database errors only; a broken chain is a
// report with intact = false.
// `public_keys`: every trusted audit key (crypto::Signer::TrustedPublicKeys).
absl::StatusOr<ChainReport> VerifyChain(Tx& tx, const std::vector<std::string>& public_keys,
                                        std::optional<std::vector<crypto::Checkpoint>> anchors);
inline absl::StatusOr<ChainReport> VerifyChain(
    Tx& tx, const std::string& public_key,
    std::optional<std::vector<crypto::Checkpoint>> anchors) {
  return VerifyChain(tx, std::vector<std::string>{public_key}, std::move(anchors));
}

// Tests only: the window within which verification puts id-ordered rows back in chain
// order before it falls back to reading them in chain order (0: the default, 100000).
void SetVerifyReorderWindowForTest(int64_t positions);

}  // namespace smd::store
