#pragma once
// A small fork-join helper for CPU-bound work on independent items (the validation and
// encryption of an import batch, app/patient_use_cases.cc): the calling thread and up to
// `workers - 1` short-lived threads each take a contiguous slice of [0, n).

#include <cstddef>
#include <functional>

namespace smd::common {

// The worker count for CPU-bound work on this machine: the hardware threads, at least 1,
// at most 4 (more would only compete with the server's own executors).
int CpuWorkers();

// Calls fn(begin, end) on disjoint slices covering [0, n), at most `workers` at a time
// (the caller's thread runs one of them), and returns when all have returned. Slices of
// fewer than `min_slice` items are not split further, so a small n runs on the caller's
// thread alone. fn must not throw and must be safe to run concurrently on disjoint slices.
void ParallelFor(size_t n, int workers, size_t min_slice,
                 const std::function<void(size_t begin, size_t end)>& fn);

}  // namespace smd::common
