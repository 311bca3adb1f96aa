#include "domain/metric_state.h"

#include <algorithm>
#include <tuple>

namespace smd::domain {

uint32_t StatusMask(const PatientMetrics& m) {
  uint32_t mask = 0;
  for (int s = 1; s <= kMaxMetricStatus; ++s) {
    if (m.Has(static_cast<MetricStatus>(s))) mask |= 1u << s;
  }
  return mask;
}

bool MaskHas(uint32_t mask, MetricStatus s) {
  const int i = static_cast<int>(s);
  return i >= 1 && i <= kMaxMetricStatus && (mask & (1u << i)) != 0;
}

bool PatientYearState::empty() const {
  return std::all_of(masks.begin(), masks.end(), [](uint32_t m) { return m == 0; });
}

std::string CommunityAt(const PatientFacts& facts, absl::CivilDay day) {
  // The first move after `day` says where the patient was; none: where they are now.
  for (const auto& mv : facts.moves) {
    if (mv.on > day) return mv.from;
  }
  return facts.jurisdiction;
}

PatientYearState ComputeYearState(const PatientFacts& facts, int year) {
  PatientYearState st;
  for (int m = 1; m <= 12; ++m) {
    const absl::CivilDay cutoff =
        absl::CivilDay(absl::CivilMonth(year, m) + 1) - 1;  // last day of month m
    const PatientMetrics pm = EvaluatePatient(facts.input, PeriodAsOf(cutoff));
    st.masks[m - 1] = StatusMask(pm);
    if (st.masks[m - 1] != 0) st.communities[m - 1] = CommunityAt(facts, cutoff);
  }
  return st;
}

PatientYearState ComputeDayState(const PatientFacts& facts, absl::CivilDay day) {
  PatientYearState st;
  st.masks[0] = StatusMask(EvaluatePatient(facts.input, PeriodAsOf(day)));
  if (st.masks[0] != 0) st.communities[0] = CommunityAt(facts, day);
  return st;
}

std::vector<RollupDelta> StateDeltas(const PatientYearState& before,
                                     const PatientYearState& after) {
  std::map<std::pair<std::string, int>, RollupDelta> rows;
  auto apply = [&](const PatientYearState& st, int sign) {
    for (int m = 0; m < 12; ++m) {
      if (st.masks[m] == 0) continue;
      RollupDelta& d = rows[{st.communities[m], m + 1}];
      d.community = st.communities[m];
      d.month = m + 1;
      for (int s = 1; s <= kMaxMetricStatus; ++s) {
        if (st.masks[m] & (1u << s)) d.delta[s] += sign;
      }
    }
  };
  apply(before, -1);
  apply(after, +1);
  std::vector<RollupDelta> out;
  for (auto& [key, d] : rows) {
    if (std::any_of(d.delta.begin(), d.delta.end(), [](int x) { return x != 0; })) {
      out.push_back(std::move(d));
    }
  }
  return out;
}

}  // namespace smd::domain
