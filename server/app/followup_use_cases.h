#pragma once
// Follow-up visits and the records around them (FollowUpService). Every call is one
// transaction through RunCall: authenticated, scoped to the caller's jurisdiction,
// audited with the patient it touched, all-or-nothing. After every write the patient's
// schedule (domain/schedule.h) and its register assessment are recomputed in the same
// transaction, so worklists never lag the records. Thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "app/call.h"
#include "app/context.h"
#include "domain/alert_rules.h"
#include "domain/care_records.h"
#include "domain/followup.h"
#include "domain/medication.h"
#include "domain/schedule.h"
#include "store/care_repository.h"

namespace smd::app {

struct FollowUpPage {
  std::vector<domain::FollowUp> followups;
  std::string next_page_token;
  int unreadable = 0;  // visits on the page whose form did not decrypt (FollowUp::unreadable)
};

struct GuidanceResult {
  domain::Guidance guidance;
  std::vector<domain::MedicationLine> regimen;
  std::optional<absl::CivilDay> based_on_visit;
};

struct WorklistPage {
  std::vector<store::WorklistRow> rows;
  std::string next_page_token;
  absl::CivilDay today;  // the day the list was computed for (Beijing date)
  int unreadable = 0;    // rows whose patient name did not decrypt (name_unreadable)
};

// Why a row is on a worklist, Chinese first, e.g. "逾期12天未随访 (12 days overdue)".
std::string WorklistReason(const store::WorklistRow& row, absl::CivilDay today);

struct TimelineEntry {
  absl::CivilDay date;
  std::string kind;     // followup | failed_visit | emergency | referral | discharge | ...
  std::string summary;  // Chinese first; built from codes, never from free text
  std::string ref_id;
  // The record's encrypted part did not decrypt: the entry is built from its typed
  // columns (a visit's summary then names no medication) and the summary says so.
  bool unreadable = false;
};

struct TimelinePage {
  std::vector<TimelineEntry> entries;  // in date order
  int unreadable = 0;                  // entries with unreadable set
};

// The alert a visit raised in its own transaction (docs/adr/0010-alert-routing.md): what the
// doctor is shown at once, so that nobody has to guess whether the police were told.
struct VisitAlert {
  std::string alert_id;
  domain::AlertDraft draft;                 // kind, audience, severity, cause
  int recipients = 0;                       // copies delivered (care team, jurisdiction, duty)
  std::vector<domain::Role> unrouted;       // required roles nobody could take (on the gap list)
};

// What Record returns: the stored visit and, when it raised one, its alert.
struct RecordedVisit {
  domain::FollowUp visit;
  std::optional<VisitAlert> alert;
};

class FollowUpUseCases {
 public:
  explicit FollowUpUseCases(const Deps& deps) : deps_(deps) {}

  // Validates the form (rules.md §3) and the doses against the catalogue, runs the rule
  // set (rules.md §4), stores the visit and its assessment, and recomputes the schedule.
  // A failed visit (失访) becomes reason 4 on the third in a row; a death report closes the
  // case. Errors: PERMISSION_DENIED, NOT_FOUND, FAILED_PRECONDITION (patient closed),
  // INVALID_ARGUMENT (field named; an out-of-range dose names the drug). The answer carries
  // the alert the visit raised, if any.
  absl::StatusOr<RecordedVisit> Record(const CallMeta& meta, const std::string& patient_id,
                                       const domain::FollowUpForm& form);
  // A new version of a visit; the old one stays. The author may correct within 7 days of
  // first recording, a supervisor (followup.supervise) at any time. The assessment is
  // recomputed against the visits before it, and the schedule follows.
  // Errors: ABORTED (base_version not the latest), PERMISSION_DENIED, NOT_FOUND,
  // INVALID_ARGUMENT (reason required).
  absl::StatusOr<domain::FollowUp> Correct(const CallMeta& meta, const std::string& visit_id,
                                           int64_t base_version, const domain::FollowUpForm& form,
                                           const std::string& reason);
  // A patient's visits, newest first (offset paging). A visit whose stored form does not
  // decrypt is listed marked (FollowUp::unreadable), counted, logged by id and audited as
  // `unreadable=<n>`; the call does not fail for it.
  absl::StatusOr<FollowUpPage> List(const CallMeta& meta, const std::string& patient_id,
                                    bool include_history, int page_size,
                                    const std::string& page_token);
  // Guidance for the family from the last valid visit's regimen (用药指导, or 用药情况 when
  // no guidance was written) and adherence. NOT_FOUND without a valid visit.
  absl::StatusOr<GuidanceResult> Guidance(const CallMeta& meta, const std::string& patient_id);
  // The drug catalogue (reference data). Prescribers and administrators (drugs.read).
  absl::StatusOr<std::vector<domain::DrugInfo>> ListDrugs(const CallMeta& meta);

  absl::StatusOr<domain::Emergency> RecordEmergency(const CallMeta& meta, domain::Emergency e);
  absl::StatusOr<domain::ReferralRecord> RequestReferral(const CallMeta& meta,
                                                         domain::ReferralRecord r);
  // Status flow: requested -> accepted | refused; accepted -> admitted | returned;
  // admitted -> returned. FAILED_PRECONDITION otherwise.
  absl::StatusOr<domain::ReferralRecord> UpdateReferral(const CallMeta& meta,
                                                        const std::string& referral_id,
                                                        domain::ReferralStatus status,
                                                        const std::string& note);
  // Schedules the first follow-up within the rule set's days of receiving the notice.
  absl::StatusOr<domain::Discharge> RecordDischarge(const CallMeta& meta, domain::Discharge d,
                                                    bool received_given);
  absl::StatusOr<domain::HealthCheckRecord> RecordHealthCheck(const CallMeta& meta,
                                                              domain::HealthCheckRecord h);

  absl::StatusOr<WorklistPage> Worklist(const CallMeta& meta, store::WorklistKind kind, int days,
                                        const std::string& region, int page_size,
                                        const std::string& page_token);
  // The patient's history in date order: registration, visits, emergencies, referrals,
  // discharges, health checks, community-rehab sessions, psychological support, closing. Summaries come from typed columns; a record whose
  // encrypted part does not decrypt is still an entry, marked, counted, logged by id and
  // audited as `unreadable=<n>`.
  absl::StatusOr<TimelinePage> Timeline(const CallMeta& meta, const std::string& patient_id);

 private:
  // Recomputes and stores the schedule and the register's risk/classification.
  absl::Status Reschedule(store::Tx& tx, const domain::Patient& p);
  // The same from the patient's current visits `points` (in followup.history order) and
  // schedule row and latest discharge `inputs`, already read in this transaction (issue
  // 17: no second read).
  absl::Status Reschedule(store::Tx& tx, const domain::Patient& p,
                          const std::vector<domain::VisitPoint>& points,
                          const store::ScheduleInputs& inputs);
  // The patient's current visits as schedule points, optionally without one visit.
  absl::StatusOr<std::vector<domain::VisitPoint>> Points(store::Tx& tx,
                                                         const std::string& patient_id,
                                                         const std::string& except_visit);
  // Validation shared by Record and Correct; returns the assessment.
  absl::StatusOr<domain::Assessment> ValidateAndAssess(store::Tx& tx, const domain::Patient& p,
                                                       const domain::FollowUpForm& form,
                                                       const std::string& except_visit);
  // The same against points already read (`points`: the visits other than the one judged).
  absl::StatusOr<domain::Assessment> ValidateAndAssess(
      const domain::Patient& p, const domain::FollowUpForm& form,
      const std::vector<domain::VisitPoint>& points);

  const Deps& deps_;
};

}  // namespace smd::app
