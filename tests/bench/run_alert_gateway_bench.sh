#!/usr/bin/env bash
# Usage: tests/bench/run_alert_gateway_bench.sh [BENCH OPTIONS...]
#
# Alert delivery through the web gateway (issue 13), like for like: 200 browser-like
# subscribers through the gateway and 200 direct gRPC subscribers, in separate phases
# (direct, gateway, gateway, direct) while 50 alerts/s are raised; every alert must reach
# every subscriber once; commit-to-client p50/p99 per phase and pooled per side, and what
# the gateway adds at p99. Driver: tests/bench/alert_gateway_bench.ts (bundled here with the
# web client's esbuild), on the stack of the browser tests in a throwaway PostgreSQL 15
# cluster.
#
# Options go to the driver: --subscribers=200 (each side) --rate=50 --seconds=10
# --patients=200 --rounds=2 --mode=phases|together (together: both sides at once)
# --pin=0|1 (1: the driver and the gateway on different CPUs, taskset; also SMD_BENCH_PIN=1).
# Also printed per phase: gateway / smd-server / driver CPU-seconds per 1,000 deliveries.
# Environment: SMD_SERVER_BIN (default: built here, see bench_lib.sh), SMD_BENCH_NO_BUILD=1
# to skip building the server and the web client. Bounded: stops after 900 s.
set -euo pipefail

# shellcheck source=tests/bench/bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
bench_web_driver run_alert_gateway_bench alert_gateway_bench.ts "$@"
