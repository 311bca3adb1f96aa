#!/usr/bin/env bash
# Usage: tests/bench/run_followup_bench.sh [BENCH OPTIONS...]
#
# Builds smd_bench_followup into build-bench/ (RelWithDebInfo, -j2) and runs it against a
# throwaway PostgreSQL 15 cluster started by tests/support/with_postgres.sh (Unix socket,
# trust auth, fsync/full_page_writes/synchronous_commit off: the test settings, the same for
# the server and for pgbench). It prints RecordFollowUp at 16 in flight beside an empty gRPC
# call and pgbench running the same SQL, measured in the same run (docs/performance.md).
#
# Options are passed to the bench, e.g. --seconds=20 --inflight=16 --patients=1000
# --segments=2 --super-s=8 --warmup-s=3 --empty-s=8 --deadline-s=170 --idempotency-s=10
# (--idempotency-s=N, default 0: RecordFollowUp without and with an idempotency key, A B B A,
# N s each at --inflight and then one at a time; --all-plans=1 prints every profiled
# statement's plan as smd_app and as the superuser). --rpc=get_patient measures GetPatient the
# same way instead (issue 17; tests/bench/run_limits_bench.sh runs both).
# Environment: SMD_BENCH_BUILD_DIR (default <repo>/build-bench), SMD_BENCH_JOBS (default 2),
# SMD_BENCH_NO_BUILD=1 to skip the build step.
#
# Bounded: the bench aborts itself after --deadline-s (170 s by default) and this script
# stops everything after 240 s; the cluster is stopped and deleted either way. Exit status 4:
# a RecordFollowUp call or a pgbench transaction failed, so every verdict is INVALID.
set -euo pipefail

# shellcheck source=tests/bench/bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
bench_build run_followup_bench smd_bench_followup
bench=$(bench_binary run_followup_bench smd_bench_followup)

# timeout sends TERM to with_postgres.sh, which passes it on to the bench and then deletes
# the cluster; KILL follows 20 s later if anything hangs.
exec timeout --kill-after=20 240 "$repo_root/tests/support/with_postgres.sh" "$bench" "$@"
