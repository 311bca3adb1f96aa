// common::ParallelFor: every index of [0, n) is visited exactly once, by slices of at least
// min_slice items (except when n itself is smaller), on at most `workers` threads.

#include "common/parallel.h"

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace smd::common {
namespace {

TEST(ParallelFor, VisitsEveryIndexOnceInSlices) {
  for (size_t n : {0u, 1u, 63u, 64u, 65u, 999u, 1000u}) {
    for (int workers : {0, 1, 2, 3, 4}) {
      std::vector<std::atomic<int>> hits(n);
      std::mutex mu;
      std::set<std::thread::id> threads;
      size_t slices = 0;
      ParallelFor(n, workers, 64, [&](size_t b, size_t e) {
        {
          std::lock_guard<std::mutex> lock(mu);
          threads.insert(std::this_thread::get_id());
          ++slices;
        }
        ASSERT_LT(b, e);
        ASSERT_LE(e, n);
        for (size_t i = b; i < e; ++i) ++hits[i];
      });
      for (size_t i = 0; i < n; ++i) EXPECT_EQ(hits[i].load(), 1) << n << " " << workers << " " << i;
      EXPECT_LE(threads.size(), static_cast<size_t>(std::max(1, workers)));
      if (n < 128) {
        EXPECT_LE(slices, 1u) << "a small batch stays on the caller's thread";
      }
      if (n >= 1000 && workers >= 2) {
        EXPECT_GE(slices, 2u);
      }
    }
  }
}

TEST(ParallelFor, CpuWorkersIsBetweenOneAndFour) {
  EXPECT_GE(CpuWorkers(), 1);
  EXPECT_LE(CpuWorkers(), 4);
}

}  // namespace
}  // namespace smd::common
