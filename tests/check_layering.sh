#!/usr/bin/env bash
# The dependency rule (docs/architecture.md), checked on every test run:
#   common <- domain <- store <- app <- api <- runtime; crypto used by store and app.
# Link edges already stop calls upward; this also stops upward #includes, which would
# compile because every layer shares the server/ include root and system headers.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root/server" || exit 2
fail=0
# layer: the include patterns it must not use
check() {
  local layer=$1 pattern=$2
  local hits
  hits=$(grep -rnE "^#include [<\"]($pattern)" "$layer" 2>/dev/null)
  if [[ -n "$hits" ]]; then
    echo "layering: $layer/ includes what it may not:"
    echo "$hits"
    fail=1
  fi
}
check common "domain/|crypto/|store/|app/|api/|runtime/|pqxx|grpc|smd/v1/|openssl"
check domain "crypto/|store/|app/|api/|runtime/|pqxx|grpc|smd/v1/|openssl"
check crypto "domain/|store/|app/|api/|runtime/|pqxx|grpc|smd/v1/"
check store  "app/|api/|runtime/|grpc|smd/v1/"
check app    "api/|runtime/|pqxx|grpc|smd/v1/|store/internal/"
check api    "runtime/|pqxx|store/internal/"
# Clients speak the API only: no server headers, no database.
hits=$(grep -rnE '^#include [<"](common/|domain/|crypto/|store/|app/|api/|runtime/|pqxx)' \
  "$root/clients" 2>/dev/null)
if [[ -n "$hits" ]]; then
  echo "layering: clients/ includes server code:"
  echo "$hits"
  fail=1
fi
if ((fail)); then exit 1; fi
echo "layering: 1 passed, 0 failed"
