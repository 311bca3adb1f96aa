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
};

class PatientRepository {
 public:
  explicit PatientRepository(const crypto::KeyRing& keys);

  // ALREADY_EXISTS when the ID number is registered anywhere (any jurisdiction).
  absl::Status Insert(Tx& tx, const domain::Patient& p);
  // The row Insert writes for `p`, encrypted and indexed exactly as Insert does, as
  // PostgreSQL text input values in the patient table's column order (bytea as "\x<hex>",
  // nullopt for NULL): for bulk loaders that COPY a synthetic register
  // (tests/bench/metrics_bench.cc). Touches no database.
  absl::StatusOr<std::vector<std::optional<std::string>>> CopyValues(
      const domain::Patient& p) const;
  // nullopt when absent or outside the transaction's scope. `for_update` locks the row.
  absl::StatusOr<std::optional<domain::Patient>> Get(Tx& tx, const std::string& id,
                                                     bool for_update = false);
  // Writes every stored field of `p` (except risk_level and classification) if its version
  // is still `p.version`, and bumps the version (p.version + 1 is the new one). ABORTED
  // when the version is stale.
  absl::Status Update(Tx& tx, const domain::Patient& p);
  // The latest assessment shown on the register (last valid follow-up's risk level and
  // classification). Does not change the version: it is not an edit of the form.
  absl::Status SetAssessment(Tx& tx, const std::string& id, int risk_level, int classification);
  absl::StatusOr<std::vector<domain::Patient>> Search(Tx& tx, const PatientQuery& q);
  // The jurisdiction code holding this (normalized) ID number, regardless of scope.
  absl::StatusOr<std::optional<std::string>> HolderOf(Tx& tx, const std::string& id_number);
  // The jurisdiction of patient `id`, regardless of scope; nullopt if there is none.
  absl::StatusOr<std::optional<std::string>> JurisdictionOf(Tx& tx, const std::string& id);

  absl::Status InsertTransfer(Tx& tx, const TransferRow& t);
  absl::StatusOr<std::optional<TransferRow>> GetTransfer(Tx& tx, const std::string& id,
                                                         bool for_update = false);
  absl::Status DecideTransfer(Tx& tx, const TransferRow& t);
  // Refuses a pending transfer addressed to the scope (definer function). false if none.
  absl::StatusOr<bool> RefuseTransfer(Tx& tx, const std::string& transfer_id,
                                      const std::string& user_id, absl::Time at,
                                      const std::string& note);
  // Transfers visible to the scope, newest first, keyset on (requested_at, id).
  absl::StatusOr<std::vector<TransferRow>> ListTransfers(
      Tx& tx, bool pending_only, std::optional<absl::Time> before_at,
      const std::string& before_id, int limit);

 private:
  std::string IdIndex(const std::string& number) const;
  std::string NameIndex(const std::string& name) const;
  absl::StatusOr<domain::Patient> Read(const void* row) const;

  crypto::KeyRing keys_;
  crypto::FieldCipher cipher_;
};

}  // namespace smd::store
