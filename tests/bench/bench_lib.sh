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
