#!/usr/bin/env bash
# The Debian package (cmake/Packaging.cmake, deploy/debian/, docs/operations.md):
#   tests/package/deb_test.sh BUILD_DIR
# Builds it with cpack and checks its contents and dependencies. As root on a machine where
# smd is not set up (no /etc/smd and the package not installed: CI's fresh machine), it also
# installs it with dpkg -i, runs the programs, verifies the systemd units, reinstalls over an
# edited configuration, removes it (configuration and key kept) and purges it (configuration
# gone, key kept), then cleans up after itself.
set -euo pipefail

build=$(cd "${1:?usage: deb_test.sh BUILD_DIR}" && pwd -P)
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
[[ -n "$version" ]] || { echo "FAIL: no version in $build/CPackConfig.cmake" >&2; exit 1; }
out=$(mktemp -d "${TMPDIR:-/tmp}/smd-deb-XXXXXX")
trap 'rm -rf "$out"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "==> $*"; }

step "cpack -G DEB"
(cd "$build" && cpack -G DEB -B "$out" >"$out/cpack.log" 2>&1) || { cat "$out/cpack.log" >&2; fail "cpack"; }
deb=$(ls "$out"/smd-server_"$version"_*.deb 2>/dev/null | head -1)
[[ -f "$deb" ]] || fail "no smd-server_${version}_*.deb in $out"
echo "    $(basename "$deb"), $(du -h "$deb" | cut -f1)"

step "contents"
contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/bin/smd-server ./usr/bin/smdctl \
         ./lib/systemd/system/smd-server.service ./lib/systemd/system/smd-gateway.service \
         ./usr/share/smd/examples/smd.env.example ./usr/share/smd/examples/smd-gateway.env.example \
         ./usr/share/smd/postgres/roles.sql ./usr/share/smd/postgres/create-db.sql \
         ./usr/share/smd/postgres/protect-audit.sql ./usr/share/doc/smd-server/operations.md \
         ./usr/share/smd/examples/monitoring/prometheus.yml \
         ./usr/share/smd/examples/monitoring/smd-alerts.yml; do
  grep -qxF "$f" <<<"$contents" || fail "$f missing from the package"
done
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
if [[ -f "$repo/clients/web/dist/gateway.mjs" || -n "${SMD_PACKAGE_EXPECT_WEB:-}" ]]; then
  grep -qxF ./usr/lib/smd/web/gateway.mjs <<<"$contents" || fail "web gateway missing"
  grep -q '^\./usr/lib/smd/web/public/index\.html$' <<<"$contents" || fail "web pages missing"
fi
# Nothing that is configuration or a secret is shipped as a file dpkg would own.
if grep -E '^\./etc/' <<<"$contents"; then fail "the package ships files under /etc"; fi

step "control"
depends=$(dpkg-deb -f "$deb" Depends)
for d in libgrpc++ libprotobuf libpqxx libssl nodejs adduser; do
  grep -q "$d" <<<"$depends" || fail "Depends lacks $d: $depends"
done
dpkg-deb -e "$deb" "$out/control"
for s in postinst prerm postrm; do
  [[ -x "$out/control/$s" ]] || fail "maintainer script $s missing"
  sh -n "$out/control/$s" || fail "$s is not valid sh"
done
dpkg-deb -x "$deb" "$out/tree"
# The unit starts the server binary the package ships (not a hand install's path).
# Both read from the package's contents, so the test holds wherever the package puts them.
shipped=$(grep -m1 '/bin/smd-server$' <<<"$contents")
unit=$(grep -m1 '/smd-server\.service$' <<<"$contents") || fail "no smd-server.service in the package"
grep -qF "ExecStart=${shipped#.} serve " "$out/tree/${unit#./}" ||
  fail "the packaged unit does not start ${shipped#.}"

if [[ $(id -u) -ne 0 || -e /etc/smd ]] || dpkg-query -W -f='${db:Status-Status}' smd-server 2>/dev/null | grep -q installed; then
  echo "==> SKIP install checks: needs root on a machine where smd is not set up"
  echo "PASS (contents only)"
  exit 0
fi

cleanup_install() {
  dpkg --purge smd-server >/dev/null 2>&1 || true
  rm -rf /etc/smd /var/lib/smd
  for u in smd smd-gateway; do
    getent passwd "$u" >/dev/null && deluser --system --quiet "$u" >/dev/null 2>&1 || true
    getent group "$u" >/dev/null && delgroup --system --quiet "$u" >/dev/null 2>&1 || true
  done
  rm -rf "$out"
}
trap cleanup_install EXIT

# A Node.js installed outside dpkg (e.g. a tarball) satisfies the gateway but not the
# package's "nodejs" dependency: then the check installs without that one dependency.
dpkg_opts=()
if ! dpkg-query -W -f='${db:Status-Status}' nodejs 2>/dev/null | grep -qx installed; then
  echo "    (nodejs is not a dpkg package here: --ignore-depends=nodejs)"
  dpkg_opts=(--ignore-depends=nodejs)
fi
step "dpkg -i"
dpkg -i "${dpkg_opts[@]}" "$deb" >"$out/dpkg.log" 2>&1 || { cat "$out/dpkg.log" >&2; fail "dpkg -i"; }
[[ "$(smd-server --version)" == "smd-server $version" ]] || fail "smd-server --version: $(smd-server --version)"
[[ "$(smdctl --version)" == "smdctl $version" ]] || fail "smdctl --version"
getent passwd smd >/dev/null || fail "no smd user"
getent passwd smd-gateway >/dev/null || fail "no smd-gateway user"
[[ "$(stat -c '%a %U' /etc/smd)" == "700 root" ]] || fail "/etc/smd is $(stat -c '%a %U' /etc/smd)"
[[ "$(stat -c '%a %U' /etc/smd/smd.env)" == "600 root" ]] || fail "/etc/smd/smd.env mode"
[[ ! -e /etc/smd/smd.keys ]] || fail "the package made a key"

step "systemd-analyze verify"
systemd-analyze verify /lib/systemd/system/smd-server.service /lib/systemd/system/smd-gateway.service

step "reinstall keeps an edited configuration and a key"
echo 'SMD_LISTEN="127.0.0.1:50999"  # operator edit' >>/etc/smd/smd.env
smd-server keygen --out /etc/smd/smd.keys >/dev/null
key_sum=$(sha256sum /etc/smd/smd.keys)
dpkg -i "${dpkg_opts[@]}" "$deb" >"$out/dpkg.log" 2>&1 || { cat "$out/dpkg.log" >&2; fail "reinstall"; }
grep -q 'operator edit' /etc/smd/smd.env || fail "reinstall overwrote /etc/smd/smd.env"
[[ "$(sha256sum /etc/smd/smd.keys)" == "$key_sum" ]] || fail "reinstall changed the key"

step "dpkg -r keeps configuration and key"
dpkg -r smd-server >"$out/dpkg.log" 2>&1 || { cat "$out/dpkg.log" >&2; fail "dpkg -r"; }
[[ ! -e /usr/bin/smd-server && ! -e /usr/bin/smdctl ]] || fail "programs left after remove"
[[ ! -e /lib/systemd/system/smd-server.service ]] || fail "unit left after remove"
grep -q 'operator edit' /etc/smd/smd.env || fail "remove deleted the configuration"
[[ -f /etc/smd/smd.keys ]] || fail "remove deleted the key"

step "dpkg --purge removes configuration, keeps the key"
dpkg --purge smd-server >"$out/dpkg.log" 2>&1 || { cat "$out/dpkg.log" >&2; fail "purge"; }
[[ ! -e /etc/smd/smd.env && ! -e /etc/smd/gateway.env ]] || fail "purge left the configuration"
[[ "$(sha256sum /etc/smd/smd.keys)" == "$key_sum" ]] || fail "purge deleted the key"
grep -q 'kept' "$out/dpkg.log" || fail "purge did not say what it kept"
! getent passwd smd-gateway >/dev/null || fail "purge left the smd-gateway user"
[[ -z "$(dpkg -L smd-server 2>/dev/null)" ]] || fail "dpkg still lists files"
echo "PASS"
