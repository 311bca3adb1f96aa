#!/usr/bin/env bash
# Usage: tests/bench/run_audit_bench.sh [BENCH OPTIONS...]
#
# Builds smd_bench_audit into build-bench/ (RelWithDebInfo, -j2) and runs it against a
# throwaway PostgreSQL 15 cluster (tests/support/with_postgres.sh, the test settings:
# durability off). It loads 1,000,000 synthetic audit rows as smd_app, seals them with the
# server's sealer, and times the audit chain verification beside a plain read and SHA-256
# of the same rows in the same run (docs/performance.md).
#
# Options go to the bench: --rows=1000000 --rows-per-tx=100 --verify-reps=3
# --deadline-s=1500. Environment: SMD_BENCH_BUILD_DIR (default <repo>/build-bench),
# SMD_BENCH_JOBS (default 2), SMD_BENCH_NO_BUILD=1 to skip the build step. Bounded: the
# script stops everything after 1800 s. The database needs about 1 GB of free space where
# the cluster lives (/var/tmp as root, else $TMPDIR).
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
build_dir=${SMD_BENCH_BUILD_DIR:-$repo_root/build-bench}
jobs=${SMD_BENCH_JOBS:-2}

if [[ "${SMD_BENCH_NO_BUILD:-0}" != 1 ]]; then
  mkdir -p "$build_dir"
  build_log=$build_dir/bench-build.log
  echo "run_audit_bench: building smd_bench_audit in $build_dir (-j$jobs; log $build_log)"
  if ! { cmake -S "$repo_root" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
    cmake --build "$build_dir" --target smd_bench_audit -j"$jobs"; } >"$build_log" 2>&1; then
    tail -n 30 "$build_log" >&2
    echo "run_audit_bench: build failed (log: $build_log)" >&2
    exit 2
  fi
fi

bench=$build_dir/tests/bench/smd_bench_audit
if [[ ! -x "$bench" ]]; then
  echo "run_audit_bench: $bench not built" >&2
  exit 2
fi

exec timeout --kill-after=20 1800 "$repo_root/tests/support/with_postgres.sh" "$bench" "$@"
