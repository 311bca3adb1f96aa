#!/usr/bin/env bash
# shellcheck disable=SC2317  # cleanup runs from traps
# The high-availability test (ctest ha_failover, label ha; docs/operations.md "High
# availability and failover"):
#   tests/ha/ha_failover.sh SMD_SERVER SMD_HA_CLIENT
#
# On loopback, with the recipe's own scripts and configuration (deploy/ha/): a
# pg_auto_failover monitor (create-monitor.sh, monitor.conf timings) and two data nodes
# (create-node.sh: synchronous standby, tuned keeper timeouts); the smd schema and demo
# data; two smd-server processes on the multi-host URI (target_session_attrs=read-write)
# behind haproxy (deploy/ha/haproxy.cfg, with its gRPC health check); then
# tests/ha/ha_client.cc writes through haproxy with idempotency keys and follows the grid
# worker's alerts while this script
#   1. kills the primary node with kill -9 (its keeper, its postmaster and every backend:
#      a crashed machine), waits for the standby to take over, restarts the old node's
#      keeper, which rejoins as the standby;
#   2. runs a planned switchover (pg_autoctl perform switchover) and waits until both
#      nodes are back in place;
# and the client checks: service back within 15 s of the kill, no acknowledged write lost
# or written twice, every alert of the grid worker received exactly once and in order,
# writes refused over at most 2 s of the switchover. It prints the figures.
#
# Needs pg_autoctl (pg-auto-failover-cli, postgresql-15-auto-failover) and haproxy
# (deploy/install-deps.sh). As root the PostgreSQL side runs as the postgres OS user.
# Bounded: the client's own deadline, and ctest's TIMEOUT.
set -euo pipefail

server_bin=$(realpath "$1")
client_bin=$(realpath "$2")
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
# shellcheck source=deploy/lib/pg-private.sh
source "$repo_root/deploy/lib/pg-private.sh"
me=ha_failover
pgbin=$SMD_PG_BINDIR
for tool in pg_autoctl haproxy python3; do
  command -v "$tool" >/dev/null || { echo "$me: $tool not installed (deploy/install-deps.sh)" >&2; exit 1; }
done

t_start=$EPOCHREALTIME
unique=$$-$RANDOM
if pgp_is_root; then top=/var/tmp/smd-ha-$unique; else top=${TMPDIR:-/tmp}/smd-ha-$unique; fi
mkdir -m 0700 "$top"
pgp_is_root && chown postgres:postgres "$top"
work=$(mktemp -d)  # keys, certificates, logs, the client's control files: the smd side
keeper_pids=()      # runuser/pg_autoctl run processes started here, by node
declare -A keeper_of=()
server_pids=()
haproxy_pid=""
client_pid=""

# Every process below a pid (children first), by parent id, from /proc (procps may be absent).
children() {
  local f stat
  for f in /proc/[0-9]*/stat; do
    { stat=$(<"$f"); } 2>/dev/null || continue
    stat=${stat##*) }  # after the command name, which may hold spaces
    read -r _ ppid _ <<<"$stat"
    [[ "$ppid" == "$1" ]] && { f=${f#/proc/}; echo "${f%/stat}"; }
  done
}
descendants() {
  local c
  for c in $(children "$1"); do
    descendants "$c"
    echo "$c"
  done
}
stop_tree() {  # stop_tree PID SIGNAL: the process and everything below it
  local pids
  pids=$(descendants "$1"; echo "$1")
  # shellcheck disable=SC2086
  kill "-$2" $pids 2>/dev/null || true
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP PIPE
  set +e  # a `wait` for a process stopped here returns its signal status
  [[ -n "$client_pid" ]] && { kill -TERM "$client_pid" 2>/dev/null; wait "$client_pid" 2>/dev/null; }
  [[ -n "$haproxy_pid" ]] && { kill -TERM "$haproxy_pid" 2>/dev/null; wait "$haproxy_pid" 2>/dev/null; }
  for p in "${server_pids[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  for p in "${keeper_pids[@]}"; do stop_tree "$p" TERM; done
  for p in "${keeper_pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    stop_tree "$p" KILL
    wait "$p" 2>/dev/null
  done
  for d in "$top"/monitor "$top"/node1 "$top"/node2; do
    [[ -f "$d/postmaster.pid" ]] && as_pg "$pgbin/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1
  done
  if ((rc != 0)); then
    for f in "$work"/server-*.log "$work"/haproxy.log "$top"/*.log; do
      [[ -f "$f" ]] && { echo "--- $f" >&2; tail -n 25 "$f" >&2; }
    done
  fi
  if [[ -n "${SMD_HA_KEEP:-}" ]]; then echo "$me: kept $top and $work" >&2; else rm -rf "$top" "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE  # a closed output pipe must still run the cleanup
fail() { echo "$me: FAILED: $*" >&2; exit 1; }
step() { printf -- '--- [%5.1f s] %s\n' "$(elapsed)" "$*"; }
elapsed() { local now=$EPOCHREALTIME; echo "$(((${now/./} - ${t_start/./}) / 1000))e-3" | awk '{printf "%.1f", $1}'; }

# pg_autoctl keeps its configuration and state under the XDG directories: private ones.
xdg="XDG_CONFIG_HOME=$top/xdg/config XDG_DATA_HOME=$top/xdg/data XDG_RUNTIME_DIR=$top/xdg/run"
as_pg() {
  # shellcheck disable=SC2086
  if pgp_is_root; then
    (cd / && runuser -u postgres -- env $xdg PATH="$pgbin:/usr/bin:/bin" "$@")
  else
    env $xdg PATH="$pgbin:$PATH" "$@"
  fi
}
as_pg mkdir -p -m 0700 "$top/xdg/config" "$top/xdg/data" "$top/xdg/run"

# Free loopback ports, all different.
read -r p_mon p_n1 p_n2 p_s1 p_s2 p_grpc p_web p_g1 p_g2 < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(9)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))')

monitor_uri="postgres://autoctl_node@127.0.0.1:$p_mon/pg_auto_failover?sslmode=disable"
state() { as_pg pg_autoctl show state --pgdata "$top/monitor" 2>/dev/null; }
# wait_state SECONDS NODE REPORTED [NODE REPORTED]: until each node reports and is assigned
# that state.
wait_state() {
  local limit=$1 i
  shift
  for ((i = 0; i < limit * 5; i++)); do
    local s ok=1 args=("$@")
    s=$(state) || true
    while ((${#args[@]})); do
      grep -qE "^ *${args[0]} .*\| +${args[1]} +\| +${args[1]} *$" <<<"$s" || ok=0
      args=("${args[@]:2}")
    done
    ((ok)) && return 0
    sleep 0.2
  done
  state >&2 || true
  return 1
}
run_keeper() {  # run_keeper NAME: pg_autoctl run for that data directory, in the background
  # In a session of its own: pg_autoctl signals its whole process group when it stops.
  as_pg setsid pg_autoctl run --pgdata "$top/$1" >>"$top/$1.log" 2>&1 &
  keeper_of[$1]=$!
  keeper_pids+=("$!")
}
primary_name() { state | awk -F'|' '$6 ~ /primary/ && $7 ~ /primary/ {gsub(/ /, "", $1); print $1}'; }

step "pg_auto_failover monitor (deploy/ha/create-monitor.sh, monitor.conf timings) on port $p_mon"
as_pg "$repo_root/deploy/ha/create-monitor.sh" "$top/monitor" "$p_mon" 127.0.0.1 \
  --auth trust --no-ssl >"$top/create-monitor.log" 2>&1 || { cat "$top/create-monitor.log" >&2; fail "create monitor"; }
run_keeper monitor
for _ in $(seq 1 150); do state >/dev/null && break; sleep 0.2; done
state >/dev/null || fail "the monitor did not start"
as_pg psql -X -qAt -h 127.0.0.1 -p "$p_mon" -d pg_auto_failover -c \
  "SELECT string_agg(name || '=' || setting, ' ' ORDER BY name) FROM pg_settings WHERE name LIKE 'pgautofailover.%timeout' OR name LIKE 'pgautofailover.health_check%'"

step "node1 (deploy/ha/create-node.sh) on port $p_n1: the primary"
as_pg "$repo_root/deploy/ha/create-node.sh" "$top/node1" "$p_n1" 127.0.0.1 node1 "$monitor_uri" \
  --listen 127.0.0.1 --auth trust --no-ssl >"$top/create-node1.log" 2>&1 || { cat "$top/create-node1.log" >&2; fail "create node1"; }
run_keeper node1
wait_state 60 node1 single || fail "node1 did not become the single primary"

step "the smd database on the primary: roles, schema, audit protection, demo data"
psql_n1() { as_pg psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$p_n1" -U postgres "$@"; }
# The keeper may still be restarting PostgreSQL with its final settings.
for _ in $(seq 1 150); do psql_n1 -d postgres -c "SELECT 1" >/dev/null 2>&1 && break; sleep 0.2; done
psql_n1 -d postgres -f "$repo_root/deploy/postgres/roles.sql" >/dev/null
psql_n1 -d postgres -f "$repo_root/deploy/postgres/create-db.sql" >/dev/null
# The URI smd-server takes: both nodes; libpq keeps the one that takes writes; a host that
# does not answer is given up after 2 s; dead peers are noticed by TCP keepalives and the
# user timeout.
uri_base="postgresql://127.0.0.1:$p_n1,127.0.0.1:$p_n2/smd?target_session_attrs=read-write&connect_timeout=2&keepalives=1&keepalives_idle=5&keepalives_interval=2&keepalives_count=3&tcp_user_timeout=10000"
"$server_bin" migrate --database-url "$uri_base&user=smd_owner" >"$work/migrate.log" 2>&1 ||
  { cat "$work/migrate.log" >&2; fail "migrate"; }
psql_n1 -d smd -f "$repo_root/deploy/postgres/protect-audit.sql" >/dev/null
"$server_bin" keygen --out "$work/smd.keys" >/dev/null
"$server_bin" seed-demo --database-url "$uri_base&user=smd_app" --key-file "$work/smd.keys" \
  --password-log2-n 4 --demo-patients 10 >/dev/null 2>"$work/seed.log" || { cat "$work/seed.log" >&2; fail "seed"; }

step "node2 on port $p_n2: the synchronous standby"
# pg_basebackup asks for a spread checkpoint: flush the schema and seed first, so that it
# has nothing left to spread over minutes.
psql_n1 -d postgres -c CHECKPOINT
as_pg "$repo_root/deploy/ha/create-node.sh" "$top/node2" "$p_n2" 127.0.0.1 node2 "$monitor_uri" \
  --listen 127.0.0.1 --auth trust --no-ssl >"$top/create-node2.log" 2>&1 || { cat "$top/create-node2.log" >&2; fail "create node2"; }
run_keeper node2
wait_state 120 node1 primary node2 secondary || fail "node2 did not become the standby"
sync=$(psql_n1 -d postgres -Atc "SELECT current_setting('synchronous_standby_names') || ' / synchronous_commit=' || current_setting('synchronous_commit')")
echo "replication on the primary: synchronous_standby_names=$sync"
[[ "$sync" == ANY\ 1* ]] || fail "the standby is not synchronous ($sync)"

# The recipe's failover wait (deploy/ha/smd-ha.env.example). A server from before it (to
# see the test fail on it) runs without.
wait_flag=(--db-failover-wait-ms 10000)
"$server_bin" --help 2>&1 | grep -q db-failover-wait-ms || { wait_flag=(); echo "(this smd-server has no --db-failover-wait-ms)"; }
step "two smd-servers (TLS) on the multi-host URI, haproxy (deploy/ha/haproxy.cfg) on port $p_grpc"
"$repo_root/deploy/tls/make-dev-certs.sh" "$work/tls" >/dev/null 2>&1
for i in 1 2; do
  port_var=p_s$i
  "$server_bin" serve --listen "127.0.0.1:${!port_var}" --database-url "$uri_base&user=smd_app" \
    --key-file "$work/smd.keys" --tls-cert "$work/tls/server.pem" --tls-key "$work/tls/server.key" \
    --audit-anchor-file "$work/audit-anchor-$i.log" "${wait_flag[@]}" \
    >"$work/server-$i.log" 2>&1 &
  server_pids+=("$!")
done
for i in 1 2; do
  for _ in $(seq 1 300); do grep -q "smd-server listening" "$work/server-$i.log" && break; sleep 0.1; done
  grep -q "smd-server listening" "$work/server-$i.log" || fail "smd-server $i did not start"
done
cat >"$work/haproxy-admin.cfg" <<CFG
global
    stats socket $work/haproxy.sock mode 600 level admin
CFG
SMD_GRPC_BIND=127.0.0.1:$p_grpc SMD_SERVER_1=127.0.0.1:$p_s1 SMD_SERVER_2=127.0.0.1:$p_s2 \
  SMD_WEB_BIND=127.0.0.1:$p_web SMD_GATEWAY_1=127.0.0.1:$p_g1 SMD_GATEWAY_2=127.0.0.1:$p_g2 \
  SMD_CHECK_CA=$work/tls/ca.pem SMD_CHECK_SNI=localhost \
  setsid haproxy -db -f "$work/haproxy-admin.cfg" -f "$repo_root/deploy/ha/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
haproxy_pid=$!  # (setsid: haproxy signals its process group when it stops)
haproxy_cmd() {
  python3 - "$work/haproxy.sock" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall((sys.argv[2] + "\n").encode())
out = b""
while True:
    b = s.recv(65536)
    if not b: break
    out += b
print(out.decode(), end="")
PY
}
# Both servers UP by the gRPC health check (srv_op_state 2).
servers_up() { haproxy_cmd "show servers state smd_servers" 2>/dev/null | awk '$4 ~ /^smd[0-9]+$/ && $6 == 2' | wc -l; }
for _ in $(seq 1 100); do (($(servers_up) == 2)) && break; sleep 0.2; done
(($(servers_up) == 2)) || { haproxy_cmd "show servers state smd_servers" >&2; fail "haproxy does not see both servers SERVING"; }
echo "haproxy: both smd-servers UP by their gRPC health check"

step "writers and the alert subscriber through haproxy"
ctl=$work/ctl
mkdir "$ctl"
super_uri="postgresql://127.0.0.1:$p_n1,127.0.0.1:$p_n2/smd?target_session_attrs=read-write&connect_timeout=2&user=postgres"
"$client_bin" --target="localhost:$p_grpc" --ca="$work/tls/ca.pem" --super-dsn="$super_uri" \
  --control-dir="$ctl" >"$work/client.log" 2>&1 &
client_pid=$!
for _ in $(seq 1 300); do [[ -e "$ctl/ready" ]] && break; kill -0 "$client_pid" 2>/dev/null || break; sleep 0.1; done
[[ -e "$ctl/ready" ]] || { cat "$work/client.log" >&2; fail "the client did not start"; }
sleep 5  # writes and alerts before the failure (the figures need a baseline, not a wait for a state)

old=$(primary_name)
[[ -n "$old" ]] || fail "no primary"
step "kill -9 of the primary $old: its keeper, postmaster and backends (a crashed machine)"
pm=$(head -n 1 "$top/$old/postmaster.pid")
# The keeper's tree, and the postmaster's (pg_ctl may have left it to init) with its backends.
victims=$(descendants "${keeper_of[$old]}"; echo "${keeper_of[$old]}"; descendants "$pm"; echo "$pm")
# Freeze them all first, so that no keeper restarts its PostgreSQL in between, then kill.
# shellcheck disable=SC2086
kill -STOP $victims
date +%s.%N >"$ctl/kill"
# shellcheck disable=SC2086
kill -KILL $victims
wait "${keeper_of[$old]}" 2>/dev/null || true
gone() { [[ ! -e /proc/$1 ]] || [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) == Z ]]; }
for _ in $(seq 1 50); do gone "$pm" && break; sleep 0.1; done
gone "$pm" || fail "postmaster $pm survived"
new=node1
[[ "$old" == node1 ]] && new=node2
wait_state 60 "$new" wait_primary || fail "$new was not promoted"
echo "promoted: $new (wait_primary) $(python3 -c "import time, sys; print('%.1f' % (time.time() - float(open(sys.argv[1]).read())))" "$ctl/kill") s after the kill"

step "the old primary's keeper restarts: $old rejoins as the standby"
run_keeper "$old"
wait_state 180 "$new" primary "$old" secondary || fail "$old did not rejoin as the standby"
sleep 3

step "planned switchover (pg_autoctl perform switchover)"
date +%s.%N >"$ctl/switchover"
# pg_auto_failover 2.0 (Debian 12) can fail the command on a deadlock inside the monitor
# between perform_failover and a keeper's node_active (hapostgres/pg_auto_failover#1004;
# retried by pg_autoctl itself only from #1171 on). Nothing changed then: an operator runs
# it again, and so does this test (docs/operations.md "Planned switchover").
for try in 1 2 3; do
  if as_pg pg_autoctl perform switchover --pgdata "$top/monitor" >"$top/switchover.log" 2>&1; then
    break
  fi
  if ((try < 3)) && grep -q "deadlock detected" "$top/switchover.log"; then
    echo "pg_autoctl perform switchover: the monitor's deadlock (pg_auto_failover#1004); again"
    sleep 1
    continue
  fi
  cat "$top/switchover.log" >&2
  fail "perform switchover"
done
date +%s.%N >"$ctl/switchover-done"
wait_state 120 "$old" primary "$new" secondary || fail "the switchover did not complete"
sleep 5

step "stop: the client finishes its writes, catches up and checks"
touch "$ctl/stop"
rc=0
wait "$client_pid" || rc=$?
client_pid=""
cat "$work/client.log"
# haproxy logs each change twice (stderr and its log); count the [WARNING] lines.
downs=$(grep -cE '^\[WARNING\].*smd_servers/smd[0-9]+ is DOWN' "$work/haproxy.log" || true)
ups=$(grep -cE '^\[WARNING\].*smd_servers/smd[0-9]+ is UP' "$work/haproxy.log" || true)
echo "haproxy: an smd-server marked DOWN $downs times, UP again $ups times (NOT_SERVING while there was no primary)"
for i in 1 2; do
  echo "smd-server $i: $(grep -c "NOT_SERVING" "$work/server-$i.log" || true) NOT_SERVING, $(grep -c "answers again; SERVING" "$work/server-$i.log" || true) SERVING again"
done
echo "$me: $(elapsed) s in all; load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
((rc == 0)) || fail "the client's checks (exit $rc)"
echo "$me: PASS"
