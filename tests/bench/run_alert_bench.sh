#!/usr/bin/env bash
# Usage: tests/bench/run_alert_bench.sh [BENCH OPTIONS...]
#
# Builds smd_bench_alerts and smd-server into build-bench/ (RelWithDebInfo, -j2) and runs the
# bench against a throwaway PostgreSQL 15 cluster started by tests/support/with_postgres.sh
# (the test settings: durability off). It opens 1,000 subscriber streams, raises 200
# alerts/s for 60 s, checks that every copy reached its recipient exactly once, and prints
# commit-to-delivery p50/p99 and the server's memory and CPU beside an empty gRPC call and
# a NOTIFY round trip measured in the same run (docs/performance.md).
#
# Province mode (issue 17 item 4): SMD_BENCH_STREAMS=10000 (or --streams=10000) opens that
# many streams, a grid worker and a police officer in each of 5,000 communities with one
# patient each, raises 200 alerts/s and prints delivered/expected, commit-to-delivery p99
# and the server's peak RSS against the targets (p99 <= 50 ms, RSS <= 300 MB), MET / NOT MET.
#
# Options are passed to the bench, e.g. --subscribers=1000 --rate=200 --seconds=60
# --warmup-s=3 --patients=500 --team=3 --db-pool=8 --channels=8 --deadline-s=240.
# Environment: SMD_BENCH_BUILD_DIR (default <repo>/build-bench), SMD_BENCH_JOBS (default 2),
# SMD_BENCH_NO_BUILD=1 to skip the build step.
#
# Bounded: the bench aborts itself after --deadline-s and this script stops everything
# after 300 s (900 s in province mode); the cluster is stopped and deleted either way. Exit status 1 means a copy
# was lost or duplicated; 4 that a call or stream failed, so the verdict is INVALID.
set -euo pipefail

# shellcheck source=tests/bench/bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
bench_build run_alert_bench smd_bench_alerts smd_server
bench=$(bench_binary run_alert_bench smd_bench_alerts)

# A thousand streams (ten thousand in province mode) need more descriptors than the usual soft limit of 1024.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true

limit=300
extra=()
if [[ -n "${SMD_BENCH_STREAMS:-}" ]]; then
  extra=(--streams="$SMD_BENCH_STREAMS" --channels=16 --deadline-s=840)
  limit=900
fi
exec timeout --kill-after=20 "$limit" "$repo_root/tests/support/with_postgres.sh" "$bench" "${extra[@]}" "$@"
