#!/usr/bin/env bash
# Usage: tests/bench/run_gateway_bench.sh [BENCH OPTIONS...]
#
# What the web gateway adds (docs/performance.md "Web gateway"): GetPatient and
# RecordFollowUp directly over gRPC and through the gateway in the same run, beside an empty
# HTTP/2 request on loopback, and the first page load's compressed JavaScript. Driver:
# tests/bench/gateway_bench.ts (bundled here with the web client's esbuild), on the stack
# of the browser tests (clients/web/tests/browser/harness.mjs) in a throwaway PostgreSQL 15
# cluster (tests/support/with_postgres.sh, the test settings: durability off).
#
# Options go to the driver: --calls=400 --warmup=50 --block=1 --patients=200.
# Environment: SMD_SERVER_BIN (default: built here as build-bench/server/smd-server, see
# bench_lib.sh), SMD_BENCH_NO_BUILD=1 to skip building the server and the web client.
# Needs chromium-headless-shell (deploy/install-deps.sh). Bounded: stops after 900 s.
set -euo pipefail

# shellcheck source=tests/bench/bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
bench_web_driver run_gateway_bench gateway_bench.ts "$@"
