#!/usr/bin/env bash
# Usage: deploy/run-tests.sh [CTEST ARGS...]
# Installs packages, configures and builds everything (RelWithDebInfo, -j2), then runs all
# tests: unit tests, and integration tests against a throwaway PostgreSQL cluster
# (tests/support/with_postgres.sh). Exits with ctest's exit code. Extra arguments go to
# ctest, e.g. `deploy/run-tests.sh -L unit`.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$repo_root"

echo "==> Installing packages (deploy/install-deps.sh)"
deploy/install-deps.sh

echo "==> Configuring and building (build/, RelWithDebInfo, -j2)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j2

echo "==> Running tests (ctest)"
set +e
ctest --test-dir build --output-on-failure "$@"
rc=$?
set -e
echo "==> ctest exit code: $rc"
exit "$rc"
