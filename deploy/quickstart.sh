#!/usr/bin/env bash
# Usage: deploy/quickstart.sh [run|stop|reset|status]
#
#   run (default)  install packages, build, start a private PostgreSQL 15 cluster, create the
#                  roles and the smd database, make a key file and dev TLS certificates,
#                  migrate, load the synthetic demo data, print how to connect, then run the
#                  server in the foreground (Ctrl-C stops it; the cluster keeps running).
#   stop           stop the private cluster
#   reset          stop the cluster and delete it and .dev/ (keys, certificates, demo users)
#   status         say where the cluster is and whether it is running
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

unique=$(printf '%s' "$repo_root" | sha256sum | cut -c1-12)
pgp_use "$(pgp_base_dir quickstart "$dev/pg" "$unique")"

step() { printf '\n==> %s\n' "$*"; }

case "${1:-run}" in
  run) ;;
  stop)
    if pgp_running; then
      pgp_stop
      echo "quickstart: stopped the cluster in $PGP_DATA"
    else
      echo "quickstart: the cluster in $PGP_DATA is not running"
    fi
    exit 0
    ;;
  reset)
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

cat <<EOF

==> smd-server is starting on $listen (TLS)
    Server certificate: CN=localhost, SAN localhost and 127.0.0.1
    CA to trust:        $tls_dir/ca.pem
    Client cert (mTLS): $tls_dir/client.pem / client.key (not required by this server)
    Database (app):     $app_dsn
    Demo users:         $demo_users (synthetic data only)
    Audit anchor:       $anchor_file (copies of the signed audit checkpoints)
    Client:             $build_dir/clients/cli/smdctl (docs/walkthrough.md); in another terminal:
                          export SMDCTL_CA=$tls_dir/ca.pem SMDCTL_SERVER=localhost:${listen##*:}
    Ctrl-C stops the server; the database keeps running. Later:
      deploy/quickstart.sh        start again (keeps the data)
      deploy/quickstart.sh stop   stop the database
      deploy/quickstart.sh reset  delete the database, keys and certificates

EOF
exec "$server" serve --listen "$listen" --database-url "$app_dsn" --key-file "$key_file" \
  --tls-cert "$tls_dir/server.pem" --tls-key "$tls_dir/server.key" \
  --audit-anchor-file "$anchor_file"
