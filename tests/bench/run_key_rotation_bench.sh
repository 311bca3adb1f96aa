#!/usr/bin/env bash
# Usage: tests/bench/run_key_rotation_bench.sh [--demo-patients=2000] [--batch-rows=200]
#
# Key rotation through the operator's commands (docs/operations.md "Key rotation"), timed.
# Builds smd-server into build-bench/ (RelWithDebInfo, -j2), then, on a throwaway
# PostgreSQL 15 cluster (tests/support/with_postgres.sh):
#   1. migrates a database and seeds --demo-patients synthetic patients (the reference: the
#      same machine's write rate, patients registered per second by seed-demo);
#   2. smd-server keys rotate field, keys rewrite field (timed), keys retire field 1;
#   3. smd-server keys rotate blind-index, keys rewrite blind-index (timed), keys retire
#      blind-index 1; keys rotate audit; keys status; audit-verify.
# Prints rows per second of each rewrite and its ratio to the seeding rate measured in the
# same run (the machine's load cancels out). No server runs alongside: the rewrite under
# concurrent writers is measured by KeyRotationTest (it prints its figures).
# Exit status: 0 done, 1 a step failed, 2 setup failure.
set -euo pipefail
# shellcheck source=tests/bench/bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
me=run_key_rotation_bench

demo_patients=2000
batch_rows=200
inner=0
for a in "$@"; do
  case $a in
    --inner) inner=1 ;;
    --demo-patients=*) demo_patients=${a#*=} ;;
    --batch-rows=*) batch_rows=${a#*=} ;;
    *) echo "$me: unknown option $a" >&2; exit 2 ;;
  esac
done
server=${SMD_BENCH_SERVER:-$build_dir/server/smd-server}
if ((inner == 0)); then
  bench_build "$me" smd_server
  [[ -x "$server" ]] || { echo "$me: $server not built" >&2; exit 2; }
  exec timeout --kill-after=20 1800 "$repo_root/tests/support/with_postgres.sh" "$0" --inner "$@"
fi

: "${SMD_TEST_PGHOST:?run through tests/bench/run_key_rotation_bench.sh}"
db=smd_keys_bench
pg="host=$SMD_TEST_PGHOST port=$SMD_TEST_PGPORT"
app_dsn="$pg user=smd_app dbname=$db"
work=$(mktemp -d "${TMPDIR:-/tmp}/smd-keys-XXXXXX")
trap 'rm -rf "$work"' EXIT
keys=$work/smd.keys   # synthetic keys, generated here, deleted on exit

psql -X -q -v ON_ERROR_STOP=1 "$pg user=$SMD_TEST_SUPERUSER dbname=postgres" \
  -c "CREATE DATABASE $db OWNER smd_owner"
"$server" migrate --database-url "$pg user=smd_owner dbname=$db" >/dev/null
"$server" keygen --out "$keys" >/dev/null
k=(--database-url "$app_dsn" --key-file "$keys" --audit-anchor-file none)

now_ms() { local t=$EPOCHREALTIME; echo $((${t/./} / 1000)); }
t0=$(now_ms)
"$server" seed-demo "${k[@]}" --demo-patients "$demo_patients" --password-log2-n 4 >/dev/null
seed_ms=$(($(now_ms) - t0))
patients=$(psql -X -At "$pg user=$SMD_TEST_SUPERUSER dbname=$db" -c "SELECT count(*) FROM patient")
seed_rate=$((patients * 1000 / (seed_ms > 0 ? seed_ms : 1)))
echo "$me: seeded $patients patients in $seed_ms ms ($seed_rate patients/s, the reference)"

rewrite() { # rewrite KIND
  "$server" keys rotate "$1" --key-file "$keys" >/dev/null
  local t out rows ms
  t=$(now_ms)
  out=$("$server" keys rewrite "$1" "${k[@]}" --batch-rows "$batch_rows")
  ms=$(($(now_ms) - t))
  rows=$(sed -n 's/^[a-z-]*: \([0-9]*\) rows.*/\1/p' <<<"$out" | tail -1)
  echo "$out" | tail -1
  local rate=$((rows * 1000 / (ms > 0 ? ms : 1)))
  echo "$me: $1 rewrite: $rows rows in $ms ms = $rate rows/s; ratio to the seeding rate $(awk -v a="$rate" -v b="$seed_rate" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
  "$server" keys retire "$1" 1 "${k[@]}"
}
rewrite field
rewrite blind-index
"$server" keys rotate audit --key-file "$keys"
"$server" keys status "${k[@]}"
"$server" audit-verify "${k[@]}"
echo "$me: load: $(uptime)"
