#!/usr/bin/env bash
# shellcheck disable=SC2317  # cleanup runs from traps
# Usage: tests/bench/run_alert_crash_check.sh [--cycles=20] [--demo-patients=300]
#                                             [--min-up-s=2] [--max-up-s=6] [DRIVER OPTIONS...]
#
# The crash loop of the probe behind issue 11, item 1: does every acknowledged alert reach
# a police officer and a grid worker while the server is killed with kill -9 again and
# again? Builds smd_bench_alert_crash and smd-server into build-bench/ (RelWithDebInfo, -j2),
# then, on a throwaway PostgreSQL 15 cluster (tests/support/with_postgres.sh, the test
# settings: durability off):
#
#   1. creates a database, migrates it (smd-server migrate) and seeds the demo data
#      (smd-server seed-demo --demo-patients, default 300);
#   2. starts smd-server as a child process on a free loopback port;
#   3. starts the driver (tests/bench/alert_crash_check.cc), which creates district-level
#      police and grid accounts and then, as the demo psychiatrist, registers patients in
#      every community and records risk 3-4 visits and severity-4 manual alerts at a modest
#      rate, retrying UNAVAILABLE with the same idempotency key;
#   4. kills the server with kill -9 after a random 2-6 s of service (--min-up-s, --max-up-s)
#      and restarts it on the same port, --cycles times (default 20);
#   5. lets the last server run, tells the driver to stop (the stop file holds the number
#      of kills); the driver finishes its writes in flight, checks the database as the
#      superuser and prints the figures and the verdict (docs/performance.md).
#
# Other options go to the driver: --rate=25 --threads=4 --register-pct=10 --manual-pct=10
# --call-timeout-ms=10000 --drain-s=60 --deadline-s=1800.
# Environment: SMD_BENCH_BUILD_DIR (default <repo>/build-bench), SMD_BENCH_JOBS (default 2),
# SMD_BENCH_NO_BUILD=1 to skip the build step, SMD_BENCH_SERVER=<path> to run the loop
# against another smd-server binary (e.g. a build from before ADR 0010, to see the check
# fail; its schema is detected).
#
# Exit status: the driver's (0 MET, 1 NOT MET, 4 INVALID: a call failed with a code other
# than UNAVAILABLE, 3 its deadline); 2 setup failure. Bounded: everything is stopped after
# 600 s + 15 s per cycle; the cluster is stopped and deleted either way.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
build_dir=${SMD_BENCH_BUILD_DIR:-$repo_root/build-bench}
jobs=${SMD_BENCH_JOBS:-2}
me=run_alert_crash_check

cycles=20
demo_patients=300
min_up=2
max_up=6
inner=0
driver_args=()
for a in "$@"; do
  case $a in
    --inner) inner=1 ;;
    --cycles=*) cycles=${a#*=} ;;
    --demo-patients=*) demo_patients=${a#*=} ;;
    --min-up-s=*) min_up=${a#*=} ;;
    --max-up-s=*) max_up=${a#*=} ;;
    *) driver_args+=("$a") ;;
  esac
done
for v in "$cycles" "$demo_patients" "$min_up" "$max_up"; do
  [[ "$v" =~ ^[0-9]+$ ]] || { echo "$me: bad option value $v" >&2; exit 2; }
done
((min_up >= 1 && max_up >= min_up)) || { echo "$me: need 1 <= --min-up-s <= --max-up-s" >&2; exit 2; }

server=${SMD_BENCH_SERVER:-$build_dir/server/smd-server}
driver=$build_dir/tests/bench/smd_bench_alert_crash

if ((inner == 0)); then
  if [[ "${SMD_BENCH_NO_BUILD:-0}" != 1 ]]; then
    mkdir -p "$build_dir"
    build_log=$build_dir/bench-build.log
    echo "$me: building smd_bench_alert_crash and smd-server in $build_dir (-j$jobs; log $build_log)"
    if ! { cmake -S "$repo_root" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
      cmake --build "$build_dir" --target smd_bench_alert_crash smd_server -j"$jobs"; } >"$build_log" 2>&1; then
      tail -n 30 "$build_log" >&2
      echo "$me: build failed (log: $build_log)" >&2
      exit 2
    fi
  fi
  for b in "$server" "$driver"; do
    [[ -x "$b" ]] || { echo "$me: $b not built" >&2; exit 2; }
  done
  # The same script runs again inside the cluster's wrapper, which exports SMD_TEST_PG*.
  exec timeout --kill-after=20 $((600 + 15 * cycles)) \
    "$repo_root/tests/support/with_postgres.sh" "$0" --inner "$@"
fi

# ---- inside with_postgres.sh ------------------------------------------------------------------
: "${SMD_TEST_PGHOST:?run through tests/bench/run_alert_crash_check.sh}"
t_start=$EPOCHREALTIME
db=smd_crash
pg="host=$SMD_TEST_PGHOST port=$SMD_TEST_PGPORT"
app_dsn="$pg user=smd_app dbname=$db"
work=$(mktemp -d "${TMPDIR:-/tmp}/smd-crash-XXXXXX")
server_log=$work/server.log
server_pid=
driver_pid=

cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  [[ -n "$driver_pid" ]] && kill -TERM "$driver_pid" 2>/dev/null && wait "$driver_pid" 2>/dev/null
  [[ -n "$server_pid" ]] && kill -KILL "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  if ((rc != 0 && rc != 1)) && [[ -s "$server_log" ]]; then
    echo "$me: exit $rc; last lines of the server log:" >&2
    tail -n 15 "$server_log" >&2
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

ms_since() { # ms_since EPOCHREALTIME_VALUE
  local now=$EPOCHREALTIME
  echo $(((${now/./} - ${1/./}) / 1000))
}

psql -X -q -v ON_ERROR_STOP=1 "$pg user=$SMD_TEST_SUPERUSER dbname=postgres" \
  -c "CREATE DATABASE $db OWNER smd_owner"
"$server" keygen --out "$work/keys" >/dev/null
"$server" migrate --database-url "$pg user=smd_owner dbname=$db" >"$work/migrate.log" 2>&1 ||
  { cat "$work/migrate.log" >&2; exit 2; }
"$server" seed-demo --database-url "$app_dsn" --key-file "$work/keys" \
  --demo-patients "$demo_patients" >"$work/seed.log"
echo "$me: seed-demo: $(head -n 1 "$work/seed.log")"

# A free loopback port, kept for every restart so the driver's channel finds the server.
port=
for _ in $(seq 1 50); do
  p=$((20000 + RANDOM % 40000))
  if [[ -z "$(ss -Hltn "sport = :$p")" ]]; then
    port=$p
    break
  fi
done
[[ -n "$port" ]] || { echo "$me: no free port" >&2; exit 2; }

started=0 # "listening" lines in the server log so far
: >"$server_log"
# Starts the server and waits until it listens (up to 30 s; a few tries if the port is
# briefly unavailable). Sets server_pid, and up_ms to the time it took.
start_server() {
  local t0=$EPOCHREALTIME try
  for try in 1 2 3 4 5; do
    "$server" serve --listen "127.0.0.1:$port" --insecure --database-url "$app_dsn" \
      --key-file "$work/keys" >>"$server_log" 2>&1 &
    server_pid=$!
    local waited=0
    while ((waited < 1500)); do
      if (($(grep -c 'smd-server listening on' "$server_log") > started)); then
        started=$((started + 1))
        up_ms=$(ms_since "$t0")
        return 0
      fi
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.02
      waited=$((waited + 1))
    done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
    echo "$me: the server did not come up (try $try)" >&2
    sleep 0.5
  done
  return 1
}

start_server || exit 2
echo "$me: smd-server (pid $server_pid) on 127.0.0.1:$port, up in $up_ms ms; log $server_log"

"$driver" --target="127.0.0.1:$port" --db="$db" --stop-file="$work/stop" \
  --ready-file="$work/ready" "${driver_args[@]}" &
driver_pid=$!
for _ in $(seq 1 1200); do
  [[ -e "$work/ready" ]] && break
  kill -0 "$driver_pid" 2>/dev/null || break
  sleep 0.1
done
if [[ ! -e "$work/ready" ]]; then
  echo "$me: the driver did not get ready" >&2
  exit 2
fi

# ---- the kill loop ----------------------------------------------------------------------------
echo "$me: $cycles cycles: kill -9 after a random ${min_up}-${max_up} s of service, restart on the same port"
kills=0
restart_ms=()
t_loop=$EPOCHREALTIME
for ((i = 1; i <= cycles; i++)); do
  up=$((min_up * 1000 + RANDOM % ((max_up - min_up) * 1000 + 1)))
  sleep "$((up / 1000)).$(printf '%03d' $((up % 1000)))"
  if ! kill -0 "$driver_pid" 2>/dev/null; then
    echo "$me: the driver exited during cycle $i" >&2
    break
  fi
  kill -KILL "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=
  kills=$((kills + 1))
  start_server || exit 2
  restart_ms+=("$up_ms")
done
loop_ms=$(ms_since "$t_loop")
# The writes held up by the last kill complete on the last server before the stop.
sleep 3
echo "$kills" >"$work/stop"
rc=0
wait "$driver_pid" || rc=$?
driver_pid=
kill -TERM "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true
server_pid=

if ((${#restart_ms[@]} > 0)); then
  sum=0 max=0
  for m in "${restart_ms[@]}"; do
    sum=$((sum + m))
    ((m > max)) && max=$m
  done
  restarts="restart (kill to listening) mean $((sum / ${#restart_ms[@]})) ms, max $max ms"
else
  restarts="no restarts"
fi
echo "$me: $kills kill -9 cycles in $((loop_ms / 1000)) s; $restarts; $started server starts" \
  "($(grep -c 'smd-server listening on' "$server_log") in the log); total $(($(ms_since "$t_start") / 1000)) s" \
  "including setup and the check; driver exit $rc"
exit "$rc"
