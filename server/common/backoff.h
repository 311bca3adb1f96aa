#pragma once
// Exponential backoff with jitter for reconnecting to the database (the alert listener, the
// connection pool): after each failure the wait doubles from `initial` up to `max`, and a
// random part ("equal jitter": between half and all of the step) keeps many servers from
// reconnecting in step after an outage. Pure: randomness is injected. Not thread-safe;
// one owner.

#include <cstdint>
#include <functional>

#include "absl/time/time.h"

namespace smd::common {

class Backoff {
 public:
  // `uniform` returns a number in [0, 1); the default uses a thread-local generator.
  Backoff(absl::Duration initial, absl::Duration max, std::function<double()> uniform = {});

  // The wait before the next attempt, after one more failure.
  absl::Duration NextDelay();
  // After a success: the next failure starts again from `initial`.
  void Reset() { failures_ = 0; }
  int failures() const { return failures_; }

 private:
  absl::Duration initial_;
  absl::Duration max_;
  std::function<double()> uniform_;
  int failures_ = 0;
};

}  // namespace smd::common
