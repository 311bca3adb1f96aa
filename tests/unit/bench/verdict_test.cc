// A benchmark's verdict on a target (tests/bench/verdict.h): a run with failed calls or
// failed pgbench transactions did not measure the target, so it is never MET.

#include "bench/verdict.h"

#include "gtest/gtest.h"

namespace smd::bench {
namespace {

TEST(BenchVerdict, MetOrNotMetOnlyWithoutFailures) {
  EXPECT_EQ(Verdict(true, RunFailures{}), "MET");
  EXPECT_EQ(Verdict(false, RunFailures{}), "NOT MET");
}

TEST(BenchVerdict, FailedCallsMakeItInvalidWithTheCounts) {
  RunFailures f;
  f.calls = 3;
  EXPECT_EQ(Verdict(true, f), "INVALID (3 failed calls, 0 failed pgbench transactions)");
  EXPECT_EQ(Verdict(false, f), "INVALID (3 failed calls, 0 failed pgbench transactions)");
}

TEST(BenchVerdict, FailedOrAbortedPgbenchMakesItInvalid) {
  RunFailures f;
  f.pgbench_tx = 7;
  EXPECT_EQ(Verdict(true, f), "INVALID (0 failed calls, 7 failed pgbench transactions)");
  f.pgbench_tx = 0;
  f.pgbench_aborted = 1;
  EXPECT_EQ(Verdict(true, f),
            "INVALID (0 failed calls, 0 failed pgbench transactions, 1 pgbench runs aborted)");
}

}  // namespace
}  // namespace smd::bench
