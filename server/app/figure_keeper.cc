#include "app/figure_keeper.h"

#include "common/log.h"

namespace smd::app {

void FigureKeeper::Start() {
  thread_ = std::thread([this] {
    while (!stop_) {
      absl::StatusOr<bool> built = metrics_.KeepCurrent();
      if (!built.ok() && !stop_) {
        common::LogWarning("metrics: keeping the figure sets failed (%s); retrying",
                           absl::StatusCodeToString(built.status().code()));
      } else if (built.ok() && *built) {
        common::LogInfo("metrics: built the current year's and today's figures");
      }
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, absl::ToChronoMilliseconds(interval_), [this] { return stop_.load(); });
    }
  });
}

void FigureKeeper::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  metrics_.StopBuilds();
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace smd::app
