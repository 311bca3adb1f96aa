#pragma once
// Management-rate metrics, part 4 of 4: the notes that tell a worker why a
// patient lacks a status, or holds an adverse one (PatientMetrics::notes;
// docs/metrics.md "Notes"). The status evaluation (domain/metric_status.cc)
// decides; this part only words what it found, Chinese first with English in
// brackets, naming dates, months and counts but never the patient. Pure,
// thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "domain/followup_rules.h"
#include "domain/metric_status.h"

namespace smd::domain {

// The notes of `p` that matter under `rules`: those of kRegistered, of every
// status that is the numerator or denominator of a kPatients indicator under
// `rules`, and of kLost, kIncident and kMinorTrouble. So under jiangsu-2018 the
// R2 and any-record notes are left out, and under national-2018 the R1 and
// last-visit ones. Pointers into `p.notes`.
std::vector<const StatusNote*> NotesUnder(const PatientMetrics& p, const RuleSet& rules);

// ---------------------------------------------------------------------------------------
// What the status evaluation found, for the notes (used by EvaluatePatient
// only)
// ---------------------------------------------------------------------------------------

// R1's verdict (rules.md §5.2 "Recommended implementation"): the earliest gap
// of more than 3 months in the sequence anchor, visits, anchor, and how many
// such gaps there are.
struct R1Gap {
  enum class Kind {
    kNone,           // R1 holds
    kFirstLate,      // from the start anchor to the first visit
    kBetweenVisits,  // between two visits
    kSinceLast,      // from the last visit to the end anchor
    kNoVisit,        // anchor to anchor: no valid visit on or after the start
  };
  Kind kind = Kind::kNone;
  int failures = 0;
  absl::CivilMonth due;  // kFirstLate: the month by which the first visit was due
  absl::CivilDay from;   // kBetweenVisits, kSinceLast: the earlier visit
  absl::CivilDay to;     // kFirstLate, kBetweenVisits: the later visit
  int months = 0;        // kBetweenVisits: the gap in months
};

// Why a patient is not on regular medication (rules.md §5.1 规律服药, S11), the
// first reason found.
struct RegularGap {
  enum class Kind {
    kNone,            // on regular medication
    kBroken,          // a valid follow-up recorded 间断 or 不服药
    kNoEvidence,      // no 规律 or 目前正在住院 record at all
    kQuarterMissing,  // a quarter wholly inside the period without one
  };
  Kind kind = Kind::kNone;
  absl::CivilDay date;                            // kBroken: the visit
  Adherence adherence = Adherence::kUnspecified;  // kBroken: what it recorded
  int year = 0;                                   // kQuarterMissing
  int quarter = 0;                                // kQuarterMissing: 1..4
};

// The facts of a 在册 patient's period that the notes name.
struct NoteFacts {
  int valid_count = 0;                         // valid follow-ups in the period
  int failed_in_period = 0;                    // failed visits (失访) in the period
  const VisitFact* last_valid = nullptr;       // the last valid follow-up in the period
  const VisitFact* last_record = nullptr;      // the latest record, death reports aside
  std::optional<absl::CivilDay> valid_before;  // the last valid follow-up before Jan 1
  std::optional<absl::CivilDay> check_before;  // the last health check before Jan 1
  bool last_valid_recent = false;              // within 3 months of the cut-off (病情稳定率)
  R1Gap r1;
  RegularGap regular;
  int trouble = 0;
  int accident = 0;
  int minor_trouble = 0;
};

// The note of kRegistered for a patient not 在册 at the cut-off: not yet
// registered, or the earliest of death, move-out and deregistration on or
// before it.
std::string NotRegisteredNote(const PatientPeriodInput& in, const ReportingPeriod& period);

// Appends to `m.notes`, in MetricStatus order, the note of every status `m`
// lacks or every adverse status it holds, as listed on PatientMetrics::notes.
// `m` holds the statuses of a 在册 patient as EvaluatePatient computed them;
// `f` the facts behind them.
void AddStatusNotes(const PatientPeriodInput& in, const ReportingPeriod& period, const NoteFacts& f,
                    PatientMetrics& m);

}  // namespace smd::domain
