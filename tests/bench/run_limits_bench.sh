#!/usr/bin/env bash
# Usage: tests/bench/run_limits_bench.sh [--only=PART,...] [--skip=PART,...] [--quick]
#
# Issue 17's one bench command: every hot path beside the limit PostgreSQL and gRPC reach on
# the same machine in the same run, with MET / NOT MET per target (docs/performance.md
# "Issue 17: hot paths at the database's own limit"). Parts, in this order, each a sub-bench
# called by name (each starts its own throwaway PostgreSQL through
# tests/support/with_postgres.sh):
#
#   get_patient      run_followup_bench.sh --rpc=get_patient: GetPatient at 16 in flight vs.
#                    an empty gRPC call and pgbench on its traced statements as smd_app and as
#                    the superuser. Target: >= 80 % of pgbench as smd_app.
#   record_followup  run_followup_bench.sh: RecordFollowUp the same way. Targets: >= 80 % of
#                    pgbench as smd_app and >= 70 % of pgbench as the superuser; the RLS cost
#                    (pgbench smd_app vs superuser) is printed beside.
#   import           run_import_bench.sh: ImportPatients vs. COPY of the same rows (target
#                    >= 30 % of COPY, printed by that bench).
#   lists            run_lists_bench.sh: worklists, team gaps, SearchPatients, ListTransfers
#                    and ListMetricPatients at 400,000 patients for a community and a district
#                    doctor (target p99 <= 50 ms per page, printed by that bench).
#   alerts           SMD_BENCH_STREAMS=10000 run_alert_bench.sh $SMD_LIMITS_ALERT_ARGS
#                    (default "--rate=200 --seconds=30"): 10,000 alert streams (targets p99 <=
#                    50 ms, server memory <= 300 MB, printed by that bench).
#
# A part whose script is absent prints "not run". The import, lists and alerts benches are
# owned by their own scripts: this command copies their target lines (any line with MET,
# NOT MET or INVALID, and COPY/limit lines) into its summary, so a new target there shows up
# here unchanged. The point paths' figures come from the "LIMITS" line of
# smd_bench_followup.
#
# --quick: shorter point-path runs (8 s per side instead of 20). Environment as the
# sub-benches: SMD_BENCH_BUILD_DIR, SMD_BENCH_JOBS, SMD_BENCH_NO_BUILD=1.
# Exit status: 0 when every part that ran met its targets, 1 otherwise (NOT MET, INVALID or
# a failed part), 2 on a usage or build error.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
only=""
skip=""
quick=0
for a in "$@"; do
  case "$a" in
    --only=*) only=${a#--only=} ;;
    --skip=*) skip=${a#--skip=} ;;
    --quick) quick=1 ;;
    *) echo "run_limits_bench: unknown argument $a" >&2; exit 2 ;;
  esac
done
wanted() {
  local p=$1
  if [[ -n "$only" && ",$only," != *",$p,"* ]]; then return 1; fi
  if [[ ",$skip," == *",$p,"* ]]; then return 1; fi
  return 0
}

point_args=(--seconds=20 --segments=2 --super-s=8 --paced-s=0 --explain-reps=5)
((quick)) && point_args=(--seconds=8 --segments=2 --super-s=4 --paced-s=0 --explain-reps=0 --seq-s=0)

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
declare -A status
failed=0

echo "run_limits_bench: issue 17's targets beside the machine's own limits, one run"
echo "machine: $(nproc) CPUs; $(uptime)"

run_part() {  # NAME SCRIPT ARGS...
  local name=$1 script=$2
  shift 2
  if ! wanted "$name"; then
    status[$name]="skipped"
    return
  fi
  if [[ ! -x "$here/$script" ]]; then
    status[$name]="not run ($script absent)"
    return
  fi
  echo "---- $name: $script $* ($(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg))"
  local log=$out/$name.log rc=0
  "$here/$script" "$@" >"$log" 2>&1 || rc=$?
  # The bench's own summary, without the PostgreSQL log it prints on failure.
  grep -v -E 'LOG: |DETAIL: | INFO ' "$log" | sed -n '/^SUMMARY/,$p' | sed 's/^/  /'
  # (and a table's header, "list  user  page  p50 ms ...", so that its columns are named)
  grep -E 'MET|INVALID|COPY|^LIMITS|^list  ' "$log" | grep -v -E 'LOG: |DETAIL: ' \
    >"$out/$name.targets" || true
  if ((rc != 0)) && ! grep -q '^LIMITS' "$log"; then
    status[$name]="failed (exit $rc; last lines below)"
    tail -n 15 "$log" | sed 's/^/  | /'
    failed=1
    return
  fi
  status[$name]="ran (exit $rc)"
  grep -q -E 'NOT MET|INVALID' "$out/$name.targets" && failed=1
  ((rc != 0)) && failed=1
}

limit_field() {  # FILE KEY
  sed -n 's/^LIMITS .*\b'"$2"'=\([^ ]*\).*/\1/p' "$1" | tail -n 1
}
verdict() {  # VALUE TARGET (percent) -> MET / NOT MET
  awk -v v="$1" -v t="$2" 'BEGIN { print (v + 0 >= t + 0) ? "MET" : "NOT MET" }'
}
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.1f", 100 * a / b; else print "nan" }'; }

run_part get_patient run_followup_bench.sh --rpc=get_patient "${point_args[@]}"
run_part record_followup run_followup_bench.sh --rpc=record_followup "${point_args[@]}"
run_part import run_import_bench.sh
run_part lists run_lists_bench.sh
# shellcheck disable=SC2086  # the arguments are a list on purpose
SMD_BENCH_STREAMS=${SMD_BENCH_STREAMS:-10000} \
  run_part alerts run_alert_bench.sh ${SMD_LIMITS_ALERT_ARGS:---rate=200 --seconds=30}

echo
echo "================================================================================"
echo "SUMMARY of issue 17 (load at end: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs)"
printf '  %-34s %12s %26s %8s  %s\n' "path" "smd" "limit, same run" "ratio" "target: verdict"
for rpc in get_patient record_followup; do
  f=$out/$rpc.targets
  if [[ ! -s "$f" ]] || ! grep -q '^LIMITS' "$f"; then
    printf '  %-34s %s\n' "$rpc" "${status[$rpc]:-not run}"
    continue
  fi
  rate=$(limit_field "$f" rate)
  app=$(limit_field "$f" pgbench_app)
  su=$(limit_field "$f" pgbench_super)
  empty=$(limit_field "$f" empty)
  bad=$(limit_field "$f" failures)
  name=$([[ $rpc == get_patient ]] && echo "GetPatient, 16 in flight" || echo "RecordFollowUp, 16 in flight")
  r_app=$(pct "$rate" "$app")
  v_app=$(verdict "$r_app" 80)
  [[ "$bad" == 1 ]] && v_app="INVALID (failed calls)"
  printf '  %-34s %10.0f/s %16.0f tps app %7s%%  >= 80 %%: %s\n' "$name" "$rate" "$app" "$r_app" "$v_app"
  [[ "$v_app" != MET ]] && failed=1
  if [[ $rpc == record_followup ]]; then
    r_su=$(pct "$rate" "$su")
    v_su=$(verdict "$r_su" 70)
    [[ "$bad" == 1 ]] && v_su="INVALID (failed calls)"
    printf '  %-34s %10.0f/s %16.0f tps super %5s%%  >= 70 %%: %s\n' "" "$rate" "$su" "$r_su" "$v_su"
    [[ "$v_su" != MET ]] && failed=1
    printf '  %-34s %12s %16.0f vs %.0f tps  RLS costs %s%% of the superuser rate\n' \
      "row-level security itself" "" "$app" "$su" "$(awk -v a="$app" -v s="$su" 'BEGIN { printf "%.0f", 100 * (1 - a / s) }')"
  fi
  printf '  %-34s %12s %16.0f calls/s (empty gRPC call, same run)\n' "" "" "$empty"
  # A server doing nothing but an empty gRPC call around pgbench's transaction (CPU per call
  # adds up on the shared cores): what any server could reach here, an estimate.
  printf '  %-34s %12s %26s %7s%%  (ceiling: empty call + pgbench, estimate)\n' "" "" "" \
    "$(awk -v e="$empty" -v a="$app" 'BEGIN { if (e + a > 0) printf "%.1f", 100 * e / (e + a); else print "nan" }')"
done
# Item 1 has no figure of its own: its target (no per-row function in a policy, the scope
# served by the indexes) is a test, RlsTest.NoPolicyCallsAPerRowFunctionAndTheIndexServesTheScope;
# its cost is the "row-level security itself" line above.
echo "  RLS without a per-row function (item 1): checked by RlsTest, not timed here"
for part in import lists alerts; do
  f=$out/$part.targets
  if [[ -s "$f" ]]; then
    echo "  $part (${status[$part]}):"
    grep -v '^LIMITS' "$f" | sed 's/^ */    /'
  else
    printf '  %-34s %s\n' "$part" "${status[$part]:-not run}"
  fi
done
exit "$failed"
