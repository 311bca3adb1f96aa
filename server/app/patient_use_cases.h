#pragma once
// The patient register (PatientService): one transaction per call through RunCall, so
// every call is authenticated, scoped by jurisdiction (application check plus row-level
// security), audited with the patient ids it touched, and all-or-nothing.
// Returned patients are already cut to the caller's need-to-know view
// (domain::ApplyView). Thread-safe.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "app/call.h"
#include "app/context.h"
#include "domain/patient_rules.h"
#include "domain/types.h"
#include "store/patient_repository.h"

namespace smd::app {

struct ViewedPatient {
  domain::Patient patient;  // after ApplyView
  int view = 0;             // domain::PatientViewKind
  // In a listing: the row's encrypted cells did not decrypt (store::ListedPatient); only
  // id, jurisdiction, status, risk level, classification, version and times are set.
  bool unreadable = false;
};

// One row of a bulk import (ImportPatients), as converted by the api layer: `parse_error`
// is set when the row could not even be read (a bad date), and the row is then refused.
struct ImportRowIn {
  int row = 0;
  domain::Patient patient;
  std::optional<absl::CivilDay> registered_on;
  absl::Status parse_error;
};

enum class ImportOutcome { kImported = 1, kAlreadyRegistered = 2, kRefused = 3 };

struct ImportRowOut {
  int row = 0;
  ImportOutcome outcome = ImportOutcome::kRefused;
  std::string patient_id;
  std::string field;
  std::string reason;
};

struct PatientSearch {
  std::string name;
  std::string id_number;
  std::string region;
  int status = 0;
  int min_risk = 0;
  int page_size = 0;
  std::string page_token;
};

struct PatientPage {
  std::vector<ViewedPatient> patients;
  std::string next_page_token;
  int unreadable = 0;  // patients[i].unreadable count
};

struct TransferPage {
  std::vector<store::TransferRow> transfers;
  std::string next_page_token;
  int unreadable = 0;  // transfers[i].unreadable count
};

class PatientUseCases {
 public:
  explicit PatientUseCases(const Deps& deps) : deps_(deps) {}

  // `details` carries the form (PatientDetails). Errors: PERMISSION_DENIED,
  // INVALID_ARGUMENT (field named), NOT_FOUND (unknown community), ALREADY_EXISTS (the ID
  // number is registered; the message names only the holding jurisdiction's code).
  absl::StatusOr<ViewedPatient> Register(const CallMeta& meta, domain::Patient details);
  // Bulk import: each row validated like Register (and registered_on: 2000-01-01..today,
  // not before birth); refused rows change nothing; rows whose ID number is registered
  // already, or repeated in the batch, are skipped. One transaction for the batch (at most
  // kMaxImportRows), audited with every imported patient. Errors: INVALID_ARGUMENT (rows),
  // PERMISSION_DENIED (role).
  static constexpr int kMaxImportRows = 1000;
  absl::StatusOr<std::vector<ImportRowOut>> Import(const CallMeta& meta,
                                                   std::vector<ImportRowIn> rows);
  // Errors: INVALID_ARGUMENT (patient_id), NOT_FOUND, PERMISSION_DENIED (exists outside
  // the caller's jurisdiction, or the role may not read patients).
  absl::StatusOr<ViewedPatient> Get(const CallMeta& meta, const std::string& patient_id);
  // Replaces the editable fields (not id_number, jurisdiction or register state).
  // Errors: ABORTED (stale version), FAILED_PRECONDITION (closed), and as Get/Register.
  absl::StatusOr<ViewedPatient> Update(const CallMeta& meta, const std::string& patient_id,
                                       int64_t version, const domain::Patient& details);
  // Keyset-paginated search. A name or ID number is matched by blind index and then
  // checked against the decrypted value: a row whose decrypted value differs (an index
  // copied from another row) is never returned; it is logged by id and counted in the
  // audit detail ("index_mismatch=n"). A row that does not decrypt is returned as an
  // unreadable placeholder (ViewedPatient::unreadable), logged by id, counted in the page
  // and the audit detail ("unreadable=n"); the rest is served.
  absl::StatusOr<PatientPage> Search(const CallMeta& meta, const PatientSearch& query);
  // 迁出. Errors: FAILED_PRECONDITION (not active), ABORTED, INVALID_ARGUMENT
  // (to_jurisdiction), NOT_FOUND (unknown community inside a known district).
  absl::StatusOr<store::TransferRow> TransferOut(const CallMeta& meta,
                                                 const std::string& patient_id, int64_t version,
                                                 const std::string& to_jurisdiction,
                                                 const std::string& reason,
                                                 std::optional<absl::CivilDay> effective_date);
  // 迁入 (accept) or refusal, by the receiving jurisdiction.
  absl::StatusOr<store::TransferRow> TransferIn(const CallMeta& meta,
                                                const std::string& transfer_id, bool accept,
                                                const std::string& note);
  // Transfers into or out of the caller's jurisdiction; a row whose reason or note does not
  // decrypt is listed with unreadable set and empty texts (logged by id, counted in the
  // audit detail).
  absl::StatusOr<TransferPage> ListTransfers(const CallMeta& meta, bool pending_only,
                                             int page_size, const std::string& page_token);
  // Death or 注销. Errors: FAILED_PRECONDITION, ABORTED, INVALID_ARGUMENT.
  absl::StatusOr<ViewedPatient> Close(const CallMeta& meta, const std::string& patient_id,
                                      int64_t version, const domain::CloseRequest& request);

 private:
  absl::CivilDay Today() const;

  using PatientBody = std::function<absl::Status(store::Tx&, const domain::Principal&,
                                                 domain::Patient&, AuditNote&)>;
  // RunCall around one existing patient: notes its id for the audit record, checks the
  // role may do `action`, loads it (NOT_FOUND / PERMISSION_DENIED) and runs `body`.
  absl::Status OnePatient(const CallMeta& meta, const std::string& patient_id,
                          domain::Action action, bool for_update, const PatientBody& body);
  // OnePatient (locked) + version check + `change` + save with a new version + view.
  absl::StatusOr<ViewedPatient> ChangePatient(
      const CallMeta& meta, const std::string& patient_id, int64_t version,
      domain::Action action,
      const std::function<absl::Status(store::Tx&, domain::Patient&)>& change);
  // The later of p's 建档日期 and its last valid follow-up (domain::CheckEffectiveDate).
  absl::StatusOr<absl::CivilDay> LastRecordDay(store::Tx& tx, const domain::Patient& p);

  const Deps& deps_;
};

}  // namespace smd::app
