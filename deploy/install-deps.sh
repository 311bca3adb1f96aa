#!/usr/bin/env bash
# Installs the Debian 12 (bookworm) packages needed to build, test and run smd.
# Idempotent: when every package is already installed it does nothing (no apt-get update).
# Uses sudo only when not root and sudo exists.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git ca-certificates
  openssl libssl-dev
  libgrpc++-dev libgrpc-dev
  # gRPCTargets.cmake checks that every plugin binary exists; they come from
  # protobuf-compiler-grpc, which libgrpc-dev does not pull in (design guide 2.1).
  protobuf-compiler protobuf-compiler-grpc libprotobuf-dev
  libabsl-dev
  libpqxx-dev libpq-dev
  # JSON for the encrypted at-rest form of follow-up records (docs/adr/0006).
  nlohmann-json3-dev
  # smdctl reads and writes Excel .xlsx files: libzip for the archive, expat for the XML
  # (docs/adr/0012). GBK/GB18030 CSV goes through glibc's iconv (no package).
  libzip-dev libexpat1-dev
  # The loopback monitoring endpoint's HTTP server (docs/adr/0015-monitoring-endpoint.md).
  libmicrohttpd-dev
  libgtest-dev libgmock-dev
  postgresql-15 postgresql-client-15 postgresql-contrib
  # The end-to-end walkthrough test reads smdctl's JSON with python3.
  python3
  # The web client's browser tests (docs/web.md): Debian's headless Chromium (driven by
  # playwright-core, never a downloaded browser), a CJK font for readable screenshots, and
  # pdftoppm to count the pages of the printed guidance.
  chromium-headless-shell fonts-wqy-microhei poppler-utils
  # The Debian package (cmake/Packaging.cmake) and its test: dpkg-shlibdeps (dpkg-dev),
  # the maintainer scripts' adduser, systemd-analyze to verify the units.
  dpkg-dev adduser systemd
  # Backups (docs/operations.md "Backups and restore") and their restore drill test.
  pgbackrest
  # High availability (docs/operations.md "High availability and failover", ADR 0013) and
  # its test: the pg_auto_failover monitor and keeper, and haproxy for the stateless tier.
  postgresql-15-auto-failover pg-auto-failover-cli haproxy
)
# The web client builds with Node.js 18 or newer: Debian 12's own nodejs and npm unless a
# Node.js is installed already (a NodeSource package brings its own npm).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  PACKAGES+=(nodejs npm)
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != installed ]]; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages are already installed; nothing to do."
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "install-deps: missing packages: ${missing[*]}" >&2
    echo "install-deps: not root and sudo is not available; install them as root." >&2
    exit 1
  fi
fi

echo "install-deps: missing packages: ${missing[*]}"
echo "+ ${sudo[*]:+${sudo[*]} }apt-get update"
"${sudo[@]}" apt-get update
echo "+ ${sudo[*]:+${sudo[*]} }apt-get install -y --no-install-recommends ${missing[*]}"
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${missing[@]}"
echo "install-deps: done."
