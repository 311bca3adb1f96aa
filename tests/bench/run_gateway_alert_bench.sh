#!/usr/bin/env bash
# Usage: tests/bench/run_gateway_alert_bench.sh [BENCH OPTIONS...]
#
# Alerts through the web gateway (docs/performance.md "Alerts through the web gateway"): N
# browser-like subscribers through the gateway (the Connect protocol the alert desk speaks)
# beside N direct gRPC subscribers, while the demo doctor raises alerts at R/s; every alert
# must reach every subscriber once. Driver: tests/bench/gateway_alert_bench.ts (bundled here
# with the web client's esbuild), on the browser tests' stack in a throwaway cluster.
#
# Options go to the driver: --subscribers=200 --rate=50 --seconds=20 --patients=60.
# Environment: SMD_SERVER_BIN (default: built here as build-bench/server/smd-server, see
# bench_lib.sh), SMD_BENCH_NO_BUILD=1 to skip building the server and the web client.
# Bounded: stops after 900 s.
set -euo pipefail

# shellcheck source=tests/bench/bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
web=$repo_root/clients/web
if [[ -z "${SMD_SERVER_BIN:-}" ]]; then
  bench_build run_gateway_alert_bench smd_server
  SMD_SERVER_BIN=$build_dir/server/smd-server
fi
[[ -x "$SMD_SERVER_BIN" ]] || { echo "run_gateway_alert_bench: no server binary $SMD_SERVER_BIN" >&2; exit 2; }
if [[ "${SMD_BENCH_NO_BUILD:-0}" != 1 ]]; then
  echo "run_gateway_alert_bench: building the web client (clients/web/scripts/build.sh)"
  "$web/scripts/build.sh" >/dev/null
fi
[[ -f "$web/dist/gateway.mjs" ]] || { echo "run_gateway_alert_bench: no $web/dist/gateway.mjs" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$web" && node -e '
  require("esbuild").build({
    entryPoints: [process.argv[1]], outfile: process.argv[2], bundle: true, platform: "node",
    target: "node18", format: "esm", logLevel: "warning", alias: { "@": process.cwd() + "/src" }, nodePaths: [process.cwd() + "/node_modules"],
    banner: { js: "import { createRequire as __cr } from \"node:module\"; const require = __cr(import.meta.url);" },
  }).catch(() => process.exit(2));
' "$repo_root/tests/bench/gateway_alert_bench.ts" "$work/gateway_alert_bench.mjs")

export SMD_SERVER_BIN SMD_WEB_ROOT=$web
timeout --kill-after=20 900 "$repo_root/tests/support/with_postgres.sh" node "$work/gateway_alert_bench.mjs" "$@"
