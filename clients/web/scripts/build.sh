#!/usr/bin/env bash
# Builds the web client: installs the locked dependencies (npm ci, only when package-lock.json
# changed since the last install), checks that they all run on Debian 12's Node 18, generates
# the proto types, type-checks, and builds the pages (dist/public) and the gateway bundle
# (dist/gateway.mjs). Used by deploy/quickstart.sh and deploy/run-tests.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
stamp=node_modules/.smd-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  echo "web: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi
node scripts/check-engines.mjs
npm run --silent build
