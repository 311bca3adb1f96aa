#!/usr/bin/env bash
# Usage: tests/bench/run_lists_bench.sh [BENCH OPTIONS...]
#
# Builds smd_bench_lists into build-bench/ (RelWithDebInfo, -j2) and runs it against a
# throwaway PostgreSQL 15 cluster (tests/support/with_postgres.sh, the test settings:
# durability off). It loads a province's register (400,000 patients over 99 districts
# besides the demo one, with their follow-up schedules) and prints p50/p99 of the worklists
# (every ListWorklist kind, ListTeamGaps), SearchPatients (by name, by ID number, the plain
# listing), ListTransfers (200,000 transfers) and ListMetricPatients (today's kept states) for
# the demo community doctor and district psychiatrist, first page and 6th page, with MET /
# NOT MET against p99 <= 50 ms (docs/performance.md "Lists at province scale").
#
# Options go to the bench: --patients=400000 --districts=100 --calls=200 --deadline-s=1500;
# --explain=1 also prints the plans of the worklist, transfer and register statements as the
# app role.
# Environment: SMD_BENCH_PATIENTS shrinks the register (e.g. 40000 for a quick look);
# SMD_BENCH_BUILD_DIR (default <repo>/build-bench), SMD_BENCH_JOBS (default 2),
# SMD_BENCH_NO_BUILD=1 to skip the build step. Bounded: the script stops everything after
# 1800 s.
set -euo pipefail

# shellcheck source=tests/bench/bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
bench_build run_lists_bench smd_bench_lists
bench=$(bench_binary run_lists_bench smd_bench_lists)

exec timeout --kill-after=20 1800 "$repo_root/tests/support/with_postgres.sh" "$bench" "$@"
