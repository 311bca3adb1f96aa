#pragma once
// The patient register (schema 0001 `patient`, `patient_transfer`). Identifying fields
// are encrypted here, on the way in, and decrypted on the way out (AES-256-GCM with the
// row id and column name as associated data, so a ciphertext moved to another row or
// column does not decrypt);
// exact lookups use keyed blind indexes. Row-level security applies: the caller must
// have set the transaction's scope (store/scope.h). Thread-safe (immutable after
// construction); the Tx is the caller's.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crypto/field_cipher.h"
#include "crypto/keys.h"
#include "domain/types.h"

namespace smd::store {

class Tx;

struct PatientQuery {
  std::optional<std::string> name;       // exact (normalized) full name
  std::optional<std::string> id_number;  // exact normalized number
  std::string region_prefix;             // required: jurisdiction starts with this
  int status = 0;                        // 0 = any
  int min_risk = 0;                      // 0 = any
  // Keyset: rows strictly after (after_registered_at, after_id) in that order.
  std::optional<absl::Time> after_registered_at;
  std::string after_id;
  int limit = 50;
};

// A row of a listing. A row whose encrypted cells do not all decrypt (altered in the
// database, replayed from an older version, or written under another key) does not fail
// the listing: it comes back kUnreadable with only these plaintext columns set: id,
// jurisdiction, status, risk_level, classification, version, registered_at, updated_at
// (every identifying and clinical field empty). kIndexMismatch: the blind index matched the query but the decrypted value is not
// the one searched for (an index copied from another row); the row is fully read but must
// not be returned as a hit.
struct ListedPatient {
  enum class State { kReadable, kUnreadable, kIndexMismatch };
  domain::Patient patient;
  State state = State::kReadable;
};

struct TransferRow {
  std::string id;
  std::string patient_id;
  std::string from_jurisdiction;
  std::string to_jurisdiction;
  int status = 0;  // proto TransferStatus
  std::string reason;
  std::string requested_by;
  absl::Time requested_at;
  std::string decided_by;
  std::optional<absl::Time> decided_at;
  std::string decision_note;
  // The day the patient left (迁出日期, schema 0017); nullopt on rows written before it.
  std::optional<absl::CivilDay> effective_date;
  // Written before migration 0013: reason and note still in plaintext columns (read from
  // there) until CipherUpgrade or the next write converts the row.
  bool legacy_plaintext = false;
  // In a listing only: reason or note did not decrypt; both are empty.
  bool unreadable = false;
};

// One batch of the online conversion of rows written before migration 0013
// (app::CipherUpgrade): rows are visited once, in id order, within the transaction's scope.
struct UpgradeBatch {
  int visited = 0;                        // rows looked at (0: nothing left after after_id)
  int converted = 0;                      // re-encrypted with a version / texts encrypted
  std::vector<std::string> converted_ids; // their patient ids (for the audit record)
  std::vector<std::string> unreadable;    // row ids that did not decrypt: left unchanged
  std::string last_id;                    // keyset for the next batch
  // Only on the last batch of a walk (visited < limit): the table's legacy rows still in
  // the scope after it, at any id (read through the partial index of migration 0013). They
  // are the unreadable ones and those SKIP LOCKED passed over because a call held them.
  int64_t left = 0;
};

class PatientRepository {
 public:
  explicit PatientRepository(const crypto::KeyRing& keys);

  // ALREADY_EXISTS when the ID number is registered anywhere (any jurisdiction).
  absl::Status Insert(Tx& tx, const domain::Patient& p);
  // The row Insert writes for `p`, encrypted and indexed exactly as Insert does, as
  // PostgreSQL text input values in the patient table's column order (bytea as "\x<hex>",
  // nullopt for NULL): what InsertMany takes, and what bulk loaders COPY for a synthetic
  // register (tests/bench/metrics_bench.cc). Touches no database; safe to call from
  // several threads at once (the import encrypts its batch in parallel workers).
  using RowValues = std::vector<std::optional<std::string>>;
  absl::StatusOr<RowValues> CopyValues(const domain::Patient& p) const;
  // Bulk registration (ImportPatients, ADR 0018): the rows (from CopyValues) are COPYed
  // into a temporary staging table of the connection and moved into `patient` by one INSERT ... ON
  // CONFLICT (id_number_index) DO NOTHING, under row-level security like Insert (a row
  // outside the scope fails the whole call). Returns the ids of the rows inserted: a row
  // whose ID number a concurrent call registered after the caller's HoldersOf is not.
  // Call at most once per transaction.
  absl::StatusOr<std::vector<std::string>> InsertMany(Tx& tx, const std::vector<RowValues>& rows);
  // The blind index of a (normalized) ID number, as HoldersOf takes it. Thread-safe.
  std::string IdIndexOf(const std::string& id_number) const { return IdIndex(id_number); }
  // HolderOf for many ID numbers in one statement: for each blind index (IdIndexOf), the
  // jurisdiction holding it regardless of scope, nullopt where none; same order.
  absl::StatusOr<std::vector<std::optional<std::string>>> HoldersOf(
      Tx& tx, const std::vector<std::string>& id_indexes);
  // nullopt when absent or outside the transaction's scope. `for_update` locks the row.
  // The patient's enc_version is the row's (what Update needs).
  // DATA_LOSS (store::UnreadableError) when an encrypted cell does not decrypt.
  absl::StatusOr<std::optional<domain::Patient>> Get(Tx& tx, const std::string& id,
                                                     bool for_update = false);
  // The rows of `ids` visible in the transaction's scope, in id order, in one query; a row
  // whose cells do not decrypt comes as kUnreadable with only its id and jurisdiction.
  absl::StatusOr<std::vector<ListedPatient>> GetMany(Tx& tx, const std::vector<std::string>& ids);
  // Writes every stored field of `p` (except risk_level and classification) if its version
  // is still `p.version` and its enc_version still `p.enc_version` (both as Get read
  // them: the caller reads the row with for_update in the same transaction), and bumps
  // both (p.version + 1 and p.enc_version + 1 are the new ones). ABORTED when either is
  // stale. Every encrypted cell is re-encrypted under the next enc_version (the ID number
  // too, which must be unchanged: its blind index is checked), so older ciphertexts of the
  // row's cells no longer decrypt; a legacy row (enc_version 0) is thereby converted.
  // DATA_LOSS when the row's ID index is not that of its own (decrypted) number: an index
  // copied from another row.
  absl::Status Update(Tx& tx, const domain::Patient& p);
  // The latest assessment shown on the register (last valid follow-up's risk level and
  // classification). Does not change the version: it is not an edit of the form.
  absl::Status SetAssessment(Tx& tx, const std::string& id, int risk_level, int classification);
  // Rows in (registered_at, id) order, at most q.limit, each with its State (see
  // ListedPatient): a name or ID number query is checked against the decrypted value, not
  // only the blind index. Fails only on database errors.
  absl::StatusOr<std::vector<ListedPatient>> Search(Tx& tx, const PatientQuery& q);
  // The jurisdiction code holding this (normalized) ID number, regardless of scope.
  absl::StatusOr<std::optional<std::string>> HolderOf(Tx& tx, const std::string& id_number);
  // The jurisdiction of patient `id`, regardless of scope; nullopt if there is none.
  absl::StatusOr<std::optional<std::string>> JurisdictionOf(Tx& tx, const std::string& id);

  // Transfers: reason and decision note are encrypted (associated data
  // "patient_transfer.<column>:<id>"); a legacy row (TransferRow::legacy_plaintext) is read
  // from its plaintext columns.
  absl::Status InsertTransfer(Tx& tx, const TransferRow& t);
  // DATA_LOSS (store::UnreadableError) when the reason or note does not decrypt.
  absl::StatusOr<std::optional<TransferRow>> GetTransfer(Tx& tx, const std::string& id,
                                                         bool for_update = false);
  // Writes the decision (status, decider, time, note) and stores both texts encrypted,
  // clearing the plaintext columns: a legacy row is converted by its decision.
  absl::Status DecideTransfer(Tx& tx, const TransferRow& t);
  // Encrypts a legacy row's reason and note (from `t`, as read) and clears the plaintext.
  // No-op when !t.legacy_plaintext.
  absl::Status ConvertLegacyTransfer(Tx& tx, const TransferRow& t);
  // Refuses a pending transfer addressed to the scope (definer function; the note is
  // stored encrypted). The transfer must not be legacy (convert it first). false if none.
  absl::StatusOr<bool> RefuseTransfer(Tx& tx, const std::string& transfer_id,
                                      const std::string& user_id, absl::Time at,
                                      const std::string& note);
  // Transfers from or to `region` (a region code prefix) that are visible to the scope,
  // newest first, keyset on (requested_at, id). With the caller's own jurisdiction as the
  // region (its scope), that is every transfer the scope sees. A row whose texts do not
  // decrypt is returned with unreadable = true and empty texts.
  absl::StatusOr<std::vector<TransferRow>> ListTransfers(Tx& tx, const std::string& region,
                                                         bool pending_only,
                                                         std::optional<absl::Time> before_at,
                                                         const std::string& before_id, int limit);

  // The online conversion (app::CipherUpgrade), within the transaction's scope, at most
  // `limit` rows with id > after_id, locked with SKIP LOCKED (a row a call holds is passed
  // over, and counted in UpgradeBatch::left by the last batch):
  // patients still at enc_version 0 are re-encrypted under version 1 (values unchanged;
  // neither version nor updated_at moves: it is not an edit);
  absl::StatusOr<UpgradeBatch> UpgradePatients(Tx& tx, const std::string& after_id, int limit);
  // transfers with plaintext texts get them encrypted and the plaintext cleared.
  absl::StatusOr<UpgradeBatch> UpgradeTransfers(Tx& tx, const std::string& after_id, int limit);

 private:
  std::string IdIndex(const std::string& number) const;
  std::string NameIndex(const std::string& name) const;
  // The ID number's index under every key of the ring (crypto::BlindIndexes).
  std::vector<std::string> IdIndexes(const std::string& number) const;
  // "{hex,hex}": digests as a text[] parameter (libpqxx 6.4 sends no binary arrays).
  static std::string HexArray(const std::vector<std::string>& digests);
  // The seven encrypted cells of a patient row, as stored.
  struct SealedCells {
    std::string id_number, name, phone, address, guardian_name, guardian_address,
        guardian_phone;
  };
  // The plaintext columns of a patient row (see ListedPatient) and its enc_version; then
  // the decrypted cells, under p.enc_version as ReadPlain set it.
  static domain::Patient ReadPlain(const void* row);
  absl::Status DecryptCells(const void* row, domain::Patient& p) const;
  // The inverse of DecryptCells: `p`'s cells encrypted under `enc_version`, each with a
  // fresh nonce. Every write of the cells (Insert, CopyValues, Update, UpgradePatients).
  absl::StatusOr<SealedCells> SealCells(const domain::Patient& p, int64_t enc_version) const;
  absl::StatusOr<domain::Patient> Read(const void* row) const;
  // A transfer row's plaintext columns (what an unreadable row is listed with); then its
  // reason and note, from the plaintext columns of a legacy row or decrypted (`t` is left
  // unchanged when a text does not decrypt). ReadTransfer is the two together.
  static TransferRow ReadTransferPlain(const void* row);
  absl::Status OpenTransferTexts(const void* row, TransferRow& t) const;
  absl::StatusOr<TransferRow> ReadTransfer(const void* row) const;
  absl::StatusOr<std::string> SealTransferText(const std::string& transfer_id,
                                               const char* column,
                                               const std::string& text) const;

  crypto::KeyRing keys_;
  crypto::FieldCipher cipher_;
};

}  // namespace smd::store
