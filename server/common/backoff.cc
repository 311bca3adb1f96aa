#include "common/backoff.h"

#include <algorithm>
#include <random>

namespace smd::common {
namespace {

double DefaultUniform() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(gen);
}

}  // namespace

Backoff::Backoff(absl::Duration initial, absl::Duration max, std::function<double()> uniform)
    : initial_(initial), max_(std::max(initial, max)), uniform_(std::move(uniform)) {
  if (!uniform_) uniform_ = DefaultUniform;
}

absl::Duration Backoff::NextDelay() {
  absl::Duration step = initial_;
  for (int i = 0; i < failures_ && step < max_; ++i) step *= 2;
  step = std::min(step, max_);
  ++failures_;
  const double u = std::clamp(uniform_(), 0.0, 1.0);
  return step / 2 + (step / 2) * u;
}

}  // namespace smd::common
