#pragma once
// Community rehabilitation (社区康复) and psychological support (心理疏导) records
// (RehabService; domain/rehab_records.h; docs/rules.md "Rehabilitation and family
// support"). Every call is one transaction through RunCall: authenticated, scoped to the
// caller's jurisdiction, audited with the patient it touched, all-or-nothing. A write
// changes the patient's kept figures in the same transaction (the repository marks the
// patient, the call frame refreshes: store/metric_repository.h), as follow-ups do. Clinical roles only: writing needs
// followup.record, reading followup.read, so police, grid workers and the health committee
// are refused (rules.md §8). Thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "app/call.h"
#include "app/context.h"
#include "domain/rehab_records.h"
#include "store/rehab_repository.h"

namespace smd::app {

struct RehabRecords {
  std::vector<domain::RehabSession> sessions;  // date order
  std::vector<domain::PsychSupport> supports;  // date order
  int unreadable = 0;  // records whose texts did not decrypt (their `unreadable`)
};

// Which kinds ListRehabRecords returns.
enum class RehabKinds { kBoth, kSessions, kSupports };

// A timeline entry of a rehab record (app/followup_use_cases.h TimelineEntry's fields).
struct RehabTimelineItem {
  absl::CivilDay date;
  const char* kind;     // "rehab_session" | "psych_support"
  std::string summary;  // Chinese first, from codes only (no free text)
  std::string ref_id;
  bool unreadable = false;
  const char* table;    // for the unreadable-row log
};

// The patient's rehab records as timeline entries, in the caller's transaction (whose
// scope sees the patient, already authorized for followup.read).
absl::StatusOr<std::vector<RehabTimelineItem>> RehabTimeline(const Deps& deps, store::Tx& tx,
                                                             const std::string& patient_id);

class RehabUseCases {
 public:
  explicit RehabUseCases(const Deps& deps) : deps_(deps), repo_(deps.keys) {}

  // Validates (domain::ValidateRehabSession against today and the patient's registration
  // date), stores, and updates the metrics. Errors: INVALID_ARGUMENT (field named),
  // PERMISSION_DENIED, NOT_FOUND, FAILED_PRECONDITION (patient closed or moved out).
  absl::StatusOr<domain::RehabSession> RecordSession(const CallMeta& meta,
                                                     domain::RehabSession s);
  // As RecordSession, for 心理疏导 (domain::ValidatePsychSupport).
  absl::StatusOr<domain::PsychSupport> RecordSupport(const CallMeta& meta,
                                                     domain::PsychSupport p);
  // A patient's records with dates in [from, to] (either may be absent). A record whose
  // texts do not decrypt is listed marked, counted, logged by id and audited as
  // `unreadable=<n>`. Errors: INVALID_ARGUMENT (to before from), PERMISSION_DENIED,
  // NOT_FOUND.
  absl::StatusOr<RehabRecords> List(const CallMeta& meta, const std::string& patient_id,
                                    std::optional<absl::CivilDay> from,
                                    std::optional<absl::CivilDay> to, RehabKinds kinds);

 private:
  const Deps& deps_;
  store::RehabRepository repo_;
};

}  // namespace smd::app
