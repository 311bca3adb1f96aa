#!/usr/bin/env bash
# The restore drill (docs/operations.md "Backups and restore"), run by ctest (label ops):
#   tests/ops/restore_drill.sh SMD_SERVER SMDCTL
# On a private PostgreSQL cluster archiving its WAL to a pgBackRest repository (encrypted,
# as the example configuration): full backup, writes, incremental backup, more writes, the
# target time, writes after it; then a point-in-time restore into a NEW cluster, smd-server
# started on it with the key file backed up apart, and checks that the audit chain verifies
# (against the anchor file's lines up to the target) and that the data is exactly what was
# committed before the target: every patient registered before it reads back, none after.
set -euo pipefail

server_bin=$(realpath "$1")
smdctl_bin=$(realpath "$2")
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
# shellcheck source=deploy/lib/pg-private.sh
source "$repo_root/deploy/lib/pg-private.sh"
command -v pgbackrest >/dev/null || { echo "pgbackrest not installed (deploy/install-deps.sh)" >&2; exit 1; }

unique=$$-$RANDOM
if pgp_is_root; then top=/var/tmp/smd-drill-$unique; else top=${TMPDIR:-/tmp}/smd-drill-$unique; fi
mkdir -p "$top" && chmod 0755 "$top"
work=$(mktemp -d)   # keys, certificates, logs: the smd side, not readable by postgres
server_pid=""
cleanup() {
  local rc=$?
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  if ((rc != 0)); then
    for f in "$work"/server-*.log "$top"/a/postgres.log "$top"/b/postgres.log "$top"/log/*.log; do
      [[ -f "$f" ]] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }
    done
  fi
  pgp_use "$top/b"; pgp_destroy >/dev/null 2>&1 || true
  pgp_use "$top/a"; pgp_destroy >/dev/null 2>&1 || true
  rm -rf "$top" "$work"
  exit "$rc"
}
trap cleanup EXIT
fail() { echo "restore_drill: FAILED: $*" >&2; exit 1; }
step() { printf -- '--- %s\n' "$*"; }
as_pg() { if pgp_is_root; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }

# The repository and pgBackRest's own files belong to the cluster's OS user.
for d in repo log lock spool; do
  if pgp_is_root; then install -d -m 0700 -o postgres -g postgres "$top/$d"; else mkdir -p "$top/$d"; fi
done
conf=$top/pgbackrest.conf
pgp_use "$top/a"
cat >"$conf" <<CONF
[global]
repo1-path=$top/repo
repo1-retention-full=2
repo1-cipher-type=aes-256-cbc
repo1-cipher-pass=drill-$(openssl rand -hex 16)
log-path=$top/log
lock-path=$top/lock
spool-path=$top/spool
log-level-console=warn
start-fast=y
[smd]
pg1-path=$PGP_DATA
pg1-socket-path=$PGP_SOCK
pg1-port=$SMD_PG_PORT
CONF
pgp_is_root && chown postgres:postgres "$conf"
chmod 0600 "$conf"
br() { as_pg pgbackrest --config="$conf" --stanza=smd "$@"; }

step "cluster A archiving to an encrypted pgBackRest repository"
pgp_init "wal_level = replica" "archive_mode = on" \
  "archive_command = 'pgbackrest --config=$conf --stanza=smd archive-push %p'"
pgp_start
pgp_psql -d postgres -q -f "$repo_root/deploy/postgres/roles.sql" >/dev/null
pgp_psql -d postgres -q -c "CREATE DATABASE smd OWNER smd_owner"
br stanza-create
br check
sockA=$PGP_SOCK

step "smd on A: keys (kept apart from the database), schema, demo data, server"
"$server_bin" keygen --out "$work/smd.keys" >/dev/null
"$server_bin" migrate --database-url "host=$sockA port=$SMD_PG_PORT user=smd_owner dbname=smd" >/dev/null 2>&1
pgp_psql -d smd -q -f "$repo_root/deploy/postgres/protect-audit.sql" >/dev/null
"$server_bin" seed-demo --database-url "host=$sockA port=$SMD_PG_PORT user=smd_app dbname=smd" \
  --key-file "$work/smd.keys" --password-log2-n 4 --demo-patients 10 >/dev/null 2>"$work/seed.log"
"$repo_root/deploy/tls/make-dev-certs.sh" "$work/tls" >/dev/null 2>&1
export SMDCTL_CA="$work/tls/ca.pem" SMDCTL_CONFIG_DIR="$work/cfg"
start_server() {  # start_server SOCKET LOGNAME
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$server_bin" serve --listen "127.0.0.1:$port" \
    --database-url "host=$1 port=$SMD_PG_PORT user=smd_app dbname=smd" --key-file "$work/smd.keys" \
    --tls-cert "$work/tls/server.pem" --tls-key "$work/tls/server.key" \
    --audit-anchor-file "$work/audit-anchor.log" --audit-seal-interval-ms 200 \
    >"$work/server-$2.log" 2>&1 &
  server_pid=$!
  export SMDCTL_SERVER="localhost:$port"
  for _ in $(seq 1 150); do grep -q listening "$work/server-$2.log" && return 0; sleep 0.1; done
  fail "server on $2 did not start"
}
stop_server() { kill "$server_pid"; wait "$server_pid" || true; server_pid=""; }
start_server "$sockA" a
echo "Demo-doctor-2026" | "$smdctl_bin" login --user doctor >/dev/null

idn() { "$repo_root/tests/support/synthetic-id.sh" 19800101 "$1"; }
register() {  # register SEQ: registers a synthetic patient, prints nothing
  sed "s/SYNTHETIC_ID_NUMBER/$(idn "$1")/" "$repo_root/docs/examples/patient.json" >"$work/p.json"
  "$smdctl_bin" patient register --file "$work/p.json" >/dev/null
}
found() {  # found SEQ: 0 when a search by the ID number finds the patient
  "$smdctl_bin" --json patient search --id-number "$(idn "$1")" >"$work/found.json"
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d.get("patients") else 1)' "$work/found.json"
}

step "full backup, writes, incremental backup"
br backup --type=full
for s in 501 502; do register $s; done
br backup --type=incr
for s in 503 504; do register $s; done
# A signed checkpoint anchored before the target (the sealer checkpoints every 5 s).
for _ in $(seq 1 100); do
  [[ -s "$work/audit-anchor.log" ]] && break
  "$smdctl_bin" whoami >/dev/null; sleep 0.2
done
[[ -s "$work/audit-anchor.log" ]] || fail "no checkpoint was anchored"
sleep 6; "$smdctl_bin" whoami >/dev/null; sleep 1

step "the target time, then writes after it"
target=$(pgp_psql -d smd -Atc "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'")
sleep 1.2
for s in 505 506; do register $s; done
stop_server
br check   # switches the WAL segment and waits until it is archived
before=$(pgp_psql -d smd -Atc "SELECT count(*) FROM patient")
pgp_stop

step "restore to $target into a new cluster B"
pgp_use "$top/b"
if pgp_is_root; then install -d -m 0700 -o postgres -g postgres "$top/b" "$PGP_DATA"; else mkdir -p -m 0700 "$PGP_DATA"; fi
br --pg1-path="$PGP_DATA" --type=time "--target=$target" --target-action=promote restore
{
  echo "# --- restore drill: cluster B's own socket, no archiving of its own ---"
  echo "unix_socket_directories = '$PGP_SOCK'"
  echo "archive_mode = off"
} >>"$PGP_DATA/postgresql.conf"
pgp_start
for _ in $(seq 1 100); do
  [[ $(pgp_psql -d postgres -Atc "SELECT pg_is_in_recovery()") == f ]] && break; sleep 0.2
done
[[ $(pgp_psql -d postgres -Atc "SELECT pg_is_in_recovery()") == f ]] || fail "B did not finish recovery"
after=$(pgp_psql -d smd -Atc "SELECT count(*) FROM patient")
echo "patients on A at the end: $before; on B: $after"
((after == before - 2)) || fail "B has $after patients, expected $((before - 2))"

step "the audit chain verifies against the anchor up to the target"
# Lines anchored in the target's second or later may name checkpoints committed after it.
cut=$(date -u -d "${target%+00}" +%Y-%m-%dT%H:%M:%SZ)
awk -v cut="$cut" '$NF < cut' "$work/audit-anchor.log" >"$work/anchor-to-target.log"
[[ -s "$work/anchor-to-target.log" ]] || fail "no anchor line before the target"
"$server_bin" audit-verify --database-url "host=$PGP_SOCK port=$SMD_PG_PORT user=smd_app dbname=smd" \
  --key-file "$work/smd.keys" --audit-anchor-file "$work/anchor-to-target.log" | tee "$work/verify.txt"
grep -q "audit chain intact" "$work/verify.txt" || fail "audit chain not intact after the restore"

step "smd-server on B with the key file: exactly what was committed before the target"
cp "$work/audit-anchor.log" "$work/audit-anchor-a.log"
mv "$work/anchor-to-target.log" "$work/audit-anchor.log"
start_server "$PGP_SOCK" b
echo "Demo-doctor-2026" | "$smdctl_bin" login --user doctor >/dev/null
for s in 501 502 503 504; do found $s || fail "patient $s (before the target) is missing"; done
for s in 505 506; do ! found $s || fail "patient $s (after the target) is present"; done
"$smdctl_bin" patient register --file "$work/p.json" >/dev/null || fail "B does not take writes"
echo "PASS: restored to $target: 4 patients before it read back, 2 after it absent, chain intact"
