#include "runtime/health_probe.h"

#include "common/log.h"

namespace smd::runtime {

bool HealthProbe::ProbeOnce() {
  const bool ok = db_.Ping().ok();
  bool changed = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    changed = ok != serving_;
    serving_ = ok;
  }
  reachable_.store(ok, std::memory_order_relaxed);
  if (health_ != nullptr) health_->SetServingStatus(ok);
  if (changed) {
    if (ok) {
      common::LogInfo("health: the database answers again; SERVING");
    } else {
      common::LogWarning("health: the database does not answer; NOT_SERVING");
    }
  }
  return ok;
}

void HealthProbe::Start() {
  ProbeOnce();
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      cv_.wait_for(lock, absl::ToChronoMilliseconds(interval_), [this] { return stop_; });
      if (stop_) break;
      lock.unlock();
      ProbeOnce();
      lock.lock();
    }
  });
}

void HealthProbe::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace smd::runtime
