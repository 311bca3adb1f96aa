#include "common/backoff.h"

#include "gtest/gtest.h"

namespace smd::common {
namespace {

TEST(Backoff, DoublesUpToTheCapWithinHalfAndAllOfEachStep) {
  Backoff low(absl::Milliseconds(100), absl::Seconds(10), [] { return 0.0; });
  Backoff high(absl::Milliseconds(100), absl::Seconds(10), [] { return 0.999999; });
  const int64_t steps_ms[] = {100, 200, 400, 800, 1600, 3200, 6400, 10000, 10000, 10000};
  for (int64_t step : steps_ms) {
    EXPECT_EQ(absl::ToInt64Milliseconds(low.NextDelay()), step / 2);
    EXPECT_NEAR(absl::ToDoubleMilliseconds(high.NextDelay()), static_cast<double>(step), 0.01);
  }
  EXPECT_EQ(low.failures(), 10);
}

TEST(Backoff, ResetStartsAgainFromTheInitialStep) {
  Backoff b(absl::Milliseconds(100), absl::Seconds(10), [] { return 0.0; });
  for (int i = 0; i < 5; ++i) b.NextDelay();
  b.Reset();
  EXPECT_EQ(b.NextDelay(), absl::Milliseconds(50));
}

// Over a 4 s outage with a 250 ms poll, the number of attempts stays small (the probe saw
// 366 without backoff).
TEST(Backoff, AFourSecondOutageTakesAHandfulOfAttempts) {
  Backoff b(absl::Milliseconds(100), absl::Seconds(10));
  absl::Duration elapsed;
  int attempts = 0;
  while (elapsed < absl::Seconds(4)) {
    ++attempts;
    elapsed += b.NextDelay();
  }
  EXPECT_LE(attempts, 8);
}

}  // namespace
}  // namespace smd::common
