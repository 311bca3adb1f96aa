# Sourced by tests/bench/run_*.sh: the build step every bench script shares.
#
# Sets repo_root, build_dir (SMD_BENCH_BUILD_DIR, default <repo>/build-bench) and jobs
# (SMD_BENCH_JOBS, default 2).
#   bench_build NAME TARGET...  builds the targets (RelWithDebInfo, -j$jobs) into $build_dir,
#                               unless SMD_BENCH_NO_BUILD=1; on failure prints the log's tail
#                               and exits 2. NAME prefixes the messages.
#   bench_binary NAME TARGET    prints the path of a built bench program; exits 2 when absent.
# shellcheck shell=bash

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
build_dir=${SMD_BENCH_BUILD_DIR:-$repo_root/build-bench}
jobs=${SMD_BENCH_JOBS:-2}

bench_build() {
  local name=$1
  shift
  [[ "${SMD_BENCH_NO_BUILD:-0}" == 1 ]] && return 0
  mkdir -p "$build_dir"
  local log=$build_dir/bench-build.log
  echo "$name: building $* in $build_dir (-j$jobs; log $log)"
  if ! { cmake -S "$repo_root" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
    cmake --build "$build_dir" --target "$@" -j"$jobs"; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "$name: build failed (log: $log)" >&2
    exit 2
  fi
}

bench_binary() {
  local name=$1 bin=$build_dir/tests/bench/$2
  if [[ ! -x "$bin" ]]; then
    echo "$name: $bin not built" >&2
    exit 2
  fi
  echo "$bin"
}

# bench_web_driver NAME DRIVER_TS: the web benches' common start (run_gateway_bench.sh,
# run_alert_gateway_bench.sh). Sets SMD_SERVER_BIN (built here unless given), builds the web
# client unless SMD_BENCH_NO_BUILD=1, bundles tests/bench/DRIVER_TS with the web client's
# esbuild into a temporary folder, and runs it under a throwaway cluster
# (tests/support/with_postgres.sh) with the remaining arguments, bounded to 900 s.
bench_web_driver() {
  local name=$1 driver=$2
  shift 2
  local web=$repo_root/clients/web
  if [[ -z "${SMD_SERVER_BIN:-}" ]]; then
    bench_build "$name" smd_server
    SMD_SERVER_BIN=$build_dir/server/smd-server
  fi
  [[ -x "$SMD_SERVER_BIN" ]] || { echo "$name: no server binary $SMD_SERVER_BIN" >&2; exit 2; }
  if [[ "${SMD_BENCH_NO_BUILD:-0}" != 1 ]]; then
    echo "$name: building the web client (clients/web/scripts/build.sh)"
    "$web/scripts/build.sh" >/dev/null
  fi
  [[ -f "$web/dist/gateway.mjs" ]] || { echo "$name: no $web/dist/gateway.mjs" >&2; exit 2; }
  local work
  work=$(mktemp -d)
  # shellcheck disable=SC2064  # expand now: $work is local
  trap "rm -rf '$work'" EXIT
  (cd "$web" && node -e '
    require("esbuild").build({
      entryPoints: [process.argv[1]], outfile: process.argv[2], bundle: true, platform: "node",
      target: "node18", format: "esm", logLevel: "warning", alias: { "@": process.cwd() + "/src" }, nodePaths: [process.cwd() + "/node_modules"],
      banner: { js: "import { createRequire as __cr } from \"node:module\"; const require = __cr(import.meta.url);" },
    }).catch(() => process.exit(2));
  ' "$repo_root/tests/bench/$driver" "$work/driver.mjs")
  export SMD_SERVER_BIN SMD_WEB_ROOT=$web
  timeout --kill-after=20 900 "$repo_root/tests/support/with_postgres.sh" node "$work/driver.mjs" "$@"
}
