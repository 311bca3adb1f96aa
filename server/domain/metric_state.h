#pragma once
// The stored form of the metrics (docs/metrics.md "How the figures are kept"): for each
// patient and year, the statuses the patient holds at each of the twelve month-end
// cut-offs, and the community the patient counts in at each of them. Rollups by community,
// year and month are sums of these; a change to a patient's records changes the rollups by
// the difference between the old and the new state (StateDeltas). Pure.

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

// The statuses at the end of each month of `year` (index 0 = January) and the community
// counted in at each cut-off ("" when the patient holds no status then: mask 0).
struct PatientYearState {
  std::array<uint32_t, 12> masks{};
  std::array<std::string, 12> communities;
  bool operator==(const PatientYearState&) const = default;
  bool empty() const;  // no status in any month
};

// The community of `facts` at the end of `day`.
std::string CommunityAt(const PatientFacts& facts, absl::CivilDay day);

PatientYearState ComputeYearState(const PatientFacts& facts, int year);
// The statuses at the end of `day` alone (the "as of today" figures, docs/metrics.md), in
// slot 0 (January) of a state whose other slots are empty, so that StateDeltas gives its
// rollup deltas with month 1.
PatientYearState ComputeDayState(const PatientFacts& facts, absl::CivilDay day);

// What a change from `before` to `after` adds to each (community, month) rollup row:
// +1/-1 per status. Rows whose delta is all zero are left out. Ordered by community, then
// month (1..12), so that concurrent writers lock rollup rows in one order.
struct RollupDelta {
  std::string community;
  int month = 0;  // 1..12
  std::array<int, kMaxMetricStatus + 1> delta{};  // index MetricStatus; [0] unused
};
std::vector<RollupDelta> StateDeltas(const PatientYearState& before,
                                     const PatientYearState& after);

}  // namespace smd::domain
