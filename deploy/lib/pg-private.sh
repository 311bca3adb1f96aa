# shellcheck shell=bash
# Helpers to run a private PostgreSQL 15 cluster in a directory of its own, reachable only
# through a Unix socket (listen_addresses=''), with trust auth for local connections.
# Source this file; it sets no shell options. Every function returns non-zero on failure.
#
#   source deploy/lib/pg-private.sh
#   pgp_use "$(pgp_base_dir quickstart "$PWD/.dev/pg" "$unique")"
#   pgp_init ["setting = value" ...]   # initdb once; the settings go into postgresql.conf
#   pgp_start; pgp_psql -d postgres -c 'select 1'; pgp_dsn smd_app smd; pgp_stop; pgp_destroy
#
# initdb refuses to run as root. As root the cluster runs as the `postgres` OS user (via
# runuser) and lives under /var/tmp/smd-<purpose>-<unique>, which that user can reach (a
# checkout under /root, mode 700, is not reachable). As any other user it runs as that user,
# in the directory given. The cluster's base and socket directories are mode 0700 and owned
# by the user running the cluster; root reaches them through its usual DAC override.

SMD_PG_BINDIR=${SMD_PG_BINDIR:-/usr/lib/postgresql/15/bin}
SMD_PG_PORT=${SMD_PG_PORT:-5432}  # only names the socket file; no TCP listener

pgp_is_root() { [[ $(id -u) -eq 0 ]]; }

pgp_log() { printf 'pg-private: %s\n' "$*" >&2; }

# pgp_base_dir PURPOSE NONROOT_DIR UNIQUE: prints where the cluster should live.
pgp_base_dir() {
  if pgp_is_root; then
    printf '/var/tmp/smd-%s-%s\n' "$1" "$3"
  else
    printf '%s\n' "$2"
  fi
}

# pgp_use BASE: selects the cluster in BASE (need not exist yet). Sets PGP_BASE, PGP_DATA,
# PGP_LOG, PGP_SOCK.
pgp_use() {
  local base=$1
  [[ "$base" == /* ]] || base=$PWD/$base
  PGP_BASE=$base
  PGP_DATA=$base/data
  PGP_LOG=$base/postgres.log
  PGP_SOCK=$base/run
  # A Unix socket path is limited to 107 bytes; ".s.PGSQL.5432.lock" needs 19 of them.
  # A deep checkout gets a socket directory under /tmp, derived from BASE so that later
  # calls (stop, reset) find it again.
  if ((${#PGP_SOCK} > 85)); then
    PGP_SOCK=/tmp/smd-pg-$(id -u)-$(printf '%s' "$base" | sha256sum | cut -c1-16)
  fi
}

# Runs a command as the OS user that owns the cluster, from / (so that a cwd under /root,
# unreadable to postgres, does not matter).
_pgp_as() {
  if pgp_is_root; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# _pgp_private_dir DIR: creates DIR (mode 0700) owned by the cluster user; refuses symlinks
# and directories owned by anyone else (a predictable name in /var/tmp or /tmp could have
# been created by another local user).
_pgp_private_dir() {
  local dir=$1 owner
  if [[ -L "$dir" ]] || { [[ -e "$dir" ]] && [[ ! -d "$dir" ]]; }; then
    pgp_log "refusing $dir: not a plain directory"
    return 1
  fi
  if pgp_is_root; then
    if ! getent passwd postgres >/dev/null; then
      pgp_log "no 'postgres' OS user; run deploy/install-deps.sh (package postgresql-15)"
      return 1
    fi
    if [[ -d "$dir" ]]; then
      owner=$(stat -c %U "$dir") || return 1
      if [[ "$owner" != root && "$owner" != postgres ]]; then
        pgp_log "refusing $dir: owned by $owner"
        return 1
      fi
    fi
    install -d -m 0700 -o postgres -g postgres "$dir" || return 1
  else
    if [[ -d "$dir" ]] && [[ ! -O "$dir" ]]; then
      pgp_log "refusing $dir: not owned by $(id -un)"
      return 1
    fi
    mkdir -p "$dir" && chmod 0700 "$dir" || return 1
  fi
}

# Quotes a value for postgresql.conf.
_pgp_conf_quote() { printf "'%s'" "${1//\'/\'\'}"; }

# pgp_initialised: true when BASE holds an initialised data directory.
pgp_initialised() { [[ -f "$PGP_DATA/PG_VERSION" ]]; }

# pgp_init [SETTING...]: initdb (superuser "postgres", trust, UTF8, C.UTF-8) unless already
# initialised, then appends the socket settings and SETTINGs ("name = value") to
# postgresql.conf. Sets PGP_CREATED=1 when it created the cluster, else 0.
pgp_init() {
  PGP_CREATED=0
  if pgp_initialised; then
    return 0
  fi
  if [[ ! -x "$SMD_PG_BINDIR/initdb" ]]; then
    pgp_log "$SMD_PG_BINDIR/initdb not found; run deploy/install-deps.sh"
    return 1
  fi
  if pgp_is_root && [[ "$PGP_BASE" != /var/tmp/* && "$PGP_BASE" != /tmp/* ]]; then
    pgp_log "warning: as root the cluster runs as 'postgres'; $PGP_BASE must be reachable by it"
  fi
  _pgp_private_dir "$PGP_BASE" || return 1
  local locale=C
  if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
    locale=C.UTF-8
  fi
  if ! _pgp_as "$SMD_PG_BINDIR/initdb" -D "$PGP_DATA" -A trust -U postgres \
      --encoding=UTF8 --locale="$locale" >"$PGP_BASE/initdb.log" 2>&1; then
    pgp_log "initdb failed:"
    cat "$PGP_BASE/initdb.log" >&2
    return 1
  fi
  {
    echo
    echo "# --- added by deploy/lib/pg-private.sh: Unix socket only ---"
    echo "listen_addresses = ''"
    echo "port = $SMD_PG_PORT"
    echo "unix_socket_directories = $(_pgp_conf_quote "$PGP_SOCK")"
    local setting
    for setting in "$@"; do
      echo "$setting"
    done
  } >>"$PGP_DATA/postgresql.conf" || return 1
  # shellcheck disable=SC2034  # read by the caller
  PGP_CREATED=1
}

# pgp_running: true when the cluster's postmaster is running.
pgp_running() {
  pgp_initialised && _pgp_as "$SMD_PG_BINDIR/pg_ctl" -D "$PGP_DATA" status >/dev/null 2>&1
}

# pgp_start: starts the cluster unless it is already running; waits until it accepts
# connections. The socket directory is (re)created first: it may be under /tmp.
pgp_start() {
  if pgp_running; then
    return 0
  fi
  if ! pgp_initialised; then
    pgp_log "no cluster in $PGP_DATA; call pgp_init first"
    return 1
  fi
  _pgp_private_dir "$PGP_SOCK" || return 1
  if ! _pgp_as "$SMD_PG_BINDIR/pg_ctl" -D "$PGP_DATA" -l "$PGP_LOG" -w -t 60 start >/dev/null; then
    pgp_log "pg_ctl start failed; last lines of $PGP_LOG:"
    tail -n 30 "$PGP_LOG" >&2 || true
    return 1
  fi
}

# pgp_stop [MODE]: stops the cluster if running (MODE: fast by default, or immediate).
pgp_stop() {
  if ! pgp_running; then
    return 0
  fi
  _pgp_as "$SMD_PG_BINDIR/pg_ctl" -D "$PGP_DATA" -m "${1:-fast}" -w -t 60 stop >/dev/null
}

# pgp_destroy: stops the cluster (immediately: the data is thrown away) and deletes it.
pgp_destroy() {
  pgp_stop immediate || true
  if pgp_running; then
    pgp_log "cluster in $PGP_DATA is still running; not deleting it"
    return 1
  fi
  rm -rf -- "$PGP_BASE"
  if [[ "$PGP_SOCK" != "$PGP_BASE"/* ]]; then
    rm -rf -- "$PGP_SOCK"
  fi
}

# pgp_psql [PSQL ARGS...]: psql as the cluster superuser "postgres" over the socket, as the
# current OS user (trust auth), stopping at the first error. Default database: postgres.
pgp_psql() {
  PGPORT=$SMD_PG_PORT "$SMD_PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 \
    -h "$PGP_SOCK" -U postgres "$@"
}

# pgp_dsn USER DBNAME: prints a libpq connection string for the cluster.
pgp_dsn() {
  local host=$PGP_SOCK
  if [[ ! "$host" =~ ^[A-Za-z0-9/._+-]+$ ]]; then
    host=${host//\\/\\\\}
    host="'${host//\'/\\\'}'"
  fi
  printf 'host=%s port=%s user=%s dbname=%s\n' "$host" "$SMD_PG_PORT" "$1" "$2"
}
