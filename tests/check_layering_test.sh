#!/usr/bin/env bash
# Usage: tests/check_layering_test.sh [CHECKER]
# Self-test of tests/check_layering.sh (ctest `layering_selftest`, label unit): builds small
# fixture trees in a temporary folder, one clean and one per way around the rule, runs the
# checker on each (CHECKER ROOT) and asserts that the clean tree passes and every other tree
# fails. CHECKER defaults to tests/check_layering.sh next to this script.
# SMD_LAYERING_TEST_VERBOSE=1 prints the checker's output for every case.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
checker=${1:-$here/check_layering.sh}
work=$(mktemp -d "${TMPDIR:-/tmp}/smd-layering-XXXXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0
cases=0

# A tree that keeps the rule: every layer folder with a source file that includes only what
# it may (its own layer, the layers below it, a system header).
clean_tree() {
  local t=$1
  mkdir -p "$t/server"/{common,domain,crypto,store/internal,app,api,runtime} "$t/clients/cli"
  printf '#pragma once\n#include <string>\n' >"$t/server/common/status.h"
  printf '#include "domain/rules.h"\n#include "common/status.h"\n#include "absl/status/status.h"\n' \
    >"$t/server/domain/rules.cc"
  printf '#pragma once\n#include "common/status.h"\n' >"$t/server/domain/rules.h"
  printf '#include "crypto/cipher.h"\n#include <openssl/evp.h>\n' >"$t/server/crypto/cipher.cc"
  printf '#pragma once\n' >"$t/server/crypto/cipher.h"
  printf '#include "store/db.h"\n#include "store/internal/pool.h"\n#include <pqxx/pqxx>\n#include "domain/rules.h"\n' \
    >"$t/server/store/db.cc"
  printf '#pragma once\n' >"$t/server/store/db.h"
  printf '#pragma once\n' >"$t/server/store/internal/pool.h"
  printf '#include "app/call.h"\n#include "store/db.h"\n#include "crypto/cipher.h"\n' >"$t/server/app/call.cc"
  printf '#pragma once\n#include "./call_detail.h"\n' >"$t/server/app/call.h"
  printf '#pragma once\n' >"$t/server/app/call_detail.h"
  printf '#include "api/handlers.h"\n#include "app/call.h"\n#include <grpcpp/grpcpp.h>\n#include "smd/v1/patients.grpc.pb.h"\n' \
    >"$t/server/api/handlers.cc"
  printf '#pragma once\n' >"$t/server/api/handlers.h"
  printf '#include "runtime/server.h"\n#include "api/handlers.h"\n#include <pqxx/pqxx>\n' \
    >"$t/server/runtime/server.cc"
  printf '#pragma once\n' >"$t/server/runtime/server.h"
  printf '#include "cli/args.h"\n#include "smd/v1/patients.grpc.pb.h"\n' >"$t/clients/cli/main.cc"
  printf '#pragma once\n' >"$t/clients/cli/args.h"
}

# expect WANT NAME [SETUP...]: a clean tree changed by SETUP (run in the tree), then the
# checker's verdict must be WANT (pass or fail).
expect() {
  local want=$1 name=$2
  shift 2
  local t="$work/case$((++cases))" out rc
  clean_tree "$t"
  (cd "$t" && eval "$*") || {
    echo "FAIL $name: fixture setup failed"
    failures=$((failures + 1))
    return
  }
  out=$("$checker" "$t" 2>&1)
  rc=$?
  if [[ -n "${SMD_LAYERING_TEST_VERBOSE:-}" ]]; then sed 's/^/       /' <<<"$out"; fi
  if [[ $want == pass && $rc == 0 ]] || [[ $want == fail && $rc == 1 ]]; then
    echo "ok   $name (exit $rc)"
  else
    echo "FAIL $name: want $want, checker exited $rc:"
    sed 's/^/       /' <<<"$out"
    failures=$((failures + 1))
  fi
}

add() { printf '%s\n' "$2" >>"$1"; }

expect pass "clean tree"
expect fail "plain upward include" add server/domain/rules.cc "'#include \"store/db.h\"'"
expect fail "relative ../store/db.h" add server/domain/rules.cc "'#include \"../store/db.h\"'"
expect fail "domain/../store/db.h" add server/domain/rules.cc "'#include \"domain/../store/db.h\"'"
expect fail "./ and // in the path" add server/domain/rules.cc "'#include \"./store//db.h\"'"
expect fail "indented #include" add server/domain/rules.cc "'  #include \"store/db.h\"'"
expect fail "spaced #  include" add server/domain/rules.cc "'#  include \"store/db.h\"'"
expect fail "tab and spaces" add server/domain/rules.cc "$'\\t#\\tinclude\\t<pqxx/pqxx>'"
expect fail "no space before the path" add server/domain/rules.cc "'#include<pqxx/pqxx>'"
expect fail "two spaces before the path" add server/domain/rules.cc "'#include  \"store/db.h\"'"
expect fail "deeper relative path" \
  "mkdir -p server/domain/sub && printf '#include \"../../store/db.h\"\\n' >server/domain/sub/x.h"
expect fail "app reaches store/internal via .." add server/app/call.cc \
  "'#include \"store/db/../internal/pool.h\"'"
expect fail "app reaches store/internal relatively" add server/app/call.cc \
  "'#include \"../store/internal/pool.h\"'"
expect fail "server/ prefix from the repository root" add server/domain/rules.cc \
  "'#include \"server/store/db.h\"'"
expect fail "client includes server code relatively" add clients/cli/main.cc \
  "'#include \"../../server/store/db.h\"'"
expect fail "client includes pqxx" add clients/cli/main.cc "'#include <pqxx/pqxx>'"
expect fail "layer folder renamed" "mv server/domain server/rules"
expect fail "layer folder missing" "rm -r server/crypto"
expect fail "layer folder without sources" "rm server/app/*.cc server/app/*.h"
expect fail "clients folder renamed" "mv clients client"
expect pass "same-folder relative include" add server/app/call.cc "'#include \"call_detail.h\"'"

echo "layering self-test: $cases cases, $failures failed"
((failures == 0))
