#pragma once
// Key rotation without downtime (docs/adr/0016-key-rotation.md, docs/operations.md "Key
// rotation"): the passes `smd-server keys` runs against a live database while the servers
// serve, and the counts that decide whether an old key may be retired.
//
// A pass walks each root of the region tree (row-level security needs a scope; as
// app::CipherUpgrade does), table by table, in batches of a few rows, each batch its own
// short transaction, so calls are never held up for long. After each batch the pass saves
// where it is (key_rotation_cursor, schema 0023): a pass cut short (a crash, a kill, a
// failover) resumes there when run again for the same target key. A batch that changed
// rows writes a system audit record "smd-server keys.reencrypt" / "smd-server
// keys.reindex" with their patient ids and the counts, in the same transaction.
//
// The ring the pass runs with is Deps::keys (the key file given to the command): its
// active field key / index key is the target. Every server must hold that key (in its
// ring) before the pass starts; the operator restarts them with the new key file first.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "app/context.h"
#include "crypto/keys.h"
#include "store/key_rotation_repository.h"

namespace smd::app {

class KeyRotation {
 public:
  struct Options {
    int batch_rows = 200;
    // Stop after this many batches (< 0: no limit), as a crash would: the pass resumes
    // from its cursor when run again. For tests and for operators who want short runs.
    int64_t max_batches = -1;
    // Called after each batch with the table and the running totals (progress output).
    std::function<void(const std::string& table, int64_t rows, int64_t cells)> progress;
  };

  struct Counts {
    int64_t rows = 0;        // rows re-encrypted / re-indexed by this run
    int64_t cells = 0;       // cells re-encrypted (field only)
    int64_t unreadable = 0;  // rows no key of the ring opens: left as they were
    int64_t batches = 0;
    bool complete = false;   // every table of every scope walked to its end
  };

  explicit KeyRotation(const Deps& deps) : deps_(deps) {}

  // Re-encrypts every cell not under the active field key (Deps::keys). Errors: the first
  // database error (what was done before it stays done, and the cursor says where).
  absl::StatusOr<Counts> Reencrypt(const Options& options);

  // Rebuilds the blind indexes of every patient not indexed under the active index key.
  absl::StatusOr<Counts> Reindex(const Options& options);

  // What uses each key, counted over every jurisdiction.
  struct Usage {
    std::vector<store::FieldKeyUse> field;
    std::vector<store::IndexKeyUse> index;
    std::vector<store::AuditKeyUse> audit;
    std::vector<store::CursorRow> cursors;  // passes not finished
  };
  absl::StatusOr<Usage> CountUsage();

  // OK when nothing counted uses key `id` of `kind` (field cells, patients' indexes; an audit
  // public key is never retirable while a checkpoint it signed exists, since `audit verify`
  // would then fail). FAILED_PRECONDITION naming the counts otherwise.
  absl::Status CheckRetirable(crypto::KeyKind kind, int id);

 private:
  using Batch = std::function<absl::StatusOr<store::RotationBatch>(
      store::Tx&, const std::string& table, const std::string& after)>;
  absl::StatusOr<Counts> Walk(const char* kind, const char* method, int target_key_id,
                              const std::vector<std::string>& tables, const Batch& batch,
                              const Options& options);

  const Deps& deps_;
};

}  // namespace smd::app
