#!/usr/bin/env bash
# Usage: tests/bench/run_metrics_bench.sh [BENCH OPTIONS...]
#
# Builds smd_bench_metrics into build-bench/ (RelWithDebInfo, -j2) and runs it against a
# throwaway PostgreSQL 15 cluster started by tests/support/with_postgres.sh (the test
# settings: durability off). The bench generates a province-sized synthetic register
# (400,000 patients, ~8 million visits, loaded with COPY) and prints, each with MET / NOT MET
# against issue 15's targets: the time from the server's start to its first answered
# GetMetrics and RecordFollowUp (nothing built, everything built), the longest
# RecordFollowUp wait while a year is built, RecordFollowUp p50 with the figures kept and
# without, GetMetrics p50/p99 for every level and period kind, an arbitrary past date for a
# district and the province (recomputed), ListMetricPatients' first province page, and how
# soon a new visit shows in the figures (docs/performance.md "Metrics").
#
# Options are passed to the bench (defaults shown): --patients=400000 --visits-per-year=4
# --seed=20261123 --calls=40 --warmup=3 --recompute-calls=3 --province-recompute-calls=1
# --record-calls=300 --visible-checks=10 --first-year=0 (0: build last year only; 2021: every
# year, ~7 min each at 400k) --trace-calls=5 --threads=<CPUs> --chunk=200000
# --db-pool=<the server's default, runtime::DbPoolSize>
# --deadline-s=1700 --validate=1 --stop-after-load=0. The full run takes about 23 minutes on
# 2 cores; a smoke run: --patients=20000 (about 2 minutes), or SMD_BENCH_PATIENTS=20000 (the
# same; a --patients option given as well wins).
# Environment: SMD_BENCH_BUILD_DIR (default <repo>/build-bench), SMD_BENCH_JOBS (default 2),
# SMD_BENCH_NO_BUILD=1 to skip the build step, SMD_BENCH_TIMEOUT_S (default 1800).
#
# Bounded: the bench aborts itself after --deadline-s and this script stops everything after
# SMD_BENCH_TIMEOUT_S; the cluster is stopped and deleted either way. The full-scale database
# needs about 15 GB of free space where the cluster lives (/var/tmp as root, else $TMPDIR).
# Exit status 4: a RecordFollowUp or GetMetrics call failed, so every verdict is INVALID.
set -euo pipefail

# shellcheck source=tests/bench/bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
timeout_s=${SMD_BENCH_TIMEOUT_S:-1800}
bench_build run_metrics_bench smd_bench_metrics
bench=$(bench_binary run_metrics_bench smd_bench_metrics)

size=()
[[ -n "${SMD_BENCH_PATIENTS:-}" ]] && size=("--patients=$SMD_BENCH_PATIENTS")
exec timeout --kill-after=20 "$timeout_s" "$repo_root/tests/support/with_postgres.sh" "$bench" \
  "${size[@]}" "$@"
