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

FigureSet FigureSet::Year(int year) { return FigureSet{year, std::nullopt}; }

FigureSet FigureSet::Day(absl::CivilDay day) {
  return FigureSet{static_cast<int>(day.year()), day};
}

std::optional<FigureSet> FigureSet::FromKey(int key) {
  if (key >= 2000 && key <= 9999) return Year(key);
  const int y = key / 10000, m = key / 100 % 100, d = key % 100;
  if (y < 2000 || y > 9999) return std::nullopt;
  const absl::CivilDay day(y, m, d);
  if (day.month() != m || day.day() != d) return std::nullopt;  // normalized: not a date
  return Day(day);
}

int FigureSet::Key() const {
  if (!day) return year;
  return static_cast<int>(day->year()) * 10000 + day->month() * 100 + day->day();
}

absl::CivilDay FigureSet::Cutoff(int slot) const {
  if (day) return *day;
  return absl::CivilDay(absl::CivilMonth(year, slot) + 1) - 1;  // last day of month `slot`
}

PatientYearState ComputeState(const PatientFacts& facts, const FigureSet& set) {
  PatientYearState st;
  for (int slot = 1; slot <= set.Slots(); ++slot) {
    const absl::CivilDay cutoff = set.Cutoff(slot);
    st.masks[slot - 1] =
        StatusMask(EvaluatePatient(facts.input, PeriodAsOf(cutoff), Notes::kWithout));
    if (st.masks[slot - 1] != 0) st.communities[slot - 1] = CommunityAt(facts, cutoff);
  }
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
