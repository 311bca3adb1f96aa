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

# shellcheck source=tests/bench/bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
bench_build run_audit_bench smd_bench_audit
bench=$(bench_binary run_audit_bench smd_bench_audit)

exec timeout --kill-after=20 1800 "$repo_root/tests/support/with_postgres.sh" "$bench" "$@"
