#pragma once
// The verdict of a benchmark on a target (tests/bench/, docs/performance.md). Header-only so
// that the unit tests can check it without the benches' server and database.

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"

namespace smd::bench {

// What went wrong during a run. A failed call or pgbench transaction did not do the work
// it stands for (an error returns early, or waits for a timeout), so a run with any of them
// did not measure the target: its verdicts are INVALID, whatever the figures say.
struct RunFailures {
  int64_t calls = 0;            // gRPC calls (or streams) that ended with an error
  int64_t pgbench_tx = 0;       // pgbench: "number of failed transactions"
  int64_t pgbench_aborted = 0;  // pgbench runs that exited with an error (counts incomplete)
  bool any() const { return calls != 0 || pgbench_tx != 0 || pgbench_aborted != 0; }
};

// "MET" or "NOT MET" when `failures` has none; otherwise "INVALID (<n> failed calls, <m>
// failed pgbench transactions[, <k> pgbench runs aborted])", whatever `met` says.
inline std::string Verdict(bool met, const RunFailures& failures) {
  if (!failures.any()) return met ? "MET" : "NOT MET";
  std::string out = absl::StrCat("INVALID (", failures.calls, " failed calls, ",
                                 failures.pgbench_tx, " failed pgbench transactions");
  if (failures.pgbench_aborted != 0) {
    absl::StrAppend(&out, ", ", failures.pgbench_aborted, " pgbench runs aborted");
  }
  return out + ")";
}

}  // namespace smd::bench
