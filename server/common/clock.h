#pragma once
// Injected time. Domain and app code never read the system clock directly, so tests can
// fix "now" (tests/support FakeClock) and rules can be checked against rules.md dates.

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace smd::common {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// The real wall clock. Thread-safe.
class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  static const SystemClock& Get() {
    static const SystemClock kClock;
    return kClock;
  }
};

}  // namespace smd::common
