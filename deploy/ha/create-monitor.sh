#!/usr/bin/env bash
# Creates the pg_auto_failover monitor for smd, with the timings of monitor.conf.
# Run as the postgres OS user (pg_autoctl refuses root), on its own small host:
#
#   deploy/ha/create-monitor.sh PGDATA PORT HOSTNAME [pg_autoctl create monitor OPTIONS...]
#
# e.g. deploy/ha/create-monitor.sh /var/lib/postgresql/15/monitor 5000 monitor.example.internal \
#        --ssl-self-signed --auth scram-sha-256
# (production: TLS between monitor and nodes, and password authentication; the HA test runs
# --auth trust --no-ssl on loopback). Then run it under systemd: `pg_autoctl show systemd
# --pgdata PGDATA > /etc/systemd/system/pgautofailover.service` (as root), and
# `systemctl enable --now pgautofailover`. docs/operations.md "High availability and failover".
set -euo pipefail
if (($# < 3)); then
  sed -n '2,14p' "$0" >&2
  exit 2
fi
pgdata=$1 port=$2 hostname=$3
shift 3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
[[ $(id -u) -ne 0 ]] || { echo "create-monitor: run as the postgres user, not root" >&2; exit 2; }

pg_autoctl create monitor --pgdata "$pgdata" --pgport "$port" --hostname "$hostname" "$@"
install -m 0600 "$here/monitor.conf" "$pgdata/smd-ha-monitor.conf"
grep -q "smd-ha-monitor.conf" "$pgdata/postgresql.conf" ||
  printf "\n# smd: failover timings (deploy/ha/monitor.conf)\ninclude 'smd-ha-monitor.conf'\n" \
    >>"$pgdata/postgresql.conf"
echo "create-monitor: monitor in $pgdata on port $port; start it with pg_autoctl run (or systemd)"
