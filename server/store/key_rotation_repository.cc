#include "store/key_rotation_repository.h"

#include <pqxx/pqxx>

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "crypto/blind_index.h"
#include "store/cipher_cells.h"
#include "store/errors.h"
#include "store/internal/pg.h"
#include "store/internal/tx.h"
#include "store/statements.h"

namespace smd::store {
namespace {

// How a table's cells are bound (the associated data each repository passes to
// crypto::FieldCipher; see the repository named).
enum class AadForm {
  kPatientCell,  // PatientCellAad(column, id, enc_version): patient_repository
  kTransfer,     // "patient_transfer.<column>:<id>": patient_repository
  kTableId,      // "<table>:<id>": care, careteam ("care_team_member"), rehab, alert
  kReferral,     // VersionedAad("referral:<id>", enc_version): care_repository
  kRequestKey,   // "request_key:<user_id>:<key>": request_key_repository
};

struct CipherTable {
  const char* table;
  std::vector<const char*> columns;
  AadForm aad;
  const char* patient_sql;  // the patient id of a row ("NULL" when none)
};

const std::vector<CipherTable>& Tables() {
  static const std::vector<CipherTable> t = {
      {"patient",
       {"id_number_enc", "name_enc", "phone_enc", "address_enc", "guardian_name_enc",
        "guardian_address_enc", "guardian_phone_enc"},
       AadForm::kPatientCell,
       "id"},
      {"patient_transfer", {"reason_enc", "decision_note_enc"}, AadForm::kTransfer, "patient_id"},
      {"followup", {"form_enc"}, AadForm::kTableId, "patient_id"},
      {"emergency", {"details_enc"}, AadForm::kTableId, "patient_id"},
      {"referral", {"details_enc"}, AadForm::kReferral, "patient_id"},
      {"discharge", {"details_enc"}, AadForm::kTableId, "patient_id"},
      {"health_check", {"details_enc"}, AadForm::kTableId, "patient_id"},
      {"care_team_member", {"contact_enc"}, AadForm::kTableId, "patient_id"},
      {"alert", {"snapshot_enc"}, AadForm::kTableId, "patient_id"},
      {"rehab_session", {"details_enc"}, AadForm::kTableId, "patient_id"},
      {"psych_support", {"details_enc"}, AadForm::kTableId, "patient_id"},
      {"request_key", {"response_enc"}, AadForm::kRequestKey, "NULL"},
  };
  return t;
}

const CipherTable* Find(const std::string& table) {
  for (const auto& t : Tables()) {
    if (t.table == table) return &t;
  }
  return nullptr;
}

// Columns: 0 row id (request_key: user_id), 1 patient id, 2 enc_version / key / NULL, then
// the cells. $1 cursor, $2 active key id, $3 limit.
std::string BatchSql(const CipherTable& t) {
  std::vector<std::string> other_key;
  for (const char* c : t.columns) {
    other_key.push_back(absl::StrCat("coalesce(get_byte(", c, ", 1) <> $2, false)"));
  }
  const bool rk = t.aad == AadForm::kRequestKey;
  const bool versioned = t.aad == AadForm::kPatientCell || t.aad == AadForm::kReferral;
  const std::string order = rk ? "(user_id::text || ' ' || key)" : "id";
  return absl::StrCat(
      "SELECT ", rk ? "user_id" : "id", "::text, ", t.patient_sql, "::text, ",
      rk ? "key" : (versioned ? "enc_version::text" : "NULL::text"), ", ",
      absl::StrJoin(t.columns, ", "), " FROM ", t.table, " WHERE ($1::text IS NULL OR ", order,
      rk ? " > $1::text" : " > $1::uuid", ") AND (", absl::StrJoin(other_key, " OR "),
      ") ORDER BY ", order, " LIMIT $3");
}

std::string Aad(const CipherTable& t, const std::string& column, const pqxx::row& r) {
  const std::string id = r[0].as<std::string>();
  switch (t.aad) {
    case AadForm::kPatientCell:
      return PatientCellAad(column, id, r[2].as<int64_t>());
    case AadForm::kTransfer:
      return absl::StrCat("patient_transfer.", column, ":", id);
    case AadForm::kTableId:
      return absl::StrCat(t.table, ":", id);
    case AadForm::kReferral:
      return VersionedAad(absl::StrCat("referral:", id), r[2].as<int64_t>());
    case AadForm::kRequestKey:
      return absl::StrCat("request_key:", id, ":", r[2].as<std::string>());
  }
  return "";
}

}  // namespace

std::vector<Statement> KeyRotationStatements() {
  static const std::vector<std::pair<std::string, std::string>> batches = [] {
    std::vector<std::pair<std::string, std::string>> v;
    for (const auto& t : Tables()) v.emplace_back(absl::StrCat("keys.batch.", t.table), BatchSql(t));
    return v;
  }();
  std::vector<Statement> out = {
      {"keys.rewrap", "SELECT smd_rewrap_cell($1, $2, $3::uuid, $4, $5, $6)"},
      // SKIP LOCKED: a row a call holds is passed over rather than waited for.
      {"keys.index_batch",
       "SELECT id::text, enc_version, id_number_enc, name_enc FROM patient "
       "WHERE index_key_id <> $2 AND ($1::uuid IS NULL OR id > $1::uuid) ORDER BY id LIMIT $3 "
       "FOR NO KEY UPDATE SKIP LOCKED"},
      {"keys.index_set",
       "UPDATE patient SET id_number_index = $2, name_index = $3, index_key_id = $4 "
       "WHERE id = $1::uuid AND index_key_id <> $4"},
      {"keys.cursor_get",
       "SELECT after_id FROM key_rotation_cursor WHERE kind = $1 AND table_name = $2 AND "
       "scope = $3 AND target_key_id = $4"},
      {"keys.cursor_set",
       "INSERT INTO key_rotation_cursor AS k (kind, table_name, scope, target_key_id, after_id, "
       "rows_done, updated_at) VALUES ($1, $2, $3, $4, $5, $6, now()) "
       "ON CONFLICT (kind, table_name, scope) DO UPDATE SET after_id = EXCLUDED.after_id, "
       "rows_done = CASE WHEN k.target_key_id = EXCLUDED.target_key_id "
       "THEN k.rows_done + EXCLUDED.rows_done ELSE EXCLUDED.rows_done END, "
       "target_key_id = EXCLUDED.target_key_id, updated_at = now()"},
      {"keys.cursor_clear", "DELETE FROM key_rotation_cursor WHERE kind = $1"},
      {"keys.cursor_list",
       "SELECT kind, table_name, scope, target_key_id, after_id, rows_done, updated_at "
       "FROM key_rotation_cursor ORDER BY 1, 2, 3"},
      {"keys.field_usage",
       "SELECT table_name, column_name, key_id, cells FROM smd_field_key_usage()"},
      {"keys.index_usage", "SELECT key_id, patients FROM smd_index_key_usage()"},
      {"keys.audit_usage",
       "SELECT public_key, count(*), max(position) FROM audit_checkpoint GROUP BY public_key "
       "ORDER BY max(position)"},
  };
  for (const auto& [name, sql] : batches) out.push_back({name.c_str(), sql.c_str()});
  return out;
}

std::vector<std::string> EncryptedCells() {
  std::vector<std::string> out;
  for (const auto& t : Tables()) {
    for (const char* c : t.columns) out.push_back(absl::StrCat(t.table, ".", c));
  }
  return out;
}

std::vector<std::string> EncryptedTables() {
  std::vector<std::string> out;
  for (const auto& t : Tables()) out.push_back(t.table);
  return out;
}

absl::StatusOr<RotationBatch> ReencryptBatch(Tx& tx, const crypto::FieldCipher& cipher,
                                             const std::string& table,
                                             const std::string& after_id, int limit) {
  const CipherTable* t = Find(table);
  if (t == nullptr) return absl::InvalidArgumentError("table: not an encrypted table");
  return Guard([&]() -> absl::StatusOr<RotationBatch> {
    RotationBatch b;
    const int active = cipher.active_key_id();
    pqxx::result rows = tx.w().exec_prepared(absl::StrCat("keys.batch.", table),
                                             pg::NullIfEmpty(after_id), active, limit);
    for (const auto& r : rows) {
      ++b.visited;
      const std::string id = r[0].as<std::string>();
      b.last_id = t->aad == AadForm::kRequestKey ? absl::StrCat(id, " ", r[2].as<std::string>())
                                                 : id;
      // Every cell of the row is opened first: a row is re-encrypted whole or not at all.
      struct Cell {
        const char* column;
        std::string old_blob, new_blob;
      };
      std::vector<Cell> cells;
      bool readable = true;
      for (size_t i = 0; i < t->columns.size(); ++i) {
        const pqxx::field f = r[static_cast<int>(3 + i)];
        if (f.is_null()) continue;
        std::string blob = pg::BytesField(f);
        if (crypto::FieldCipher::BlobKeyId(blob) == active) continue;
        const std::string aad = Aad(*t, t->columns[i], r);
        absl::StatusOr<std::string> plain = cipher.Decrypt(blob, aad);
        if (!plain.ok()) {
          readable = false;
          break;
        }
        ASSIGN_OR_RETURN(std::string fresh, cipher.Encrypt(*plain, aad));
        cells.push_back({t->columns[i], std::move(blob), std::move(fresh)});
      }
      if (!readable) {
        b.unreadable.push_back(id);
        continue;
      }
      bool changed = false;
      for (const Cell& c : cells) {
        const bool rk = t->aad == AadForm::kRequestKey;
        bool done = tx.w()
                        .exec_prepared1("keys.rewrap", t->table, c.column, id,
                                        rk ? std::optional<std::string>(r[2].as<std::string>())
                                           : std::optional<std::string>(),
                                        pg::Bytes(c.old_blob), pg::Bytes(c.new_blob))[0]
                        .as<bool>();
        if (done) {
          ++b.cells;
          changed = true;
        }
      }
      if (changed) {
        ++b.changed;
        if (!r[1].is_null()) b.patient_ids.push_back(r[1].as<std::string>());
      }
    }
    return b;
  });
}

absl::StatusOr<RotationBatch> RebuildIndexBatch(Tx& tx, const crypto::KeyRing& keys,
                                                const crypto::FieldCipher& cipher,
                                                const std::string& after_id, int limit) {
  return Guard([&]() -> absl::StatusOr<RotationBatch> {
    RotationBatch b;
    const int active = keys.index_key_id;
    for (const auto& r : tx.w().exec_prepared("keys.index_batch", pg::NullIfEmpty(after_id),
                                              active, limit)) {
      ++b.visited;
      const std::string id = r[0].as<std::string>();
      b.last_id = id;
      const int64_t v = r[1].as<int64_t>();
      absl::StatusOr<std::string> number =
          cipher.Decrypt(pg::BytesField(r[2]), PatientCellAad("id_number_enc", id, v));
      absl::StatusOr<std::string> name =
          cipher.Decrypt(pg::BytesField(r[3]), PatientCellAad("name_enc", id, v));
      if (!number.ok() || !name.ok()) {
        b.unreadable.push_back(id);
        continue;
      }
      // The same forms as patient_repository's IdIndex and NameIndex.
      const std::string id_index = crypto::BlindIndex(keys, "id_number", *number);
      const std::string name_index =
          crypto::BlindIndex(keys, "name", crypto::NormalizeName(*name));
      pqxx::result u = tx.w().exec_prepared("keys.index_set", id, pg::Bytes(id_index),
                                            pg::Bytes(name_index), active);
      if (u.affected_rows() == 1) {
        ++b.changed;
        b.patient_ids.push_back(id);
      }
    }
    return b;
  });
}

absl::StatusOr<std::string> LoadCursor(Tx& tx, const std::string& kind, const std::string& table,
                                       const std::string& scope, int target_key_id) {
  return Guard([&]() -> absl::StatusOr<std::string> {
    pqxx::result r = tx.w().exec_prepared("keys.cursor_get", kind, table, scope, target_key_id);
    return r.empty() ? std::string() : r[0][0].as<std::string>();
  });
}

absl::Status SaveCursor(Tx& tx, const std::string& kind, const std::string& table,
                        const std::string& scope, int target_key_id, const std::string& after_id,
                        int64_t rows_done) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("keys.cursor_set", kind, table, scope, target_key_id, after_id,
                         rows_done);
    return absl::OkStatus();
  });
}

absl::Status ClearCursors(Tx& tx, const std::string& kind) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("keys.cursor_clear", kind);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<CursorRow>> ListCursors(Tx& tx) {
  return Guard([&]() -> absl::StatusOr<std::vector<CursorRow>> {
    std::vector<CursorRow> out;
    for (const auto& r : tx.w().exec_prepared("keys.cursor_list")) {
      CursorRow c;
      c.kind = r[0].as<std::string>();
      c.table = r[1].as<std::string>();
      c.scope = r[2].as<std::string>();
      c.target_key_id = r[3].as<int>();
      c.after_id = r[4].as<std::string>();
      c.rows_done = r[5].as<int64_t>();
      c.updated_at = pg::TimeField(r[6]);
      out.push_back(std::move(c));
    }
    return out;
  });
}

absl::StatusOr<std::vector<FieldKeyUse>> FieldKeyUsage(Tx& tx) {
  return Guard([&]() -> absl::StatusOr<std::vector<FieldKeyUse>> {
    std::vector<FieldKeyUse> out;
    for (const auto& r : tx.w().exec_prepared("keys.field_usage")) {
      out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<int>(),
                     r[3].as<int64_t>()});
    }
    return out;
  });
}

absl::StatusOr<std::vector<IndexKeyUse>> IndexKeyUsage(Tx& tx) {
  return Guard([&]() -> absl::StatusOr<std::vector<IndexKeyUse>> {
    std::vector<IndexKeyUse> out;
    for (const auto& r : tx.w().exec_prepared("keys.index_usage")) {
      out.push_back({r[0].as<int>(), r[1].as<int64_t>()});
    }
    return out;
  });
}

absl::StatusOr<std::vector<AuditKeyUse>> AuditKeyUsage(Tx& tx) {
  return Guard([&]() -> absl::StatusOr<std::vector<AuditKeyUse>> {
    std::vector<AuditKeyUse> out;
    for (const auto& r : tx.w().exec_prepared("keys.audit_usage")) {
      out.push_back({pg::BytesField(r[0]), r[1].as<int64_t>(), r[2].as<int64_t>()});
    }
    return out;
  });
}

}  // namespace smd::store
