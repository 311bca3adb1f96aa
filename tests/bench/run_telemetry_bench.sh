#!/usr/bin/env bash
# Usage: tests/bench/run_telemetry_bench.sh [--call-us=MICROSECONDS] [--iterations=N]
#
# Builds smd_bench_telemetry into build-bench/ and prints what the monitoring figures cost a
# call (tests/bench/telemetry_bench.cc), and, with --call-us (RecordFollowUp's mean latency
# from tests/bench/run_followup_bench.sh on the same machine), that cost as a fraction of a
# call. No database; a few seconds.
set -euo pipefail

# shellcheck source=tests/bench/bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
bench_build run_telemetry_bench smd_bench_telemetry
bench=$(bench_binary run_telemetry_bench smd_bench_telemetry)
exec timeout 120 "$bench" "$@"
