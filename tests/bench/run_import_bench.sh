#!/usr/bin/env bash
# Usage: tests/bench/run_import_bench.sh [BENCH OPTIONS...]
#
# Builds smd_bench_import into build-bench/ (RelWithDebInfo, -j2) and runs it against a
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

# shellcheck source=tests/bench/bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
bench_build run_import_bench smd_bench_import
bench=$(bench_binary run_import_bench smd_bench_import)

exec timeout --kill-after=20 900 "$repo_root/tests/support/with_postgres.sh" "$bench" "$@"
