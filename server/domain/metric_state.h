#pragma once
// The stored form of the metrics (docs/metrics.md "How the figures are kept"): for each
// patient and kept set of figures (FigureSet: a year, or the current day), the statuses the
// patient holds at each of the set's cut-offs, and the community the patient counts in at
// each of them. Rollups by community, set and cut-off are sums of these; a change to a
// patient's records changes the rollups by the difference between the old and the new
// state (StateDeltas). Pure.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "domain/metrics.h"

namespace smd::domain {

// A patient's move between communities inside the system (an accepted transfer):
// counted in `from` up to the day before `on`, in `to` from `on`.
struct JurisdictionMove {
  absl::CivilDay on;
  std::string from;
  std::string to;
};

// Everything the metrics need about one patient, over all years.
struct PatientFacts {
  std::string patient_id;
  std::string jurisdiction;  // current community
  PatientPeriodInput input;  // every record, all years (EvaluatePatient ignores the rest)
  std::vector<JurisdictionMove> moves;  // in date order
};

// Bit s (1..kMaxMetricStatus) of a mask: the patient holds MetricStatus s.
uint32_t StatusMask(const PatientMetrics& m);
bool MaskHas(uint32_t mask, MetricStatus s);

// One kept set of figures, the key of everything stored for the metrics: a year, whose
// twelve slots are its month ends, or one day (the current Beijing day: docs/metrics.md
// "As of today"), whose one slot is that day. Stored under Key(): the year itself
// (2000..9999) or the day as yyyymmdd, so the two kinds never collide.
struct FigureSet {
  int year = 0;
  std::optional<absl::CivilDay> day;

  static FigureSet Year(int year);
  static FigureSet Day(absl::CivilDay day);
  // nullopt when `key` is neither a year nor a valid yyyymmdd day.
  static std::optional<FigureSet> FromKey(int key);
  int Key() const;
  int Slots() const { return day ? 1 : 12; }
  // The cut-off of slot 1..Slots(): the last day of month `slot`, or the day.
  absl::CivilDay Cutoff(int slot) const;
  bool operator==(const FigureSet&) const = default;
};

// The statuses at each cut-off of a FigureSet (index slot - 1: January for a year, the day
// for a day; a day's other slots stay empty) and the community counted in at each cut-off
// ("" when the patient holds no status then: mask 0).
struct PatientYearState {
  std::array<uint32_t, 12> masks{};
  std::array<std::string, 12> communities;
  bool operator==(const PatientYearState&) const = default;
  bool empty() const;  // no status in any month
};

// The community of `facts` at the end of `day`.
std::string CommunityAt(const PatientFacts& facts, absl::CivilDay day);

// The patient's statuses at every cut-off of `set`.
PatientYearState ComputeState(const PatientFacts& facts, const FigureSet& set);

// What a change from `before` to `after` adds to each (community, slot) rollup row:
// +1/-1 per status. Rows whose delta is all zero are left out. Ordered by community, then
// slot.
struct RollupDelta {
  std::string community;
  int month = 0;  // the slot, 1..12 (a month end; 1 for a day)
  std::array<int, kMaxMetricStatus + 1> delta{};  // index MetricStatus; [0] unused
};
std::vector<RollupDelta> StateDeltas(const PatientYearState& before,
                                     const PatientYearState& after);

}  // namespace smd::domain
