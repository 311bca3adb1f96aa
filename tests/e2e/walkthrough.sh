#!/usr/bin/env bash
# The newcomer's walkthrough (docs/walkthrough.md), step by step, with smdctl against the
# real server over TLS. Run by ctest under tests/support/with_postgres.sh:
#   walkthrough.sh SMD_SERVER SMDCTL
# Each step checks what a person following the walkthrough would see.
set -euo pipefail

server_bin=$1
smdctl_bin=$2
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
work=$(mktemp -d)
server_pid=""
watch_pid=""
cleanup() {
  [[ -n "$watch_pid" ]] && kill "$watch_pid" 2>/dev/null || true
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "walkthrough: FAILED: $*" >&2; exit 1; }
step() { printf '\n--- %s\n' "$*"; }

# ---- the quickstart's part (deploy/quickstart.sh does the same on a private cluster) ----
step "database, keys, certificates, demo data"
psql -v ON_ERROR_STOP=1 -q -U "${SMD_TEST_SUPERUSER:-postgres}" -d postgres -c "CREATE DATABASE smd_walkthrough OWNER smd_owner" >/dev/null
owner_dsn="host=$PGHOST port=$PGPORT user=smd_owner dbname=smd_walkthrough"
app_dsn="host=$PGHOST port=$PGPORT user=smd_app dbname=smd_walkthrough"
"$server_bin" keygen --out "$work/smd.keys" >/dev/null
"$server_bin" migrate --database-url "$owner_dsn" >/dev/null 2>&1
"$server_bin" seed-demo --database-url "$app_dsn" --key-file "$work/smd.keys" \
  --password-log2-n 4 --demo-patients 20 >"$work/demo-users.txt" 2>"$work/seed.log"
"$repo_root/deploy/tls/make-dev-certs.sh" "$work/tls" >/dev/null 2>&1
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$server_bin" serve --listen "127.0.0.1:$port" --database-url "$app_dsn" --key-file "$work/smd.keys" \
  --tls-cert "$work/tls/server.pem" --tls-key "$work/tls/server.key" >"$work/server.log" 2>&1 &
server_pid=$!

export SMDCTL_SERVER="localhost:$port"
export SMDCTL_CA="$work/tls/ca.pem"
# Each person has a terminal of their own: a config directory each.
as() { local who=$1; shift; SMDCTL_CONFIG_DIR="$work/cfg-$who" "$smdctl_bin" "$@"; }

for _ in $(seq 1 100); do
  if grep -q "listening" "$work/server.log"; then break; fi
  sleep 0.1
done
grep -q "listening" "$work/server.log" || { cat "$work/server.log" >&2; fail "server did not start"; }

# ---- terminal 1: the community doctor ----
step "the demo community doctor signs in"
echo "Demo-doctor-2026" | as doctor login --user doctor | tee "$work/out" | grep -q "doctor" \
  || fail "doctor login"
[[ $(stat -c %a "$work/cfg-doctor/session") == 600 ]] || fail "session file is not 0600"

step "registers a patient"
as doctor patient register --file "$repo_root/docs/examples/patient.json" | tee "$work/out"
patient=$(awk '{print $NF}' "$work/out")
[[ "$patient" =~ ^[0-9a-f-]{36}$ ]] || fail "no patient id in: $(cat "$work/out")"
as doctor patient show "$patient" | grep -q "示例患者" || fail "patient show"

# ---- terminal 2: the demo police officer watches for alerts ----
step "the police officer signs in and watches alerts in a second terminal"
echo "Demo-police-2026" | as police login --user police >/dev/null || fail "police login"
as police --json alerts watch >"$work/police-alerts" 2>"$work/police-watch.err" &
watch_pid=$!
sleep 1

step "the doctor records a follow-up with risk 4"
as doctor followup record "$patient" --file "$repo_root/docs/examples/followup-risk4.json" \
  | tee "$work/out"
grep -q "不稳定" "$work/out" || fail "risk 4 should classify as unstable"

step "the alert arrives in the police officer's terminal"
for _ in $(seq 1 50); do
  if grep -q "$patient" "$work/police-alerts"; then break; fi
  sleep 0.1
done
grep -q "$patient" "$work/police-alerts" || fail "no alert within 5 s: $(cat "$work/police-alerts")"
cat "$work/police-alerts"
if grep -qi "risperidone\|利培酮\|F20\|精神分裂" "$work/police-alerts"; then
  fail "the police officer's alert shows diagnosis or medication"
fi
seq_no=$(python3 -c 'import json,sys
for line in open(sys.argv[1]):
    m = json.loads(line)
    if m.get("patient_id") == sys.argv[2]: print(m["seq"]); break' "$work/police-alerts" "$patient")
kill "$watch_pid"; watch_pid=""

step "the police officer acknowledges it"
as police alerts ack "$seq_no" --note "已上门，患者情绪平稳" | tee "$work/out"
grep -q "$seq_no" "$work/out" || fail "ack"
as police alerts inbox --unacked | grep -q "$seq_no" && fail "still unacknowledged"

# ---- terminal 3: the health committee ----
step "the health-committee analyst views the street's metrics"
echo "Demo-analyst-2026" | as analyst login --user analyst >/dev/null || fail "analyst login"
as analyst metrics show --region 320106001 --children | tee "$work/out"
grep -q "在册患者管理率" "$work/out" || fail "metrics table"
grep -q "宁海路街道" "$work/out" || fail "street name"
as analyst --lang en metrics show --region 320106001 | grep -q "management rate" || fail "--lang en"

step "exit codes: the analyst may not list patients (3), a bad region is refused (2)"
set +e
as analyst metrics patients --region 320106001 --indicator management_rate --missing >/dev/null 2>&1
rc=$?
as analyst metrics show --region 999999 >/dev/null 2>&1
rc2=$?
set -e
[[ $rc == 3 ]] || fail "ListMetricPatients as analyst: exit $rc, want 3"
[[ $rc2 == 2 || $rc2 == 3 ]] || fail "bad region: exit $rc2, want 2 or 3"

step "every RPC is reachable: a generic call"
as doctor call AuthService.WhoAmI | grep -q '"username": "doctor"' || fail "call"

step "bulk import (docs/import.md): the template's rows and one refused row"
cp "$repo_root/docs/import-template.csv" "$work/registry.csv"
# A third row with a wrong check character in its ID number.
printf '%s\r\n' "坏行,320106197806019519,0000-1234567,南京市鼓楼区模板路3号,320106001001,模板监护人,母亲,,0000-7654321,是,2023-05-10,监护人,精神分裂症,F20.0,,,,,无关锁,,非贫困,否,2019-04-15" >>"$work/registry.csv"
set +e
as doctor patient import --file "$work/registry.csv" | tee "$work/out"
rc=$?
set -e
[[ $rc == 2 ]] || fail "import with a refused row: exit $rc, want 2"
grep -q "导入 2" "$work/out" || fail "two rows imported"
grep -q "id_number" "$work/out" || fail "the refused row names its field"
as doctor patient import --file "$work/registry.csv" >"$work/out" || true
grep -q "导入 0，已登记跳过 2" "$work/out" || fail "a second import registers nothing twice: $(cat "$work/out")"

step "beyond the walkthrough: an administrator adds a grid worker, the doctor adds them to the team"
echo "Demo-admin-2026" | as admin login --user admin >/dev/null || fail "admin login"
echo "Grid-worker-9-2026" | as admin --json user create grid9 --display-name 网格员九 \
  --role grid-worker --jurisdiction 320106001001 | tee "$work/out"
grid9=$(grep -o '"user_id": "[0-9a-f-]*"' "$work/out" | head -1 | grep -o '[0-9a-f-]\{36\}')
[[ -n "$grid9" ]] || fail "user create printed no user_id"
as doctor team add "$patient" --team-role grid-worker --user-id "$grid9" >/dev/null \
  || fail "team add"
as doctor team list "$patient" | grep -q "$grid9" || fail "team list shows the new member"
as admin region population 320106001001 --year 2026 --residents 31000 >/dev/null \
  || fail "region population"
set +e
as doctor team add "$patient" --team-role astronaut --user-id "$grid9" 2>"$work/err"
rc=$?
set -e
[[ $rc == 1 ]] || fail "a bad enum value is a usage error: exit $rc, want 1"
grep -q -- "--team-role" "$work/err" || fail "the usage error names the flag"

step "the doctor closes the case (注销) with the version read"
version=$(as doctor --json patient show "$patient" | grep -o '"version": "[0-9]*"' | grep -o '[0-9]\+')
as doctor patient close "$patient" --version "$version" --kind cancellation \
  --date "$(TZ=Asia/Shanghai date +%F)" --reason 迁往外省 >/dev/null || fail "patient close"

echo
echo "walkthrough: all steps passed"
