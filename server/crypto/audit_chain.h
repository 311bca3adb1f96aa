#pragma once
// The audit hash chain's pure part (design: docs/adr/0003-audit-chain.md): the canonical
// bytes of one audit row, the chain link, the signed checkpoint, the line format of the
// external anchor file, and the walk that checks a chain read in position order. No I/O.
// store/audit_repository reads the rows; the database's sealer function
// (smd_audit_seal, schema 0012) computes the same links in SQL, and verification here
// recomputes them independently of any database code.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "crypto/signer.h"

namespace smd::crypto {

// The fields of one audit_log row that its chain link covers (every column).
struct AuditRow {
  int64_t id = 0;
  uint64_t tx = 0;        // the writing transaction's id (xid8)
  int64_t at_micros = 0;  // audit_log.at as Unix microseconds
  std::string user_id;    // canonical UUID text, "" when there is no actor
  std::string username;
  int role = 0;
  std::string jurisdiction;
  std::string method;
  std::string patient_ids;  // the UUIDs joined with ","; "" when none
  std::string outcome;
  std::string peer;
  std::string request_id;
  std::string detail;
};

inline constexpr size_t kChainHashSize = 32;

// The link before position 1: 32 zero bytes.
const std::string& GenesisHash();

// "smd-audit-v1;" then each field as "<decimal byte length>:<bytes>;" in the order id, tx,
// at, user id, user name, role, jurisdiction, method, patient ids, outcome, peer, request
// id, detail. The length prefixes make the encoding unambiguous whatever the fields hold.
std::string CanonicalAuditRow(const AuditRow& row);

// SHA-256(prev_hash || canonical): the stored hash of the row at the next position.
std::string ChainLink(std::string_view prev_hash, std::string_view canonical);

// A signed checkpoint: the chain's hash at `position`, and the sealer's watermark (every
// audit row with tx below it was sealed at or before `position`).
struct Checkpoint {
  int64_t position = 0;
  std::string hash;  // 32 bytes
  uint64_t watermark = 0;
  std::string signature;  // 64-byte Ed25519 signature of CheckpointMessage(...)
  bool operator==(const Checkpoint&) const = default;
};

// "smd-audit-checkpoint-v1;" + length-prefixed position, hash and watermark (decimal).
std::string CheckpointMessage(int64_t position, std::string_view hash, uint64_t watermark);

// Signs (position, hash, watermark) with the checkpoint key.
Checkpoint SignCheckpoint(const Signer& signer, int64_t position, std::string hash,
                          uint64_t watermark);

// True iff cp's signature is valid under the 32-byte raw Ed25519 `public_key`.
bool CheckpointSignatureValid(std::string_view public_key, const Checkpoint& cp);
// True iff cp's signature is valid under one of `public_keys` (Signer::TrustedPublicKeys:
// the current audit key and the earlier ones kept in the key file).
bool CheckpointSignatureValidUnderAny(const std::vector<std::string>& public_keys,
                                      const Checkpoint& cp);

// One line of the anchor file (no newline):
//   smd-audit-anchor-v1 <position> <hash, 64 hex> <watermark> <signature, 128 hex> <note>
// `note` is informational (e.g. when the line was written) and must not contain spaces
// or newlines; ParseAnchorLine ignores it.
std::string AnchorLine(const Checkpoint& cp, std::string_view note);
// INVALID_ARGUMENT naming what is wrong (never echoing the line).
absl::StatusOr<Checkpoint> ParseAnchorLine(std::string_view line);

// The outcome of a verification.
struct ChainReport {
  bool intact = true;
  int64_t records_checked = 0;
  int64_t checkpoints_checked = 0;
  int64_t unsealed = 0;
  int64_t first_break_position = 0;
  int64_t first_break_audit_id = 0;
  std::string problem;
  // The external anchor: whether one was compared, how many of its checkpoints were found
  // in the database unchanged, and its newest position (0 when empty or absent).
  bool anchored = false;
  int64_t anchored_checkpoints_checked = 0;
  int64_t newest_anchored_position = 0;
  int64_t newest_checkpoint_position = 0;  // the database's
};

// Checks a chain fed link by link in position order, then its checkpoints in position
// order. Reports one break, the one at the lowest chain position (a break found outside the
// chain, position 0, only when there is no other), with its audit id and a one-line
// problem, but keeps going, so the counts cover everything. Each link is checked against
// the stored hash before it, so one changed row is reported as exactly that row.
// Thread-compatible.
//
// What it checks:
//   * positions are contiguous from 1 and every chain position still has its audit row;
//   * (tx, id) strictly increases along the chain;
//   * every stored hash equals ChainLink(previous stored hash, CanonicalAuditRow(row));
//   * every checkpoint in the database has a chain link at its position with the same hash,
//     and the newest one carries a valid signature under `public_key` (through the hash
//     chain that one signature covers every row up to it; older checkpoints are compared
//     with the anchor rather than verifying thousands of signatures again);
//   * with an anchor: every anchored checkpoint is in the database unchanged (position,
//     hash, watermark and signature), none lies beyond the end of the chain, and the
//     newest anchored line carries a valid signature (a foreign or forged anchor file).
class ChainVerifier {
 public:
  // `newest`: the database's newest checkpoint as read before the walk (nullopt: none).
  // `anchors`: the anchor file's checkpoints, any order (nullopt: no anchor compared).
  // `public_keys`: every trusted audit public key (Signer::TrustedPublicKeys); a checkpoint
  // signed with any of them is valid, so verification works across an audit key rotation.
  ChainVerifier(std::vector<std::string> public_keys, std::optional<Checkpoint> newest,
                std::optional<std::vector<Checkpoint>> anchors);
  ChainVerifier(std::string public_key, std::optional<Checkpoint> newest,
                std::optional<std::vector<Checkpoint>> anchors)
      : ChainVerifier(std::vector<std::string>{std::move(public_key)}, std::move(newest),
                      std::move(anchors)) {}

  // One chain link, in position order. `row` is null when the audit row this position
  // refers to is gone.
  void AddLink(int64_t position, std::string_view stored_hash, const AuditRow* row);

  // After the links: one database checkpoint, in position order, with the stored hash of
  // the chain link at its position (nullopt: there is none).
  void AddCheckpoint(const Checkpoint& checkpoint, std::optional<std::string_view> link_hash);

  // The watermark of the newest checkpoint (0: none), and how many walked rows lie below
  // it. Every audit row below it must be sealed; the caller compares with the table.
  uint64_t signed_watermark() const { return newest_ ? newest_->watermark : 0; }
  int64_t sealed_below_signed_watermark() const { return sealed_below_watermark_; }

  // Records a break (position 0: found outside the chain, e.g. an unsealed row below the
  // watermark). The one at the lowest position is kept.
  void Fail(int64_t position, int64_t audit_id, std::string problem);

  // Ends the walk. `unsealed`: rows not in the chain (informational).
  ChainReport Finish(int64_t unsealed);

  // The anchors given to the constructor (sorted by position), moved out, for a verifier
  // that walks the chain again (another read order) without copying them. The verifier is
  // not to be used afterwards.
  std::optional<std::vector<Checkpoint>> TakeAnchors() &&;

 private:
  void AnchorsBefore(int64_t position);

  std::vector<std::string> public_keys_;
  std::optional<Checkpoint> newest_;
  std::vector<Checkpoint> anchors_;  // sorted by position
  size_t next_anchor_ = 0;
  ChainReport report_;
  int64_t expected_ = 1;
  std::string prev_hash_;
  bool have_last_ = false;
  uint64_t last_tx_ = 0;
  int64_t last_id_ = 0;
  bool newest_seen_ = false;
  int64_t sealed_below_watermark_ = 0;
  std::string canonical_;  // reused buffer
};

}  // namespace smd::crypto
