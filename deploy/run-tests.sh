#!/usr/bin/env bash
# Usage: deploy/run-tests.sh [CTEST ARGS...]
# Installs packages, configures and builds everything with the tests switched on
# (RelWithDebInfo, -DSMD_BUILD_TESTS=ON, -j2), then runs all tests: unit tests, and
# integration tests against a throwaway PostgreSQL cluster (tests/support/with_postgres.sh).
# Extra arguments go to ctest, e.g. `deploy/run-tests.sh -L unit`.
#
# A run that proves nothing fails: ctest gets --no-tests=error (a mistyped label or an empty
# build directory is an error, not "No tests were found" and exit 0), and a full run (no
# arguments) must have run every expected suite: at least one test of each label (unit,
# integration) and each named suite below. Exit code: ctest's, or 1 when a suite is missing.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$repo_root"

# Suites a full run must include (tests/CMakeLists.txt). A unit gtest has a dotted name.
expected_labels=(unit integration browser package ops ha)
expected_tests=(layering layering_selftest gtest_zero_tests_fail integration e2e_walkthrough
  web_unit web_engines browser package_deb restore_drill ha_failover)

echo "==> Installing packages (deploy/install-deps.sh)"
deploy/install-deps.sh

echo "==> Configuring and building (build/, RelWithDebInfo, tests on, -j2)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSMD_BUILD_TESTS=ON
cmake --build build -j2

echo "==> Building the web client (clients/web/scripts/build.sh)"
clients/web/scripts/build.sh

echo "==> Running tests (ctest)"
junit=$(mktemp "${TMPDIR:-/tmp}/smd-ctest-XXXXXXXX.xml")
trap 'rm -f "$junit"' EXIT
set +e
ctest --test-dir build --output-on-failure --no-tests=error --output-junit "$junit" "$@"
rc=$?
set -e
echo "==> ctest exit code: $rc"

# Names of the tests that ran (passed or failed), from ctest's JUnit report.
ran_tests() {
  sed -n 's/^[[:space:]]*<testcase name="\([^"]*\)".* status="\(run\|fail\)".*/\1/p' "$junit" |
    sed 's/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&apos;/'"'"'/g; s/&amp;/\&/g'
}

if (($# == 0)); then
  missing=()
  ran=$(ran_tests | sort -u)
  for t in "${expected_tests[@]}"; do
    grep -qxF -- "$t" <<<"$ran" || missing+=("test '$t'")
  done
  for label in "${expected_labels[@]}"; do
    in_label=$(ctest --test-dir build -N -L "^${label}\$" |
      sed -n 's/^[[:space:]]*Test[[:space:]]*#[0-9]*: //p' | sort -u)
    if [[ -z "$(comm -12 <(echo "$ran") <(echo "$in_label") | sed '/^$/d')" ]]; then
      missing+=("label '$label'")
    fi
  done
  if ! grep -q '\.' <<<"$ran"; then
    missing+=("the unit gtests (smd_unit_tests)")
  fi
  if ((${#missing[@]} > 0)); then
    echo "==> FAILED: these suites did not run:" >&2
    printf '      %s\n' "${missing[@]}" >&2
    echo "    (a suite that is not built or not registered proves nothing; see tests/CMakeLists.txt)" >&2
    exit 1
  fi
  echo "==> every expected suite ran: labels ${expected_labels[*]}; tests ${expected_tests[*]}"
fi
exit "$rc"
