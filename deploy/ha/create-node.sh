#!/usr/bin/env bash
# Creates one smd data node (PostgreSQL 15 kept by pg_autoctl) registered with the monitor.
# Run as the postgres OS user on each database host, the future primary first:
#
#   deploy/ha/create-node.sh PGDATA PORT HOSTNAME NAME MONITOR_URI [pg_autoctl OPTIONS...]
#
# e.g. deploy/ha/create-node.sh /var/lib/postgresql/15/smd 5432 db1.example.internal db1 \
#        'postgres://autoctl_node@monitor.example.internal:5000/pg_auto_failover?sslmode=require' \
#        --ssl-self-signed --auth scram-sha-256
#
# The first node becomes the primary (state "single"); the second clones it
# (pg_basebackup) and follows as the synchronous standby. Every node takes part in the
# replication quorum with the same candidate priority: a commit is acknowledged only once
# the standby has it (synchronous_standby_names = 'ANY 1 (...)', synchronous_commit = on),
# so a failover loses no acknowledged transaction. The keeper's timeouts are tuned with the
# monitor's (monitor.conf). Then, on the primary only: roles.sql, create-db.sql, `smd-server
# migrate`, protect-audit.sql as docs/operations.md "Install from the package" says, and
# pg_hba.conf lines for smd_app from the smd-server hosts on BOTH nodes (pg_hba.conf is
# not replicated). Run the keeper under systemd: `pg_autoctl show systemd --pgdata PGDATA`.
set -euo pipefail
if (($# < 5)); then
  sed -n '2,21p' "$0" >&2
  exit 2
fi
pgdata=$1 port=$2 hostname=$3 name=$4 monitor=$5
shift 5
[[ $(id -u) -ne 0 ]] || { echo "create-node: run as the postgres user, not root" >&2; exit 2; }

pg_autoctl create postgres --pgdata "$pgdata" --pgport "$port" --hostname "$hostname" \
  --name "$name" --monitor "$monitor" --replication-quorum true --candidate-priority 50 "$@"

# The keeper's side of the timings (seconds). network_partition_timeout: a primary that can
# reach neither the monitor nor a standby for this long demotes itself (default 20; must stay
# below the monitor's primary_demote_timeout, 5 s). prepare_promotion_walreceiver: how long a
# standby being promoted waits for its WAL receiver to stop (default 5).
# postgresql_restart_failure_timeout: how long the keeper keeps restarting a crashed local
# PostgreSQL before it reports failure and lets the monitor fail over (default 20).
pg_autoctl config set --pgdata "$pgdata" timeout.network_partition_timeout 3
pg_autoctl config set --pgdata "$pgdata" timeout.prepare_promotion_walreceiver 2
pg_autoctl config set --pgdata "$pgdata" timeout.postgresql_restart_failure_timeout 10
echo "create-node: node $name in $pgdata on port $port; start it with pg_autoctl run (or systemd)"
