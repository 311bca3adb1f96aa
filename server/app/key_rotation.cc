#include "app/key_rotation.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "app/root_scopes.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "crypto/field_cipher.h"
#include "crypto/signer.h"
#include "store/audit_repository.h"
#include "store/scope.h"

namespace smd::app {

absl::StatusOr<KeyRotation::Counts> KeyRotation::Walk(const char* kind, const char* method,
                                                      int target_key_id,
                                                      const std::vector<std::string>& tables,
                                                      const Batch& batch, const Options& options) {
  Counts counts;
  ASSIGN_OR_RETURN(std::vector<std::string> scopes, RootScopes(deps_));
  for (const std::string& scope : scopes) {
    for (const std::string& table : tables) {
      std::string after;
      RETURN_IF_ERROR(deps_.db.InTransaction([&](store::Tx& tx) -> absl::Status {
        ASSIGN_OR_RETURN(after, store::LoadCursor(tx, kind, table, scope, target_key_id));
        return absl::OkStatus();
      }));
      for (;;) {
        if (options.max_batches >= 0 && counts.batches >= options.max_batches) return counts;
        store::RotationBatch b;
        RETURN_IF_ERROR(deps_.db.InTransaction([&](store::Tx& tx) -> absl::Status {
          RETURN_IF_ERROR(store::SetScope(tx, scope));
          ASSIGN_OR_RETURN(b, batch(tx, table, after));
          if (b.visited > 0) {
            RETURN_IF_ERROR(
                store::SaveCursor(tx, kind, table, scope, target_key_id, b.last_id, b.changed));
          }
          if (b.changed == 0) return absl::OkStatus();
          store::AuditEntry e;
          e.at = deps_.clock.Now();
          e.method = method;
          e.patient_ids = b.patient_ids;
          e.outcome = "OK";
          e.detail = absl::StrCat(table, "=", b.changed, " key=", target_key_id, " scope=", scope);
          if (b.cells > 0) absl::StrAppend(&e.detail, " cells=", b.cells);
          if (!b.unreadable.empty()) {
            absl::StrAppend(&e.detail, " unreadable=", b.unreadable.size());
          }
          return store::AppendAudit(tx, e);
        }));
        ++counts.batches;
        counts.rows += b.changed;
        counts.cells += b.cells;
        counts.unreadable += static_cast<int64_t>(b.unreadable.size());
        for (const auto& id : b.unreadable) {
          common::LogWarning(
              "keys: %s %s cannot be decrypted with the key file's keys; left "
              "unchanged",
              table, id);
        }
        if (options.progress) options.progress(table, counts.rows, counts.cells);
        if (b.visited < options.batch_rows) break;
        after = b.last_id;
      }
    }
  }
  counts.complete = true;
  // The walk got to the end everywhere: a later run (another target) starts
  // afresh.
  RETURN_IF_ERROR(deps_.db.InTransaction(
      [&](store::Tx& tx) -> absl::Status { return store::ClearCursors(tx, kind); }));
  return counts;
}

absl::StatusOr<KeyRotation::Counts> KeyRotation::Reencrypt(const Options& options) {
  const crypto::FieldCipher cipher(deps_.keys);
  return Walk(
      "field", "smd-server keys.reencrypt", deps_.keys.field_key_id, store::EncryptedTables(),
      [&](store::Tx& tx, const std::string& table, const std::string& after) {
        return store::ReencryptBatch(tx, cipher, table, after, options.batch_rows);
      },
      options);
}

absl::StatusOr<KeyRotation::Counts> KeyRotation::Reindex(const Options& options) {
  const crypto::FieldCipher cipher(deps_.keys);
  return Walk(
      "blind-index", "smd-server keys.reindex", deps_.keys.index_key_id, {"patient"},
      [&](store::Tx& tx, const std::string&, const std::string& after) {
        return store::RebuildIndexBatch(tx, deps_.keys, cipher, after, options.batch_rows);
      },
      options);
}

absl::StatusOr<KeyRotation::Usage> KeyRotation::CountUsage() {
  Usage u;
  RETURN_IF_ERROR(deps_.db.InTransaction([&](store::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(u.field, store::FieldKeyUsage(tx));
    ASSIGN_OR_RETURN(u.index, store::IndexKeyUsage(tx));
    ASSIGN_OR_RETURN(u.audit, store::AuditKeyUsage(tx));
    ASSIGN_OR_RETURN(u.cursors, store::ListCursors(tx));
    return absl::OkStatus();
  }));
  return u;
}

absl::Status KeyRotation::CheckRetirable(crypto::KeyKind kind, int id) {
  ASSIGN_OR_RETURN(Usage u, CountUsage());
  std::vector<std::string> uses;
  switch (kind) {
    case crypto::KeyKind::kField:
      for (const auto& f : u.field) {
        if (f.key_id == id) uses.push_back(absl::StrCat(f.table, ".", f.column, "=", f.cells));
      }
      break;
    case crypto::KeyKind::kIndex:
      for (const auto& i : u.index) {
        if (i.key_id == id) uses.push_back(absl::StrCat("patients=", i.patients));
      }
      break;
    case crypto::KeyKind::kAudit: {
      auto it = deps_.keys.audit_public_keys.find(static_cast<uint8_t>(id));
      if (it == deps_.keys.audit_public_keys.end()) break;
      for (const auto& a : u.audit) {
        if (a.public_key == it->second) {
          uses.push_back(absl::StrCat("checkpoints=", a.checkpoints));
        }
      }
      break;
    }
  }
  if (uses.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      crypto::KeyKindName(kind), " key ", id,
      ": 仍在使用，不能停用 (still in use, not retired): ", absl::StrJoin(uses, ", ")));
}

}  // namespace smd::app
