#!/usr/bin/env bash
# shellcheck disable=SC2317  # cleanup and forward run from traps
# Usage: tests/support/with_postgres.sh TEST_BINARY [ARGS...]
#
# Runs TEST_BINARY against a throwaway PostgreSQL 15 cluster of its own: a fresh temp
# directory, a Unix socket only (no TCP port, so nothing can clash), trust auth, durability
# off (fsync, full_page_writes, synchronous_commit). The roles smd_owner and smd_app are
# created from deploy/postgres/roles.sql; the test creates its own databases.
#
# Exports for the test:
#   SMD_TEST_PGHOST      the socket directory (libpq host=...)
#   SMD_TEST_PGPORT      the port number in the socket's name
#   SMD_TEST_SUPERUSER   postgres (trust: no password)
#   PGHOST, PGPORT       the same, for psql and libpq defaults
# The cluster is stopped and its directory deleted on exit; the exit code is the test's.
# SMD_TEST_PG_STAT_STATEMENTS=1 loads pg_stat_statements (track_planning on); the test then
# runs CREATE EXTENSION pg_stat_statements and reads the view before it exits.
# As root, the cluster runs as the OS user postgres under /var/tmp (initdb refuses root);
# otherwise as the calling user under $TMPDIR (default /tmp). Works from any cwd.
set -euo pipefail

if (($# < 1)); then
  echo "usage: $0 TEST_BINARY [ARGS...]" >&2
  exit 2
fi

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
# shellcheck source-path=SCRIPTDIR/../.. source=deploy/lib/pg-private.sh
source "$repo_root/deploy/lib/pg-private.sh"

if pgp_is_root; then
  base=$(mktemp -d /var/tmp/smd-test-XXXXXXXX)
else
  base=$(mktemp -d "${TMPDIR:-/tmp}/smd-test-XXXXXXXX")
fi
pgp_use "$base"

cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  if ((rc != 0)) && [[ -s "$PGP_LOG" ]]; then
    echo "with_postgres: exit code $rc; last lines of the PostgreSQL log:" >&2
    tail -n 20 "$PGP_LOG" >&2 || true
  fi
  pgp_destroy || echo "with_postgres: could not remove $PGP_BASE" >&2
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

extra=()
# SMD_TEST_PG_STAT_STATEMENTS=1: load pg_stat_statements with planning tracked, to see each
# statement's planning and execution time (docs/performance.md "Session 10").
if [[ "${SMD_TEST_PG_STAT_STATEMENTS:-0}" == 1 ]]; then
  extra=("shared_preload_libraries = 'pg_stat_statements'" "pg_stat_statements.track_planning = on")
fi
pgp_init "fsync = off" "full_page_writes = off" "synchronous_commit = off" \
  "max_connections = 200" "${extra[@]}"
pgp_start
pgp_psql -d postgres -f "$repo_root/deploy/postgres/roles.sql"

unset PGUSER PGDATABASE PGPASSWORD PGSERVICE PGSERVICEFILE PGOPTIONS
export SMD_TEST_PGHOST=$PGP_SOCK
export SMD_TEST_PGPORT=$SMD_PG_PORT
export SMD_TEST_SUPERUSER=postgres
export PGHOST=$PGP_SOCK
export PGPORT=$SMD_PG_PORT

# Run the test in the background and wait for it, so that a signal to this script is passed
# on to the test instead of waiting for it to finish. The explicit <&0 keeps stdin (bash
# gives background jobs /dev/null otherwise). (SIGKILL cannot be trapped: a killed wrapper
# leaves its cluster behind in /var/tmp/smd-test-* or $TMPDIR/smd-test-*.)
"$@" <&0 &
child=$!
forward() {
  kill -TERM "$child" 2>/dev/null || true
  forwarded=$1
}
forwarded=
trap 'forward 129' HUP
trap 'forward 130' INT
trap 'forward 143' TERM
rc=0
while :; do
  wait "$child" && rc=0 || rc=$?
  # wait returns early (status > 128) when a trapped signal arrives; wait again until the
  # test has really exited.
  if ! kill -0 "$child" 2>/dev/null; then
    break
  fi
done
if [[ -n "$forwarded" ]]; then
  rc=$forwarded
fi
exit "$rc"
