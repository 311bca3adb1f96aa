#!/usr/bin/env bash
# Usage: tests/bench/run_alert_gateway_bench.sh [BENCH OPTIONS...]
#
# Alert delivery through the web gateway (issue 13): 200 browser-like subscribers through
# the gateway and 20 direct gRPC subscribers, while 50 alerts/s are raised; every alert
# must reach every subscriber once; commit-to-client p50/p99 on both sides. Driver:
# tests/bench/alert_gateway_bench.ts (bundled here with the web client's esbuild), on the
# stack of the browser tests in a throwaway PostgreSQL 15 cluster.
#
# Options go to the driver: --subscribers=200 --direct=20 --rate=50 --seconds=10 --patients=200.
# Environment: SMD_SERVER_BIN (default: built here, see bench_lib.sh), SMD_BENCH_NO_BUILD=1
# to skip building the server and the web client. Bounded: stops after 900 s.
set -euo pipefail

# shellcheck source=tests/bench/bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
web=$repo_root/clients/web
if [[ -z "${SMD_SERVER_BIN:-}" ]]; then
  bench_build run_alert_gateway_bench smd_server
  SMD_SERVER_BIN=$build_dir/server/smd-server
fi
[[ -x "$SMD_SERVER_BIN" ]] || { echo "run_alert_gateway_bench: no server binary $SMD_SERVER_BIN" >&2; exit 2; }
if [[ "${SMD_BENCH_NO_BUILD:-0}" != 1 ]]; then
  echo "run_alert_gateway_bench: building the web client (clients/web/scripts/build.sh)"
  "$web/scripts/build.sh" >/dev/null
fi
[[ -f "$web/dist/gateway.mjs" ]] || { echo "run_alert_gateway_bench: no $web/dist/gateway.mjs" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$web" && node -e '
  require("esbuild").build({
    entryPoints: [process.argv[1]], outfile: process.argv[2], bundle: true, platform: "node",
    target: "node18", format: "esm", logLevel: "warning", alias: { "@": process.cwd() + "/src" }, nodePaths: [process.cwd() + "/node_modules"],
    banner: { js: "import { createRequire as __cr } from \"node:module\"; const require = __cr(import.meta.url);" },
  }).catch(() => process.exit(2));
' "$repo_root/tests/bench/alert_gateway_bench.ts" "$work/alert_gateway_bench.mjs")

export SMD_SERVER_BIN SMD_WEB_ROOT=$web
timeout --kill-after=20 900 "$repo_root/tests/support/with_postgres.sh" node "$work/alert_gateway_bench.mjs" "$@"
