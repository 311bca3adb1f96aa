#!/usr/bin/env bash
# Usage: deploy/quickstart.sh [run|stop|reset|status]
#
#   run (default)  install packages, build the server and the web client, start a private
#                  PostgreSQL 15 cluster, create the roles and the smd database, make a key
#                  file and dev TLS certificates, migrate, load the synthetic demo data, start
#                  the web gateway in the background (https://127.0.0.1:8443, log in
#                  .dev/gateway.log), print how to connect, then run the server in the
#                  foreground (Ctrl-C stops it and the gateway; the cluster keeps running).
#   stop           stop the private cluster (and a gateway left running)
#   reset          stop the cluster and delete it and .dev/ (keys, certificates, demo users)
#   status         say where the cluster is and whether it is running
#
# Environment: SMD_LISTEN (server, default 127.0.0.1:50051), SMD_WEB_LISTEN (web gateway,
# default 127.0.0.1:8443), SMD_QUICKSTART_MTLS=0 (plain TLS: no client certificates, and the
# audit trail names the gateway instead of the browser; by default the server requires client
# certificates and trusts the forwarded browser addresses of the gateway's certificate only).
#
#
# Development only: synthetic data, trust auth on a private Unix socket, dev certificates.
# State lives in .dev/ of the checkout; the cluster in .dev/pg, or, when run as root (the
# cluster then runs as the OS user postgres, which cannot enter /root), in
# /var/tmp/smd-quickstart-<hash of the checkout path>.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$repo_root"
# shellcheck source-path=SCRIPTDIR/.. source=deploy/lib/pg-private.sh
source "$repo_root/deploy/lib/pg-private.sh"

dev=$repo_root/.dev
build_dir=$repo_root/build
server=$build_dir/server/smd-server
listen=${SMD_LISTEN:-127.0.0.1:50051}
key_file=$dev/keys/smd.keys
anchor_file=$dev/audit-anchor.log
tls_dir=$dev/tls
demo_users=$dev/demo-users.txt
web_listen=${SMD_WEB_LISTEN:-127.0.0.1:8443}
mtls=${SMD_QUICKSTART_MTLS:-1}
web_dir=$repo_root/clients/web
gateway_log=$dev/gateway.log
gateway_pid=$dev/gateway.pid

unique=$(printf '%s' "$repo_root" | sha256sum | cut -c1-12)
pgp_use "$(pgp_base_dir quickstart "$dev/pg" "$unique")"

step() { printf '\n==> %s\n' "$*"; }

# Stops the web gateway this script started (by the pid it saved, and only if that process
# is still our gateway).
stop_gateway() {
  local pid
  [[ -f "$gateway_pid" ]] || return 0
  pid=$(cat "$gateway_pid")
  if [[ -n "$pid" ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'gateway\.mjs'; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in {1..50}; do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
  fi
  rm -f -- "$gateway_pid"
}

case "${1:-run}" in
  run) ;;
  stop)
    stop_gateway
    if pgp_running; then
      pgp_stop
      echo "quickstart: stopped the cluster in $PGP_DATA"
    else
      echo "quickstart: the cluster in $PGP_DATA is not running"
    fi
    exit 0
    ;;
  reset)
    stop_gateway
    pgp_destroy
    rm -rf -- "$dev"
    echo "quickstart: deleted the cluster ($PGP_BASE) and $dev"
    exit 0
    ;;
  status)
    if pgp_running; then
      echo "quickstart: cluster running in $PGP_DATA (socket dir $PGP_SOCK)"
    elif pgp_initialised; then
      echo "quickstart: cluster in $PGP_DATA is stopped"
    else
      echo "quickstart: no cluster yet ($PGP_DATA)"
    fi
    exit 0
    ;;
  -h | --help | help)
    sed -n '2,16s/^# \{0,1\}//p' "$0"
    exit 0
    ;;
  *)
    echo "usage: $0 [run|stop|reset|status]" >&2
    exit 2
    ;;
esac

mkdir -p "$dev"
chmod 0700 "$dev"  # keys, certificates and demo passwords live here

step "Installing packages (deploy/install-deps.sh)"
"$repo_root/deploy/install-deps.sh"

step "Building smd-server and smdctl (RelWithDebInfo, -j2)"
cmake -S "$repo_root" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build_dir" -j2 --target smd_server smdctl

step "Building the web client (clients/web/scripts/build.sh)"
"$web_dir/scripts/build.sh"

step "Starting the private PostgreSQL 15 cluster in $PGP_BASE"
# shellcheck disable=SC2119
pgp_init  # default durability: the quickstart keeps its data
if ((PGP_CREATED)); then
  # Demo users saved from an earlier cluster are no longer valid, and the audit anchor of
  # its database would report that database's chain as missing.
  rm -f -- "$demo_users" "$anchor_file"
  echo "created a new cluster"
fi
pgp_start
echo "running; socket directory $PGP_SOCK, log $PGP_LOG"

step "Creating roles smd_owner, smd_app, smd_audit and database smd (deploy/postgres/*.sql)"
pgp_psql -d postgres -f "$repo_root/deploy/postgres/roles.sql"
pgp_psql -d postgres -f "$repo_root/deploy/postgres/create-db.sql"

owner_dsn=$(pgp_dsn smd_owner smd)
app_dsn=$(pgp_dsn smd_app smd)

step "Field-encryption key file $key_file"
# shellcheck disable=SC2174  # $dev exists already
mkdir -p -m 0700 "$dev/keys"
if [[ -f "$key_file" ]]; then
  echo "keeping the existing key file"
elif [[ -f "$demo_users" ]]; then
  # The database holds data encrypted under the lost key.
  echo "quickstart: $key_file is missing but the database already holds demo data;" >&2
  echo "quickstart: run 'deploy/quickstart.sh reset' and start again." >&2
  exit 1
else
  "$server" keygen --out "$key_file"
fi

step "Development TLS certificates in $tls_dir"
"$repo_root/deploy/tls/make-dev-certs.sh" "$tls_dir"

step "Migrating the schema (as smd_owner)"
"$server" migrate --database-url "$owner_dsn"

step "Handing the audit trail to smd_audit (deploy/postgres/protect-audit.sql)"
pgp_psql -d smd -f "$repo_root/deploy/postgres/protect-audit.sql"

step "Loading synthetic demo data (as smd_app)"
if [[ -f "$demo_users" ]]; then
  "$server" seed-demo --database-url "$app_dsn" --key-file "$key_file"
  echo
  echo "Demo users, as printed by the first seed run (saved in $demo_users):"
  cat "$demo_users"
else
  (umask 077 && "$server" seed-demo --database-url "$app_dsn" --key-file "$key_file" \
    | tee "$demo_users.tmp")
  mv -f -- "$demo_users.tmp" "$demo_users"
fi

step "Starting the web gateway on https://$web_listen (log $gateway_log)"
stop_gateway  # one left from an earlier run
# The browser side uses the server's dev certificate (CN=localhost, SAN 127.0.0.1); upstream,
# the gateway presents its own dev client certificate (gateway.pem, CN=smd-gateway, where
# make-dev-certs.sh issues one; else the generic client.pem).
gateway_cert=gateway
[[ -s "$tls_dir/gateway.pem" ]] || gateway_cert=client
node "$web_dir/dist/gateway.mjs" --listen "$web_listen" \
  --tls-cert "$tls_dir/server.pem" --tls-key "$tls_dir/server.key" \
  --upstream "localhost:${listen##*:}" --upstream-ca "$tls_dir/ca.pem" \
  --client-cert "$tls_dir/$gateway_cert.pem" --client-key "$tls_dir/$gateway_cert.key" \
  --static-dir "$web_dir/dist/public" >>"$gateway_log" 2>&1 &
echo $! >"$gateway_pid"
trap stop_gateway EXIT
trap 'exit 130' INT TERM
for _ in {1..50}; do
  if ! kill -0 "$(cat "$gateway_pid")" 2>/dev/null; then
    echo "quickstart: the web gateway did not start; the end of $gateway_log:" >&2
    tail -n 5 "$gateway_log" >&2
    exit 1
  fi
  grep -q "listening on https://$web_listen" "$gateway_log" && break
  sleep 0.2
done

mtls_flags=()
mtls_note="not required by this server (SMD_QUICKSTART_MTLS=0)"
smdctl_env="export SMDCTL_CA=$tls_dir/ca.pem SMDCTL_SERVER=localhost:${listen##*:}"
if [[ "$mtls" == 1 ]]; then
  # Mutual TLS, and the browser's address from the gateway's certificate identity only
  # (docs/security.md "Behind the web gateway").
  mtls_flags=(--tls-client-ca "$tls_dir/ca.pem" --trusted-gateway smd-gateway)
  mtls_note="required; smdctl shows client.pem, the gateway gateway.pem; audit records name '<browser> via <gateway>'"
  smdctl_env="$smdctl_env SMDCTL_CERT=$tls_dir/client.pem SMDCTL_KEY=$tls_dir/client.key"
fi

cat <<EOF

==> Web client:         https://$web_listen/  (sign in as a demo user, e.g. doctor / Demo-doctor-2026)
    The browser warns about the development certificate: accept it once, or trust the
    dev CA $tls_dir/ca.pem in the browser (or the OS store) and open https://localhost:${web_listen##*:}/.
    Gateway log:        $gateway_log

==> smd-server is starting on $listen (TLS${mtls_flags[*]:+, client certificates required})
    Server certificate: CN=localhost, SAN localhost and 127.0.0.1
    CA to trust:        $tls_dir/ca.pem
    Client cert (mTLS): $tls_dir/client.pem / client.key ($mtls_note)
    Database (app):     $app_dsn
    Demo users:         $demo_users (synthetic data only)
    Audit anchor:       $anchor_file (copies of the signed audit checkpoints)
    Client:             $build_dir/clients/cli/smdctl (docs/walkthrough.md); in another terminal:
                          $smdctl_env
    Ctrl-C stops the server and the web gateway; the database keeps running. Later:
      deploy/quickstart.sh        start again (keeps the data)
      deploy/quickstart.sh stop   stop the database
      deploy/quickstart.sh reset  delete the database, keys and certificates

EOF
# Not exec: the EXIT trap stops the gateway when the server stops.
"$server" serve --listen "$listen" --database-url "$app_dsn" --key-file "$key_file" \
  --tls-cert "$tls_dir/server.pem" --tls-key "$tls_dir/server.key" \
  --audit-anchor-file "$anchor_file" "${mtls_flags[@]}"
