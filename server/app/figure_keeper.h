#pragma once
// The background thread that keeps the metric figure sets built (docs/metrics.md
// "Building online"): the current year and today, built district by district while the
// server serves, and the days that are over dropped. It runs at start, so a server
// answers within seconds whatever is left to build (reads of a set still building are
// recomputed and say so), and then every `interval`, which also picks up the new day after
// midnight and the new year. A failed pass is logged and retried at the next interval.

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/time/time.h"
#include "app/metric_use_cases.h"

namespace smd::app {

class FigureKeeper {
 public:
  FigureKeeper(MetricUseCases& metrics, absl::Duration interval)
      : metrics_(metrics), interval_(interval) {}
  ~FigureKeeper() { Stop(); }
  FigureKeeper(const FigureKeeper&) = delete;
  FigureKeeper& operator=(const FigureKeeper&) = delete;

  // Start once; Stop is idempotent, ends a build between two districts and joins.
  void Start();
  void Stop();

 private:
  MetricUseCases& metrics_;
  const absl::Duration interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace smd::app
