#pragma once
// The database side of key rotation (docs/adr/0016-key-rotation.md, schema 0023): batches
// of cells still encrypted under another field key than the active one, re-encrypted under
// it; batches of patients whose blind indexes another index key made, rebuilt; where an
// interrupted pass resumes; and the usage counts that decide whether a key may be retired.
//
// Every encrypted column of the schema is listed once here (EncryptedCells), with how its
// associated data is formed; the list must match smd_rewrap_cell and smd_field_key_usage
// (schema 0023), and a test compares it with the schema's *_enc columns.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crypto/field_cipher.h"
#include "crypto/keys.h"

namespace smd::store {

class Tx;

// "table.column" of every encrypted cell, in pass order.
std::vector<std::string> EncryptedCells();
// The tables holding encrypted cells, in pass order.
std::vector<std::string> EncryptedTables();

struct RotationBatch {
  int visited = 0;                          // rows looked at (< limit: the table is done)
  int changed = 0;                          // rows re-encrypted / re-indexed
  int64_t cells = 0;                        // cells re-encrypted
  std::vector<std::string> patient_ids;     // of the changed rows, for the audit record
  std::vector<std::string> unreadable;      // row ids whose cells no key of the ring opens
  std::string last_id;                      // keyset for the next batch
};

// One batch of `table` (EncryptedTables) in the transaction's row-level scope: up to `limit`
// rows after `after_id` (id order; "" from the start) with a cell whose key id is not
// `cipher`'s active one. Each such cell is decrypted with the ring and encrypted under the
// active key with the same associated data, then replaced through smd_rewrap_cell only if
// it is unchanged (a concurrent write wins; it is under the active key anyway). A row whose
// cells do not decrypt is left as it is and reported. No row locks: append-only tables
// cannot be locked by the server's role, and the compare-and-set makes them unnecessary.
// INVALID_ARGUMENT for an unknown table; database errors otherwise.
absl::StatusOr<RotationBatch> ReencryptBatch(Tx& tx, const crypto::FieldCipher& cipher,
                                             const std::string& table,
                                             const std::string& after_id, int limit);

// One batch of patients in the scope whose indexes (id_number_index, name_index) an index
// key other than the active one made: their ID number and name are decrypted and both
// indexes recomputed under keys.index_key, stamped with keys.index_key_id. Rows a call
// holds are passed over (SKIP LOCKED; the next pass takes them).
absl::StatusOr<RotationBatch> RebuildIndexBatch(Tx& tx, const crypto::KeyRing& keys,
                                                const crypto::FieldCipher& cipher,
                                                const std::string& after_id, int limit);

// Where a pass of `kind` ("field", "blind-index") over `table` in `scope` resumes when it
// runs for `target_key_id`: the last id done, or "" (none, or saved for another target).
absl::StatusOr<std::string> LoadCursor(Tx& tx, const std::string& kind, const std::string& table,
                                       const std::string& scope, int target_key_id);
absl::Status SaveCursor(Tx& tx, const std::string& kind, const std::string& table,
                        const std::string& scope, int target_key_id, const std::string& after_id,
                        int64_t rows_done);
// Forgets every cursor of `kind` (a finished pass).
absl::Status ClearCursors(Tx& tx, const std::string& kind);

struct CursorRow {
  std::string kind, table, scope, after_id;
  int target_key_id = 0;
  int64_t rows_done = 0;
  absl::Time updated_at;
};
absl::StatusOr<std::vector<CursorRow>> ListCursors(Tx& tx);

// Usage counts over every jurisdiction (definer functions of schema 0023).
struct FieldKeyUse {
  std::string table, column;
  int key_id = 0;
  int64_t cells = 0;
};
absl::StatusOr<std::vector<FieldKeyUse>> FieldKeyUsage(Tx& tx);
struct IndexKeyUse {
  int key_id = 0;
  int64_t patients = 0;
};
absl::StatusOr<std::vector<IndexKeyUse>> IndexKeyUsage(Tx& tx);
// Audit checkpoints per signing public key, oldest key first.
struct AuditKeyUse {
  std::string public_key;  // 32 raw bytes
  int64_t checkpoints = 0;
  int64_t newest_position = 0;
};
absl::StatusOr<std::vector<AuditKeyUse>> AuditKeyUsage(Tx& tx);

}  // namespace smd::store
