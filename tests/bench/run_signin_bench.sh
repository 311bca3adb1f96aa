#!/usr/bin/env bash
# Usage: tests/bench/run_signin_bench.sh [BENCH OPTIONS...]
#
# Builds smd_bench_signin into build-bench/ (RelWithDebInfo, -j2) and runs it against a
# throwaway PostgreSQL 15 cluster (tests/support/with_postgres.sh, the test settings:
# durability off). It generates 100,000 synthetic registry rows, imports them through
# ImportPatients in batches of 1000 (as smdctl does), imports them again (all skipped), and
# prints the rates beside PostgreSQL's COPY of the same rows (docs/performance.md).
#
# Options go to the bench: --rows=100000 --batch=1000 --inflight=1 --deadline-s=600.
# Environment: SMD_BENCH_BUILD_DIR (default <repo>/build-bench), SMD_BENCH_JOBS (default 2),
# SMD_BENCH_NO_BUILD=1 to skip the build step. Bounded: the script stops everything after
# 900 s.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
build_dir=${SMD_BENCH_BUILD_DIR:-$repo_root/build-bench}
jobs=${SMD_BENCH_JOBS:-2}

if [[ "${SMD_BENCH_NO_BUILD:-0}" != 1 ]]; then
  mkdir -p "$build_dir"
  build_log=$build_dir/bench-build.log
  echo "run_signin_bench: building smd_bench_signin in $build_dir (-j$jobs; log $build_log)"
  if ! { cmake -S "$repo_root" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
    cmake --build "$build_dir" --target smd_bench_signin -j"$jobs"; } >"$build_log" 2>&1; then
    tail -n 30 "$build_log" >&2
    echo "run_signin_bench: build failed (log: $build_log)" >&2
    exit 2
  fi
fi

bench=$build_dir/tests/bench/smd_bench_signin
if [[ ! -x "$bench" ]]; then
  echo "run_signin_bench: $bench not built" >&2
  exit 2
fi

exec timeout --kill-after=20 900 "$repo_root/tests/support/with_postgres.sh" "$bench" "$@"
