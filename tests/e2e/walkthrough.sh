#!/usr/bin/env bash
# The newcomer's walkthrough (docs/walkthrough.md), step by step, with smdctl against the
# real server over TLS. Run by ctest under tests/support/with_postgres.sh:
#   walkthrough.sh SMD_SERVER SMDCTL
# Each step checks what a person following the walkthrough would see: a command that fails
# fails its step (run), and each figure is checked against what the data this script enters
# must produce. Only synthetic data: the ID numbers are made here (tests/support/
# synthetic-id.sh) and filled into the examples' placeholders.
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
# run CMD...: runs a command of the walkthrough, shows its output and keeps it in $work/out;
# the step fails when the command fails (a pipe into grep would hide that).
run() {
  local rc=0
  "$@" >"$work/out" 2>"$work/err" || rc=$?
  cat "$work/out"
  if ((rc != 0)); then
    cat "$work/err" >&2
    fail "exit $rc from: $*"
  fi
}
# json FILE PYTHON-EXPR [ARGS...]: evaluates EXPR with `d` the JSON document in FILE and
# `a` the extra arguments; prints the result (a Python exception fails the step).
json() {
  python3 - "$@" <<'PY' || fail "cannot read ${1}: $(head -c 300 "$1")"
import json, sys
d = json.load(open(sys.argv[1]))
a = sys.argv[3:]
r = eval(sys.argv[2])
print(" ".join(str(x) for x in r) if isinstance(r, (list, tuple)) else r)
PY
}
# The management rate's "numerator denominator" for a region of a `--json metrics show
# --children` report.
managed_registered() {
  local out
  out=$(json "$1" '[(i["numerator"], i["denominator"]) for r in [d["region"]] + d.get("children", [])
              if r["region"] == a[0] for i in r["indicators"] if i["code"] == "management_rate"][0]' "$2")
  [[ $out =~ ^[0-9]+\ [0-9]+$ ]] || fail "no management rate for $2 in $1"
  echo "$out"
}

# ---- the quickstart's part (deploy/quickstart.sh does the same on a private cluster) ----
step "database, keys, certificates, demo data"
super_psql() { psql -X -v ON_ERROR_STOP=1 -q -U "${SMD_TEST_SUPERUSER:-postgres}" "$@"; }
super_psql -d postgres -c "CREATE DATABASE smd_walkthrough OWNER smd_owner" >/dev/null
owner_dsn="host=$PGHOST port=$PGPORT user=smd_owner dbname=smd_walkthrough"
app_dsn="host=$PGHOST port=$PGPORT user=smd_app dbname=smd_walkthrough"
"$server_bin" keygen --out "$work/smd.keys" >/dev/null
"$server_bin" migrate --database-url "$owner_dsn" >/dev/null 2>&1
# The audit trail handed to smd_audit, as the quickstart does after migrating; twice, as on
# every later deploy (a re-run changes nothing).
for _ in 1 2; do
  super_psql -d smd_walkthrough -f "$repo_root/deploy/postgres/protect-audit.sql" >/dev/null
done
"$server_bin" seed-demo --database-url "$app_dsn" --key-file "$work/smd.keys" \
  --password-log2-n 4 --demo-patients 20 >"$work/demo-users.txt" 2>"$work/seed.log"
"$repo_root/deploy/tls/make-dev-certs.sh" "$work/tls" >/dev/null 2>&1
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
anchor_file="$work/audit-anchor.log"
"$server_bin" serve --listen "127.0.0.1:$port" --database-url "$app_dsn" --key-file "$work/smd.keys" \
  --tls-cert "$work/tls/server.pem" --tls-key "$work/tls/server.key" \
  --tls-client-ca "$work/tls/ca.pem" --trusted-gateway smd-gateway \
  --audit-anchor-file "$anchor_file" >"$work/server.log" 2>&1 &
server_pid=$!

export SMDCTL_SERVER="localhost:$port"
export SMDCTL_CA="$work/tls/ca.pem"
# Mutual TLS, as the quickstart runs it behind the web gateway: smdctl shows its own client
# certificate (not the gateway's, whose forwarded addresses the server would believe).
export SMDCTL_CERT="$work/tls/client.pem" SMDCTL_KEY="$work/tls/client.key"
# Each person has a terminal of their own: a config directory each.
as() { local who=$1; shift; SMDCTL_CONFIG_DIR="$work/cfg-$who" "$smdctl_bin" "$@"; }

for _ in $(seq 1 100); do
  if grep -q "listening" "$work/server.log"; then break; fi
  sleep 0.1
done
grep -q "listening" "$work/server.log" || { cat "$work/server.log" >&2; fail "server did not start"; }
step "(check) mutual TLS: without a client certificate the server lets nobody in"
if echo "Demo-doctor-2026" | SMDCTL_CERT="" SMDCTL_KEY="" SMDCTL_CONFIG_DIR="$work/cfg-nocert" \
  "$smdctl_bin" login --user doctor >"$work/out" 2>&1; then
  fail "a client without a certificate signed in: $(cat "$work/out")"
fi
echo "refused, as it should be"
# protect-audit.sql ran: the server's start-up check finds every audit object with smd_audit.
if grep -q "not owned by smd_audit" "$work/server.log"; then
  fail "the server says the audit trail is unprotected: $(grep "smd_audit" "$work/server.log")"
fi

# The examples carry placeholders, never an ID number: fill in synthetic ones.
synthetic_id() { "$repo_root/tests/support/synthetic-id.sh" "$@"; }
patient_idn=$(synthetic_id 19850315 901)
sed "s/SYNTHETIC_ID_NUMBER/$patient_idn/" "$repo_root/docs/examples/patient.json" >"$work/patient.json"
grep -q "\"$patient_idn\"" "$work/patient.json" || fail "patient.json has no SYNTHETIC_ID_NUMBER"
community=$(json "$work/patient.json" 'd["jurisdiction"]')
street=${community:0:9}

# Before anyone acts: the street's figures, for the metrics step below.
step "(check) the street's figures before the walkthrough"
echo "Demo-analyst-2026" | run as analyst login --user analyst
run as analyst --json metrics show --region "$street" --children >/dev/null
cp "$work/out" "$work/metrics-before.json"
mr=$(managed_registered "$work/metrics-before.json" "$street")
read -r street_managed0 street_registered0 <<<"$mr"
mr=$(managed_registered "$work/metrics-before.json" "$community")
read -r comm_managed0 comm_registered0 <<<"$mr"
prevalence0=$(json "$work/metrics-before.json" '[i["numerator"] for i in d["region"]["indicators"]
                                                   if i["code"] == "reported_prevalence"][0]')
echo "management rate before: street $street_managed0/$street_registered0, community $comm_managed0/$comm_registered0"

# ---- terminal 1: the community doctor ----
step "the demo community doctor signs in"
echo "Demo-doctor-2026" | run as doctor login --user doctor
grep -q "doctor" "$work/out" || fail "doctor login"
[[ $(stat -c %a "$work/cfg-doctor/session") == 600 ]] || fail "session file is not 0600"

step "registers a patient (the example with a synthetic ID number)"
run as doctor patient register --file "$work/patient.json"
patient=$(awk '{print $NF}' "$work/out")
[[ "$patient" =~ ^[0-9a-f-]{36}$ ]] || fail "no patient id in: $(cat "$work/out")"
run as doctor patient show "$patient"
grep -q "示例患者" "$work/out" || fail "patient show"

# ---- terminal 2: the demo police officer watches for alerts ----
step "the police officer signs in and watches alerts in a second terminal"
echo "Demo-police-2026" | run as police login --user police
# smdctl itself in the background, not the `as` function: $! of a backgrounded function is
# a subshell, and killing it would leave smdctl watching after the test.
SMDCTL_CONFIG_DIR="$work/cfg-police" "$smdctl_bin" --json alerts watch >"$work/police-alerts" \
  2>"$work/police-watch.err" &
watch_pid=$!
sleep 1

step "the doctor records a follow-up with risk 4"
run as doctor followup record "$patient" --file "$repo_root/docs/examples/followup-risk4.json"
grep -q "不稳定" "$work/out" || fail "risk 4 should classify as unstable"

step "the alert arrives in the police officer's terminal"
for _ in $(seq 1 50); do
  if grep -q "$patient" "$work/police-alerts"; then break; fi
  sleep 0.1
done
grep -q "$patient" "$work/police-alerts" || fail "no alert within 5 s: $(cat "$work/police-alerts")"
cat "$work/police-alerts"
# Case-sensitive: the lines carry random UUIDs, whose lowercase hex may contain "f20".
if grep -qE "[Rr]isperidone|利培酮|F20|精神分裂" "$work/police-alerts"; then
  fail "the police officer's alert shows diagnosis or medication"
fi
# The alert is the visit's: high risk (risk level >= 3), critical at risk 4, for this patient
# in the example's community.
python3 - "$work/police-alerts" "$patient" "$community" >"$work/alert" 2>&1 <<'PY' || fail "the alert: $(cat "$work/alert")"
import json, sys
path, patient, community = sys.argv[1:]
mine = [m for m in map(json.loads, open(path)) if m.get("patient_id") == patient]
if len(mine) != 1:
    sys.exit("want 1 alert for the patient, got %d" % len(mine))
m = mine[0]
want = {"kind": "ALERT_KIND_HIGH_RISK", "severity": 4, "risk_level": 4,
        "jurisdiction": community, "patient_name": "示例患者"}
got = {k: m.get(k) for k in want}
if got != want:
    sys.exit("want %s, got %s" % (want, got))
print(m["seq"])
PY
seq_no=$(cat "$work/alert")
[[ $seq_no =~ ^[0-9]+$ ]] || fail "no alert number: $seq_no"
kill "$watch_pid"; watch_pid=""

step "the police officer acknowledges it"
run as police alerts ack "$seq_no" --note "已上门，患者情绪平稳"
grep -q "$seq_no" "$work/out" || fail "ack"
run as police --json alerts inbox --unacked >/dev/null
[[ $(json "$work/out" '[m["seq"] for m in d.get("alerts", [])].count(a[0])' "$seq_no") == 0 ]] \
  || fail "alert $seq_no is still unacknowledged"
run as police --json alerts inbox --patient "$patient" >/dev/null
[[ $(json "$work/out" '[(m["kind"], bool(m.get("acknowledged_at")), m["ack_note"])
       for m in d["alerts"] if m["seq"] == a[0]]' "$seq_no") == "('ALERT_KIND_HIGH_RISK', True, '已上门，患者情绪平稳')" ]] \
  || fail "the inbox does not show alert $seq_no acknowledged with its note"
run as police alerts inbox
grep -q "高风险" "$work/out" || fail "the inbox does not name the alert's kind (高风险)"

# ---- terminal 3: the health committee ----
step "the health-committee analyst views the street's metrics"
echo "Demo-analyst-2026" | run as analyst login --user analyst
run as analyst metrics show --region "$street" --children
cp "$work/out" "$work/metrics-table"
# The walkthrough registered one patient in the community and visited them today: one more
# on the register (在册) and one more managed (在管), in the community and in its street.
street_managed=$((street_managed0 + 1)) street_registered=$((street_registered0 + 1))
grep -qE "宁海路街道[[:space:]]+在册患者管理率[[:space:]]+$street_managed[[:space:]]+$street_registered[[:space:]]" \
  "$work/metrics-table" || fail "the table's 宁海路街道 在册患者管理率 row is not $street_managed / $street_registered"
run as analyst --json metrics show --region "$street" --children >/dev/null
mr=$(managed_registered "$work/out" "$street")
read -r got_managed got_registered <<<"$mr"
[[ "$got_managed $got_registered" == "$street_managed $street_registered" ]] \
  || fail "street management rate $got_managed/$got_registered, want $street_managed/$street_registered"
mr=$(managed_registered "$work/out" "$community")
read -r got_managed got_registered <<<"$mr"
[[ "$got_managed $got_registered" == "$((comm_managed0 + 1)) $((comm_registered0 + 1))" ]] \
  || fail "community management rate $got_managed/$got_registered, want $((comm_managed0 + 1))/$((comm_registered0 + 1))"
[[ $(json "$work/out" 'abs(float([i["value"] for i in d["region"]["indicators"]
       if i["code"] == "management_rate"][0]) - 100.0 * int(a[0]) / int(a[1])) < 0.005' \
       "$street_managed" "$street_registered") == True ]] || fail "the street's management rate value"
[[ $(json "$work/out" '[i["numerator"] for i in d["region"]["indicators"]
       if i["code"] == "reported_prevalence"][0]') == $((prevalence0 + 1)) ]] \
  || fail "the street's reported prevalence does not count the new patient"
run as analyst --lang en metrics show --region "$street"
grep -q "management rate" "$work/out" || fail "--lang en"
# The national figures of the same period (issue 14): R2 and 服药 by any record, named.
run as analyst metrics show --region "$street" --variant national
grep -q "规则集: national-2018" "$work/out" || fail "--variant national does not name national-2018"
run as analyst --json metrics show --region "$street" --variant r2
[[ $(json "$work/out" 'd["rule_set"]') == "jiangsu-2018+standardized=r2" ]] \
  || fail "--variant r2 does not name jiangsu-2018+standardized=r2"

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
run as doctor call AuthService.WhoAmI
grep -q '"username": "doctor"' "$work/out" || fail "call"

step "bulk import (docs/import.md): the template's rows and one refused row"
# The template's placeholders filled in with synthetic ID numbers, and a third row whose ID
# number has a wrong check character.
sed "s/SYNTHETIC_ID_NUMBER_1/$(synthetic_id 19780601 950)/; s/SYNTHETIC_ID_NUMBER_2/$(synthetic_id 19780601 951)/" \
  "$repo_root/docs/import-template.csv" >"$work/registry.csv"
[[ $(grep -c "SYNTHETIC_ID_NUMBER" "$work/registry.csv") == 0 ]] || fail "template placeholders left"
printf '%s\r\n' "坏行,$(synthetic_id --bad-check 19780601 952),0000-1234567,南京市鼓楼区模板路3号,320106001001,模板监护人,母亲,,0000-7654321,是,2023-05-10,监护人,精神分裂症,F20.0,,,,,无关锁,,非贫困,否,2019-04-15" >>"$work/registry.csv"
set +e
as doctor patient import --file "$work/registry.csv" | tee "$work/out"
rc=$?
set -e
[[ $rc == 2 ]] || fail "import with a refused row: exit $rc, want 2"
grep -q "导入 2" "$work/out" || fail "two rows imported"
grep -q "id_number" "$work/out" || fail "the refused row names its field"
as doctor patient import --file "$work/registry.csv" >"$work/out" || true
grep -q "导入 0，已登记跳过 2" "$work/out" || fail "a second import registers nothing twice: $(cat "$work/out")"
# The same file as Excel on Chinese Windows saves it (GBK, docs/import.md "Files smdctl
# reads"): read by detection, the same ID numbers, so nothing registered twice.
iconv -f UTF-8 -t GBK <(tail -c +4 "$work/registry.csv") >"$work/registry-gbk.csv"
as doctor patient import --file "$work/registry-gbk.csv" >"$work/out" 2>"$work/err" || true
grep -q "导入 0，已登记跳过 2" "$work/out" || fail "the GBK file reads as the UTF-8 one: $(cat "$work/out" "$work/err")"
grep -q "GB18030" "$work/err" || fail "the GBK file is said to be read as GB18030"
step "a worklist exported as .xlsx (docs/cli.md \"Exporting tables\")"
run as doctor worklist due-soon --out "$work/worklist.xlsx"
[[ $(head -c 2 "$work/worklist.xlsx") == PK ]] || fail "worklist --out .xlsx writes a workbook"
[[ $(stat -c %a "$work/worklist.xlsx") == 600 ]] || fail "an export is readable by its owner only"

step "beyond the walkthrough: an administrator adds a grid worker, the doctor adds them to the team"
echo "Demo-admin-2026" | run as admin login --user admin
echo "Grid-worker-9-2026" | run as admin --json user create grid9 --display-name 网格员九 \
  --role grid-worker --jurisdiction 320106001001
grid9=$(grep -o '"user_id": "[0-9a-f-]*"' "$work/out" | head -1 | grep -o '[0-9a-f-]\{36\}')
[[ -n "$grid9" ]] || fail "user create printed no user_id"
run as doctor team add "$patient" --team-role grid-worker --user-id "$grid9"
run as doctor team list "$patient"
grep -q "$grid9" "$work/out" || fail "team list shows the new member"

step "beyond the walkthrough: the new grid worker replaces the administrator's password first"
# smdctl user create asks for a password change at first sign-in (--no-password-change not
# given): until then every call but whoami, password and logout is refused.
echo "Grid-worker-9-2026" | run as grid9 login --user grid9
grep -q "smdctl password" "$work/err" || fail "login does not say the password must be changed"
set +e
as grid9 team mine >/dev/null 2>"$work/err"
rc=$?
set -e
[[ $rc == 2 ]] || fail "a call before the password change: exit $rc, want 2"
grep -q "须先修改密码 (password change required)" "$work/err" \
  || fail "the refusal does not say why: $(cat "$work/err")"
printf '%s\n%s\n' "Grid-worker-9-2026" "Grid-nine-own-2026" | run as grid9 password
echo "Grid-nine-own-2026" | run as grid9 login --user grid9
[[ ! -s "$work/err" ]] || fail "still asked to change the password: $(cat "$work/err")"
run as grid9 team mine
grep -q "$patient" "$work/out" || fail "the grid worker's own patients do not show the patient"
run as admin region population 320106001001 --year 2026 --residents 31000

step "beyond the walkthrough: the administrator filters users, reads the rule set and the catalogue"
run as admin --json user list --role grid-worker --status enabled --query GRID9
[[ $(json "$work/out" '"|".join(u["username"] for u in d["users"])') == "grid9" ]] \
  || fail "user list --role --status --query: $(cat "$work/out")"
run as admin rules show
grep -q "规则集: jiangsu-2018" "$work/out" || fail "rules show does not name the rule set"
grep -q "any-adr-unstable  *false" "$work/out" || fail "rules show lacks an option's value"
run as admin drugs list
grep -q "olanzapine" "$work/out" || fail "drugs list lacks the catalogue"
set +e
as doctor team add "$patient" --team-role astronaut --user-id "$grid9" 2>"$work/err"
rc=$?
set -e
[[ $rc == 1 ]] || fail "a bad enum value is a usage error: exit $rc, want 1"
grep -q -- "--team-role" "$work/err" || fail "the usage error names the flag"

step "the doctor closes the case (注销) with the version read"
run as doctor --json patient show "$patient" >/dev/null
version=$(json "$work/out" 'd["version"]')
[[ $version =~ ^[0-9]+$ ]] || fail "no version in patient show"
[[ $(json "$work/out" 'd["status"]') == PATIENT_STATUS_ACTIVE ]] || fail "the patient is not active before closing"
today=$(TZ=Asia/Shanghai date +%F)
run as doctor patient close "$patient" --version "$version" --kind cancellation \
  --date "$today" --reason 迁往外省
# Closed: 注销 on today's date with the reason, the record's version one higher.
run as doctor --json patient show "$patient" >/dev/null
closed=$(json "$work/out" '[d["status"], "%04d-%02d-%02d" % (d["closed_date"]["year"],
       d["closed_date"]["month"], d["closed_date"]["day"]), d["close_reason"], d["version"]]')
[[ $closed == "PATIENT_STATUS_CANCELLED $today 迁往外省 $((version + 1))" ]] \
  || fail "after closing: $closed, want PATIENT_STATUS_CANCELLED $today 迁往外省 $((version + 1))"
# A second close with the version read before is refused (exit 2) and changes nothing.
set +e
as doctor patient close "$patient" --version "$version" --kind cancellation \
  --date "$today" --reason 迁往外省 >/dev/null 2>&1
rc=$?
set -e
[[ $rc == 2 ]] || fail "closing again with a stale version: exit $rc, want 2"
run as doctor --json patient show "$patient" >/dev/null
[[ $(json "$work/out" 'd["version"]') == $((version + 1)) ]] || fail "the refused close changed the record"

step "beyond the walkthrough: the auditor verifies the audit chain against the anchor file"
echo "Demo-auditor-2026" | run as auditor login --user auditor
# The sealer signs a checkpoint within 5 s of the walkthrough's last calls and then copies it
# to the anchor file; wait for one to be compared.
for _ in $(seq 1 30); do
  run as auditor --json audit verify >/dev/null
  [[ $(json "$work/out" 'd["anchored"] and int(d["anchored_checkpoints_checked"]) > 0') == True ]] \
    && break
  sleep 0.5
done
[[ $(json "$work/out" '[d["intact"], d["anchored"], int(d["anchored_checkpoints_checked"]) > 0,
       int(d["newest_anchored_position"]) > 0]') == "True True True True" ]] \
  || fail "verify did not compare the anchor file: $(cat "$work/out")"
[[ -s "$anchor_file" && $(stat -c %a "$anchor_file") == 600 ]] || fail "no anchor file, or not 0600"
run as auditor audit verify
grep -q "审计链完整" "$work/out" || fail "audit verify does not say the chain is intact"
grep -q "与外部锚点一致的检查点: [1-9]" "$work/out" || fail "audit verify does not report the anchor compared"
# The server filters by method and outcome: the grid worker's forced-change refusal above.
run as auditor --json audit list --method /smd.v1.CareTeamService/ListMyPatients \
  --outcome FAILED_PRECONDITION
[[ $(json "$work/out" '"|".join(sorted({r["username"] + ":" + r["outcome"] for r in d["records"]}))') \
   == "grid9:FAILED_PRECONDITION" ]] || fail "audit list --method --outcome: $(cat "$work/out")"

echo
echo "walkthrough: all steps passed"
