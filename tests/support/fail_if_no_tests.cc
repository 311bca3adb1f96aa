// Linked into every gtest binary (smd_unit_tests, smd_integration_tests): a run that selects
// no test fails. gtest 1.12 (Debian 12) exits 0 when --gtest_filter or GTEST_FILTER matches
// nothing, so a mistyped filter, a renamed suite or a ctest entry whose test was removed
// would pass while proving nothing. gtest_discover_tests' --gtest_list_tests is not a run
// (gtest lists and returns before any listener is called), so discovery is unaffected.
// Sharded runs (GTEST_TOTAL_SHARDS), where a shard may legitimately be empty, are not used.

#include <cstdio>

#include "gtest/gtest.h"

namespace {

class FailIfNoTestRan : public ::testing::EmptyTestEventListener {
  void OnTestIterationEnd(const ::testing::UnitTest& unit_test, int /*iteration*/) override {
    if (unit_test.test_to_run_count() == 0) {
      // Recorded on the run's ad hoc result, which makes RUN_ALL_TESTS return 1.
      ADD_FAILURE() << "no test was selected to run (check --gtest_filter / GTEST_FILTER): "
                       "a run of zero tests proves nothing and fails";
    }
  }
};

[[maybe_unused]] const bool kRegistered = [] {
  ::testing::UnitTest::GetInstance()->listeners().Append(new FailIfNoTestRan);
  return true;
}();

}  // namespace
