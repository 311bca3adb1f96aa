#pragma once
// Follow-up visits, the per-patient schedule, emergencies, referrals, discharge notices
// and health checks (schema 0002), plus worklists over the schedule. Free text and the
// full form are encrypted (AES-256-GCM, associated data "<table>:<row id>"). Row-level
// security applies through the patient (the caller has set the scope). Thread-safe
// (immutable after construction); the Tx is the caller's.
//
// Encrypted parts that do not decrypt or decode (docs/api.md "Unreadable records"): a
// read of one record fails with DATA_LOSS (store::UnreadableError: "followup",
// "referral"); a listing keeps the record, sets its `unreadable` and leaves the encrypted
// fields empty (a visit's form is rebuilt from its typed columns, domain::FormFromFacts).
// What the schedule and the rules engine read (VisitHistory, GetSchedule,
// GetScheduleInputs, Worklist's schedule columns) comes from typed columns only.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crypto/field_cipher.h"
#include "crypto/keys.h"
#include "domain/care_records.h"
#include "domain/followup.h"
#include "domain/medication.h"
#include "domain/schedule.h"
#include "store/patient_repository.h"

namespace smd::store {

class Tx;

// One current visit, without its encrypted form: what schedules are computed from.
struct VisitSummary {
  std::string followup_id;
  std::string visit_id;
  int version = 0;
  absl::CivilDay visit_date;
  bool failed = false;
  bool reports_death = false;
  domain::Classification final_class = domain::Classification::kNone;
  std::optional<int> risk_level;  // absent: not assessed
  std::optional<absl::CivilDay> next_due;
  bool next_is_review = false;
  absl::Time recorded_at;
};

struct Schedule {
  std::string patient_id;
  std::optional<absl::CivilDay> next_due;
  int due_kind = 0;  // 0 none, 1 regular, 2 two-week review, 3 first after discharge, 4 first visit
  std::optional<absl::CivilDay> last_visit;
  std::optional<absl::CivilDay> last_valid_visit;
  domain::Classification last_class = domain::Classification::kNone;
  int trailing_failed = 0;
  std::optional<absl::CivilDay> discharged_on;
  // When a patient without a valid visit is due: registration or transfer-in + 14 days.
  std::optional<absl::CivilDay> first_due;
};

// What rescheduling a patient reads besides the visits: the schedule row (nullopt before
// the first) and the latest discharge notice (discharged_on, then recording time; nullopt
// without one), from typed columns only.
struct ScheduleInputs {
  std::optional<Schedule> schedule;
  std::optional<domain::DischargePoint> latest_discharge;
};

enum class WorklistKind : int {
  kOverdue = 1,
  kDueSoon = 2,
  kUnstableNotSeen = 3,
  kDischargedNotSeen = 4,
  kTwoWeekReview = 5,
};

struct WorklistQuery {
  WorklistKind kind = WorklistKind::kOverdue;
  std::string region_prefix;
  absl::CivilDay today;
  int days = 7;
  // Keyset: (urgency, next_due, patient_id) strictly after these.
  std::optional<int> after_urgency;
  std::optional<absl::CivilDay> after_due;
  std::string after_patient;
  int limit = 50;
};

struct WorklistRow {
  std::string patient_id;
  std::string name;  // decrypted
  std::string jurisdiction;
  int risk_level = -1;
  domain::Classification last_class = domain::Classification::kNone;
  std::optional<absl::CivilDay> next_due;
  std::optional<absl::CivilDay> last_valid_visit;
  std::optional<absl::CivilDay> discharged_on;
  int due_kind = 0;
  int urgency = 0;  // 0 most urgent
  bool name_unreadable = false;  // the name did not decrypt: `name` is empty
};

class CareRepository {
 public:
  explicit CareRepository(const crypto::KeyRing& keys);

  absl::Status InsertFollowUp(Tx& tx, const domain::FollowUp& f);
  // Marks every version of the visit not current (before inserting its correction).
  absl::Status RetireVisit(Tx& tx, const std::string& visit_id);
  // The current version of a visit (locked), or nullopt. DATA_LOSS when its form does not
  // decrypt or decode.
  absl::StatusOr<std::optional<domain::FollowUp>> CurrentVersion(Tx& tx,
                                                                 const std::string& visit_id);
  // When the visit's first version was recorded, and by whom (the correction window).
  absl::StatusOr<absl::Time> FirstRecorded(Tx& tx, const std::string& visit_id);
  absl::StatusOr<std::string> OriginalAuthor(Tx& tx, const std::string& visit_id);
  // Visits of a patient, newest first: current versions, or every version with history.
  // A visit whose form does not decrypt or decode is kept with `unreadable` set.
  absl::StatusOr<std::vector<domain::FollowUp>> ListFollowUps(Tx& tx, const std::string& patient_id,
                                                              bool include_history, int offset,
                                                              int limit);
  // Current versions of a patient's visits in visit order (visit_date, recorded_at).
  absl::StatusOr<std::vector<VisitSummary>> VisitHistory(Tx& tx, const std::string& patient_id);
  // The latest current assessed visit's full record (not failed, no death report, and with a
  // risk level: a hospital-only visit records no medication), if any. DATA_LOSS when its
  // form does not decrypt or decode.
  absl::StatusOr<std::optional<domain::FollowUp>> LastValidVisit(Tx& tx,
                                                                 const std::string& patient_id);

  absl::StatusOr<std::optional<Schedule>> GetSchedule(Tx& tx, const std::string& patient_id);
  // GetSchedule and LatestDischarge in one statement (one round trip: what a visit's
  // rescheduling reads; issue 17).
  absl::StatusOr<ScheduleInputs> GetScheduleInputs(Tx& tx, const std::string& patient_id);
  absl::Status PutSchedule(Tx& tx, const Schedule& s, absl::Time now);
  // The first schedule of newly registered patients (a bulk import): each gets
  // next_due = first_due = `due` of kind `due_kind` and nothing else, in one statement.
  // The patients must have no schedule yet (ALREADY_EXISTS otherwise).
  absl::Status PutFirstSchedules(Tx& tx, const std::vector<std::string>& patient_ids,
                                 absl::CivilDay due, int due_kind, absl::Time now);

  // The List* calls below keep a record whose texts do not decrypt or decode, with
  // `unreadable` set; each lists in date order, then recording time and id.
  absl::Status InsertEmergency(Tx& tx, const domain::Emergency& e);
  absl::StatusOr<std::vector<domain::Emergency>> ListEmergencies(Tx& tx,
                                                                 const std::string& patient_id);
  absl::Status InsertReferral(Tx& tx, const domain::ReferralRecord& r);
  // Locked. DATA_LOSS when its texts do not decrypt or decode.
  absl::StatusOr<std::optional<domain::ReferralRecord>> GetReferral(Tx& tx, const std::string& id);
  // Writes status, texts and updated_at of `r` as read by GetReferral in this transaction:
  // the texts are encrypted under r.enc_version + 1, stored only if the row still has
  // r.enc_version. ABORTED otherwise (or when the row is gone).
  absl::Status UpdateReferral(Tx& tx, const domain::ReferralRecord& r);
  absl::StatusOr<std::vector<domain::ReferralRecord>> ListReferrals(Tx& tx,
                                                                    const std::string& patient_id);
  absl::Status InsertDischarge(Tx& tx, const domain::Discharge& d, absl::Time now);
  absl::StatusOr<std::vector<domain::Discharge>> ListDischarges(Tx& tx,
                                                                const std::string& patient_id);
  absl::Status InsertHealthCheck(Tx& tx, const domain::HealthCheckRecord& h, absl::Time now);
  absl::StatusOr<std::vector<domain::HealthCheckRecord>> ListHealthChecks(
      Tx& tx, const std::string& patient_id);

  // A row whose patient name does not decrypt is kept with name_unreadable set.
  absl::StatusOr<std::vector<WorklistRow>> Worklist(Tx& tx, const WorklistQuery& q);

  // The online conversion (app::CipherUpgrade): referrals still at enc_version 0 with
  // id > after_id in the scope, at most `limit`, re-encrypted under version 1 (SKIP
  // LOCKED; the last batch counts what is left, UpgradeBatch::left). converted_ids holds
  // their patient ids.
  absl::StatusOr<UpgradeBatch> UpgradeReferrals(Tx& tx, const std::string& after_id, int limit);

  // The drug catalogue (schema 0003), active entries by code.
  absl::StatusOr<std::vector<domain::DrugInfo>> LoadDrugs(Tx& tx);

  // The encrypted column the Insert* calls store for the encoded record `plaintext`
  // (store/record_codec.h) of row `id` in `table` ("followup", "health_check", ...):
  // AES-256-GCM with associated data "<table>:<id>". Not for referrals, whose associated
  // data also carries the row's enc_version ("referral:<id>:v<n>"). Public for bulk loaders that COPY
  // synthetic records (tests/bench/metrics_bench.cc).
  absl::StatusOr<std::string> Seal(const std::string& table, const std::string& id,
                                   const std::string& plaintext) const;

 private:
  absl::StatusOr<std::string> Open(const std::string& table, const std::string& id,
                                   const std::string& blob) const;
  // A row of kFollowUpColumns; `unreadable` when form_enc does not decrypt or decode.
  domain::FollowUp ReadFollowUp(const void* row) const;

  crypto::KeyRing keys_;
  crypto::FieldCipher cipher_;
};

}  // namespace smd::store
