// What the monitoring figures cost a call (issue 16 item 5: "no measurable cost"). Each
// unary call does, for telemetry, two steady_clock reads and one CallTelemetry::Record
// (a map lookup by method, an atomic add, a histogram observation: a short scan and two
// atomic adds); each transaction one histogram observation in the pool. This times exactly
// that work, on one thread and on two threads recording the same method at once (the
// worst case: the same cache lines), and prints it beside the per-call time of
// RecordFollowUp given by --call-us (from tests/bench/run_followup_bench.sh on the same
// machine: its "RecordFollowUp" mean latency) as a ratio.
//
// Usage: smd_bench_telemetry [--iterations=N] [--call-us=MICROSECONDS]
// No database; a few seconds. Run with tests/bench/run_telemetry_bench.sh.

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/match.h"
#include "api/call_telemetry.h"
#include "common/telemetry.h"
#include "runtime/monitoring.h"

namespace {

using Clock = std::chrono::steady_clock;

// One call's telemetry, as api/call_runner.cc and store/db.cc do it.
inline void OneCall(smd::api::CallTelemetry& calls, smd::common::telemetry::Histogram& pool,
                    const char* method) {
  const Clock::time_point start = Clock::now();
  pool.Observe(0.0);
  calls.Record(method, grpc::StatusCode::OK, Clock::now() - start);
}

// CPU time of the calling thread: on a shared, loaded machine wall time counts the time
// other processes ran; CPU time is what the telemetry itself costs.
double ThreadCpuNanos() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

double NanosPerCall(int threads, long iterations) {
  smd::api::CallTelemetry calls(smd::runtime::Monitoring::AllMethodNames());
  smd::common::telemetry::Histogram pool(smd::common::telemetry::Histogram::LatencyBounds());
  const char* method = "/smd.v1.FollowUpService/RecordFollowUp";
  std::vector<std::thread> workers;
  std::vector<double> cpu(static_cast<size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      const double c0 = ThreadCpuNanos();
      for (long i = 0; i < iterations; ++i) OneCall(calls, pool, method);
      cpu[static_cast<size_t>(t)] = ThreadCpuNanos() - c0;
    });
  }
  for (auto& w : workers) w.join();
  // Per call: the CPU time the threads spent, over the calls they recorded.
  double total = 0;
  for (double c : cpu) total += c;
  return total / (static_cast<double>(iterations) * threads);
}

}  // namespace

int main(int argc, char** argv) {
  long iterations = 2000000;
  double call_us = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (absl::StartsWith(a, "--iterations=")) {
      (void)absl::SimpleAtoi(a.substr(13), &iterations);
    } else if (absl::StartsWith(a, "--call-us=")) {
      (void)absl::SimpleAtod(a.substr(10), &call_us);
    } else {
      std::fprintf(stderr, "usage: %s [--iterations=N] [--call-us=MICROSECONDS]\n", argv[0]);
      return 2;
    }
  }
  NanosPerCall(1, iterations / 10);  // warm-up
  const double one = NanosPerCall(1, iterations);
  const double two = NanosPerCall(2, iterations);
  std::printf("smd_bench_telemetry: %ld calls' telemetry per thread\n", iterations);
  std::printf("  1 thread : %.1f ns CPU per call\n", one);
  std::printf("  2 threads: %.1f ns CPU per call (same method, contended)\n", two);
  if (call_us > 0) {
    const double worst = std::max(one, two);
    std::printf("  RecordFollowUp %.0f us per call: telemetry is %.5f%% of it (ratio %.2e)\n",
                call_us, 100.0 * worst / (call_us * 1000.0), worst / (call_us * 1000.0));
  }
  return 0;
}
