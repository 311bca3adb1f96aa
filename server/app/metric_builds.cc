// MetricUseCases::BuildSet and KeepCurrent: the online builds of the kept figure sets
// (app/metric_use_cases.h; docs/metrics.md "Building online").
#include <algorithm>
#include <string>
#include <vector>

#include "app/metric_query.h"
#include "app/metric_use_cases.h"
#include "common/status_macros.h"
#include "common/telemetry.h"
#include "domain/region.h"
#include "store/metric_repository.h"
#include "store/region_repository.h"
#include "store/scope.h"

namespace smd::app {

// Patients per build step (one transaction): small enough that a write waiting for a
// step waits tens of milliseconds (docs/performance.md "Metrics").
constexpr size_t kBuildStep = 100;

absl::StatusOr<int> MetricUseCases::BuildSet(const domain::FigureSet& set, bool rebuild) {
  std::lock_guard<std::mutex> one_build(build_mu_);
  // Seen by the monitoring endpoint as a build in progress (docs/operations.md "Monitoring").
  auto running = common::telemetry::InFlight::Begin(deps_.metric_builds, set.day ? "day" : "year");
  std::vector<std::string> districts, done;
  RETURN_IF_ERROR(deps_.db.InTransaction([&](store::Tx& tx) -> absl::Status {
    RETURN_IF_ERROR(store::metric_repo::StartSet(tx, set, deps_.clock.Now(), rebuild));
    ASSIGN_OR_RETURN(std::vector<store::RegionRow> regions, store::ListRegionSubtree(tx, "", 6));
    districts.clear();
    for (const auto& d : regions) {
      // Each district once (provinces and cities are listed too; their scope would repeat it).
      if (domain::LevelOf(d.code) == domain::RegionLevel::kDistrict) districts.push_back(d.code);
    }
    ASSIGN_OR_RETURN(done, store::metric_repo::DistrictsDone(tx, set));
    return absl::OkStatus();
  }));
  int patients = 0;
  for (const std::string& d : districts) {
    if (std::find(done.begin(), done.end(), d) != done.end()) continue;
    if (stop_builds_) return absl::CancelledError("metrics: the server is stopping");
    // Row-level security shows a district's rows under its own scope.
    std::vector<std::string> ids;
    RETURN_IF_ERROR(deps_.db.InTransaction([&](store::Tx& tx) -> absl::Status {
      RETURN_IF_ERROR(store::SetScope(tx, d));
      ASSIGN_OR_RETURN(ids, store::metric_repo::PatientsIn(tx, d));
      return absl::OkStatus();
    }));
    // Steps of kBuildStep patients, each one short transaction: a write waits for one step
    // at most (its patients' locks, the rollup rows the step moved).
    for (size_t start = 0; start < ids.size(); start += kBuildStep) {
      if (stop_builds_) return absl::CancelledError("metrics: the server is stopping");
      const std::vector<std::string> step(
          ids.begin() + static_cast<std::ptrdiff_t>(start),
          ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), start + kBuildStep)));
      RETURN_IF_ERROR(deps_.db.InTransaction([&](store::Tx& tx) -> absl::Status {
        RETURN_IF_ERROR(store::SetScope(tx, d));
        ASSIGN_OR_RETURN(int n, store::metric_repo::BuildPatients(tx, set, d, step));
        patients += n;
        return absl::OkStatus();
      }));
    }
    RETURN_IF_ERROR(deps_.db.InTransaction(
        [&](store::Tx& tx) { return store::metric_repo::DistrictDone(tx, set, d); }));
    if (after_district_for_test_) after_district_for_test_(d);
  }
  RETURN_IF_ERROR(deps_.db.InTransaction([&](store::Tx& tx) -> absl::Status {
    // Built only when every district is done (another server may have restarted the set).
    ASSIGN_OR_RETURN(std::vector<std::string> now_done, store::metric_repo::DistrictsDone(tx, set));
    for (const std::string& d : districts) {
      if (std::find(now_done.begin(), now_done.end(), d) == now_done.end()) {
        return absl::AbortedError("metrics: a district of the set was restarted meanwhile");
      }
    }
    return store::metric_repo::FinishSet(tx, set, deps_.clock.Now());
  }));
  running.Succeeded();
  return patients;
}

absl::CivilDay MetricUseCases::Today() const { return metric_query::TodayBeijing(deps_); }

absl::StatusOr<bool> MetricUseCases::KeepCurrent() {
  const absl::CivilDay today = metric_query::TodayBeijing(deps_);
  const domain::FigureSet wanted[] = {domain::FigureSet::Year(static_cast<int>(today.year())),
                                      domain::FigureSet::Day(today)};
  std::vector<store::metric_repo::KeptSet> sets;
  RETURN_IF_ERROR(deps_.db.InTransaction([&](store::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(sets, store::metric_repo::ListSets(tx));
    return absl::OkStatus();
  }));
  bool built = false;
  for (const domain::FigureSet& want : wanted) {
    const bool ready = std::any_of(sets.begin(), sets.end(),
                                   [&](const auto& k) { return k.set == want && k.built; });
    if (ready) continue;
    RETURN_IF_ERROR(BuildSet(want, /*rebuild=*/false).status());
    built = true;
  }
  // Days that are over: today's set answers from now on.
  for (const auto& k : sets) {
    if (!k.set.day || *k.set.day == today) continue;
    RETURN_IF_ERROR(deps_.db.InTransaction(
        [&](store::Tx& tx) { return store::metric_repo::DropSet(tx, k.set); }));
  }
  return built;
}

}  // namespace smd::app
