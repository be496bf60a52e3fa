#!/usr/bin/env bash
# The local stack of MasterTrade Goals: PostgreSQL 15, PgBouncer (transaction
# pooling), a cache Redis and a broker Redis, all on loopback with data under var/.
#
#   scripts/stack.sh deps      install missing Debian packages (root) or say what to install
#   scripts/stack.sh start     start whatever is not running (idempotent); prints what it started
#   scripts/stack.sh stop      stop every service of the stack (and web/worker/beat pidfiles)
#   scripts/stack.sh status    one line per service
#   scripts/stack.sh start-app NAME   start web, worker or beat in the background (pidfile, var/log/NAME.log)
#   scripts/stack.sh failover         promote the standby, fence the old primary (docs/operations/standby.md)
#   scripts/stack.sh rebuild-standby  a fresh synchronous standby from the current primary (idempotent)
#   scripts/stack.sh standby-status   roles, ports and the replication state
#   scripts/stack.sh standby-off|standby-on   relax / restore synchronous commit (degraded: alerted)
#   scripts/stack.sh pg-data          the current primary's data folder
#
# A synchronous standby (STACK_STANDBY=1, the default; 0 runs without one): a second
# PostgreSQL streaming from the primary, on DB_STANDBY_PORT. A commit is acknowledged once
# the standby has flushed it. The two nodes live in <pg-root>/data and <pg-root>/standby;
# <pg-root>/primary-node names the primary's (after a failover, the other). Roles keep
# their ports and sockets: the primary listens on DB_DIRECT_PORT and <pg-root>/run, the
# standby on DB_STANDBY_PORT and <pg-root>/run-standby, so PgBouncer, backups and psql
# always reach the primary at the same address.
#   scripts/stack.sh env       the stack's settings as shell exports: eval "$(scripts/stack.sh env)"
#   scripts/stack.sh pg-root | pg-data | backup-repo   PostgreSQL's folder, its data folder, the backups
#   scripts/stack.sh clean     delete the stack's data and logs, KEEPING the backup repository
#   scripts/stack.sh clean-backups    delete the backup repository (nothing else)
#
# Every start waits for the service's readiness signal (an open port, a live pidfile) for up
# to STACK_START_TIMEOUT seconds (default 120: a busy machine may take that long), and fails
# early, with the log's tail, when the process exits first.
#
# WAL archiving: every cluster archives its WAL to a pgBackRest repository (stanza
# `mastertrade`) in BACKUP_REPO_PATH, by default <pg-root>-backups: beside PostgreSQL's
# folder, never inside it, so deleting the cluster's folder keeps its backups.
# scripts/backup.py takes, lists and restores the backups (make backup / backup-info / restore).
#
# PostgreSQL and PgBouncer refuse to run as root: as root they run as the `postgres`
# OS user. Ports and names come from the same environment variables as the settings.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# STACK_VAR / STACK_PG_ROOT: a second stack from the same checkout (the backup drills).
VAR="${STACK_VAR:-$ROOT/var}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_PORT="${DB_DIRECT_PORT:-5432}"
PG_STANDBY_PORT="${DB_STANDBY_PORT:-5433}"
STANDBY="${STACK_STANDBY:-1}"
# What the walreceiver calls itself, and so what synchronous_standby_names names.
STANDBY_NAME=standby
PGBOUNCER_PORT="${DB_PORT:-6432}"
REDIS_CACHE_PORT="${REDIS_CACHE_PORT:-6379}"
REDIS_BROKER_PORT="${REDIS_BROKER_PORT:-6380}"
REDIS_CACHE_MAXMEMORY="${REDIS_CACHE_MAXMEMORY:-2gb}"
DB_NAME="${DB_NAME:-mastertrade}"
DB_USER="${DB_USER:-mastertrade}"
DB_PASSWORD="${DB_PASSWORD:-mastertrade}"
STARTED_FILE="$VAR/run/started-by-${STACK_SESSION:-$$}"
START_TIMEOUT="${STACK_START_TIMEOUT:-120}"

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }

# PostgreSQL's own folders must be reachable by the user it runs as. As root, PostgreSQL
# runs as `postgres`, which may not reach the checkout (a mode-700 home such as /root):
# its folder is then always /var/tmp/mastertrade-<hash of the checkout's path>, whether
# var/ exists or not. A cluster that an older version of this script made in var/pg is
# kept where it is. Not root: var/pg.
pg_root() {
  if [ -n "${STACK_PG_ROOT:-}" ]; then echo "$STACK_PG_ROOT"; return; fi
  if is_root && [ ! -f "$VAR/pg/data/PG_VERSION" ]; then
    echo "/var/tmp/mastertrade-$(printf '%s' "$ROOT" | md5sum | cut -c1-10)"
  else
    echo "$VAR/pg"
  fi
}

# The nodes: <pg-root>/<node>, node `data` (the primary of a fresh stack) or `standby`.
primary_node() { cat "$(pg_root)/primary-node" 2>/dev/null || echo data; }
standby_node() { [ "$(primary_node)" = data ] && echo standby || echo data; }
pg_data() { echo "$(pg_root)/$(primary_node)"; }
standby_data() { echo "$(pg_root)/$(standby_node)"; }
# The pgBackRest repository: BACKUP_REPO_PATH, by default beside PostgreSQL's folder.
backup_repo() { echo "${BACKUP_REPO_PATH:-$(pg_root)-backups}"; }

# The stack's settings as shell exports (eval "$(scripts/stack.sh env)"): what the runbook's
# commands and an operator's shell use. Defaults are filled in.
print_env() {
  local name value
  for name in DB_DIRECT_PORT DB_PORT REDIS_CACHE_PORT REDIS_BROKER_PORT DB_NAME DB_USER DB_PASSWORD WEB_BIND \
      STACK_SESSION STACK_VAR STACK_PG_ROOT BACKUP_REPO_PATH BACKUP_STATUS_DIR; do
    case $name in
      DB_DIRECT_PORT) value=$PG_PORT ;; DB_PORT) value=$PGBOUNCER_PORT ;;
      REDIS_CACHE_PORT) value=$REDIS_CACHE_PORT ;; REDIS_BROKER_PORT) value=$REDIS_BROKER_PORT ;;
      DB_NAME) value=$DB_NAME ;; DB_USER) value=$DB_USER ;; DB_PASSWORD) value=$DB_PASSWORD ;;
      WEB_BIND) value=${WEB_BIND:-127.0.0.1:8000} ;; BACKUP_REPO_PATH) value=$(backup_repo) ;;
      *) value=${!name:-}; [ -n "$value" ] || continue ;;
    esac
    printf 'export %s=%q\n' "$name" "$value"
  done
}

# `make clean`: the stack's data and logs go, the backup repository stays (also when it
# lies under var/); `make clean-backups` deletes the repository, and says so.
clean() {
  local repo; repo="$(backup_repo)"
  stop
  rm -rf "$(pg_root)"
  if [ -d "$VAR" ]; then
    find "$VAR" -mindepth 1 -maxdepth 1 | while read -r path; do
      case "$repo/" in "$path"/*) continue ;; esac
      rm -rf "$path"
    done
  fi
  log "deleted the stack's data and logs; the backups are kept in $repo (make clean-backups deletes them)"
}

clean_backups() {
  local repo; repo="$(backup_repo)"
  [ -d "$repo" ] || { log "no backup repository in $repo"; return 0; }
  rm -rf "$repo"
  log "deleted the backup repository $repo"
}

as_pg() {
  # Run a command as the PostgreSQL owner (postgres when root, else ourselves).
  if is_root; then (cd / && su postgres -s /bin/bash -c "$*"); else bash -c "$*"; fi
}

deps() {
  local missing=()
  [ -x "$PG_BIN/postgres" ] || missing+=(postgresql-15)
  command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] || missing+=(pgbouncer)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  # Backups (WAL archiving, PITR) and `promtool test rules` (the alert rules' tests).
  command -v pgbackrest >/dev/null 2>&1 || missing+=(pgbackrest)
  command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
  command -v amtool >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
  # `make test-busy` and the busy restore drill: a CPU hog beside the tests.
  command -v stress-ng >/dev/null 2>&1 || missing+=(stress-ng)
  # Browser tests (make test) drive Debian's Chromium; the compose test validates
  # docker-compose.yml with Debian's docker-compose (no Docker engine needed).
  [ -n "${STACK_SKIP_BROWSER:-}" ] || [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v docker-compose >/dev/null 2>&1 || docker compose version >/dev/null 2>&1 || missing+=(docker-compose)
  [ ${#missing[@]} -eq 0 ] && return 0
  if is_root; then
    log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    die "missing packages: ${missing[*]}. Install them with: sudo apt-get install -y ${missing[*]}"
  fi
}

pid_alive() { [ -f "$1" ] && proc_alive "$(head -1 "$1")"; }
# A process that exists and is not a zombie (an exited child not reaped yet).
proc_alive() { kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# wait_ready WHAT PID LOG CHECK...: until CHECK holds, for at most START_TIMEOUT s. Fails
# at once (with LOG's tail) when PID — if given — has exited.
wait_ready() {
  local what=$1 pid=$2 logf=$3 deadline=$((SECONDS + START_TIMEOUT)); shift 3
  until "$@"; do
    if [ -n "$pid" ] && ! proc_alive "$pid"; then
      die "$what exited while starting; the end of $logf:
$(tail -20 "$logf" 2>/dev/null)"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      die "$what was not ready after $START_TIMEOUT s (STACK_START_TIMEOUT); the end of $logf:
$(tail -20 "$logf" 2>/dev/null)"
    fi
    sleep 0.2
  done
}
log_since() { tail -c +"$(( $1 + 1 ))" "$2" 2>/dev/null | grep -q "$3"; }
wait_port() { wait_ready "$2" "${3:-}" "${4:-$VAR/log/}" port_open "$1"; }
mark_started() { echo "$1" >> "$STARTED_FILE"; }

BACKUP_STANZA=mastertrade

# pgBackRest's configuration for this cluster, rewritten at every start (ports may change).
# The repository, logs and locks live beside the cluster, so several checkouts' stacks on
# one machine never share a lock or a repository. Backups connect to PostgreSQL directly
# over its Unix socket, never through PgBouncer.
write_pgbackrest_conf() {
  local root=$1 dir="$1/pgbackrest" repo; repo="$(backup_repo)"
  mkdir -p "$dir/log" "$dir/lock" "$dir/spool" "$repo"
  cat > "$dir/pgbackrest.conf" <<EOF
# generated by scripts/stack.sh
[global]
repo1-path=$repo
repo1-retention-full=${BACKUP_RETENTION_FULL:-7}
log-path=$dir/log
lock-path=$dir/lock
spool-path=$dir/spool
compress-type=lz4
start-fast=y
log-level-console=warn
log-level-file=info

[$BACKUP_STANZA]
pg1-path=$(pg_data)
pg1-port=$PG_PORT
pg1-socket-path=$root/run
pg1-user=postgres
EOF
  if is_root; then chown -R postgres: "$dir"; chown postgres: "$repo"; fi
}

# WAL archiving settings, appended to postgresql.conf when missing (clusters created before
# backups existed get them too). Returns 0 when it appended (a restart is then needed).
# A fenced node (failover) has a FENCED file in its data folder, the archive command's
# working directory: it refuses to archive into the repository the new primary uses.
append_archiving() {
  local root=$1 data; data="$(pg_data)"
  grep -q "^archive_command = '.*pgbackrest" "$data/postgresql.conf" && return 1
  cat >> "$data/postgresql.conf" <<EOF
# MasterTrade Goals: continuous WAL archiving to pgBackRest (scripts/backup.py)
wal_level = replica
archive_mode = on
archive_command = 'test ! -e FENCED && pgbackrest --config=$root/pgbackrest/pgbackrest.conf --stanza=$BACKUP_STANZA archive-push %p'
archive_timeout = 60
EOF
  return 0
}

ensure_stanza() {
  local root=$1
  [ -f "$(backup_repo)/backup/$BACKUP_STANZA/backup.info" ] && return 0
  as_pg "pgbackrest --config='$root/pgbackrest/pgbackrest.conf' --stanza=$BACKUP_STANZA stanza-create >/dev/null" \
    || die "pgbackrest stanza-create failed (see $root/pgbackrest/log/)"
  log "pgBackRest stanza $BACKUP_STANZA created (repository $(backup_repo))"
}

# pg_ctl's -o for a role: its port and socket folder (a node changes role at a failover).
primary_opts() { echo "-p $PG_PORT -k $(pg_root)/run"; }
standby_opts() { echo "-p $PG_STANDBY_PORT -k $(pg_root)/run-standby"; }
node_up() { [ -f "$1/postmaster.pid" ] && as_pg "'$PG_BIN/pg_ctl' -D '$1' status" >/dev/null 2>&1; }
# The stack's own statements (roles, grants) never wait for the standby: it may not run yet.
psql_primary() { as_pg "PGOPTIONS='-c synchronous_commit=local' psql -h '$(pg_root)/run' -p $PG_PORT -U postgres -d postgres -qtAX -v ON_ERROR_STOP=1 $*"; }
psql_standby() { as_pg "psql -h '$(pg_root)/run-standby' -p $PG_STANDBY_PORT -U postgres -d postgres -qtAX -v ON_ERROR_STOP=1 $*"; }

# The monitor role (/health/'s data-folder probe, the replication metrics, the wait for the
# standby before an idempotent replay is acknowledged): pg_stat_file, pg_logical_emit_message
# and pg_monitor, granted to the app role. Function grants are per database: template1 too,
# so databases created later (the test database) have them.
grant_monitor() {
  psql_primary >/dev/null <<EOF
SET client_min_messages = warning;
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mastertrade_monitor') THEN
    CREATE ROLE mastertrade_monitor NOLOGIN;
  END IF;
END \$\$;
GRANT pg_monitor TO mastertrade_monitor;
GRANT mastertrade_monitor TO "$DB_USER";
GRANT EXECUTE ON FUNCTION pg_stat_file(text), pg_logical_emit_message(boolean, text, text) TO mastertrade_monitor;
\\c template1
GRANT EXECUTE ON FUNCTION pg_stat_file(text), pg_logical_emit_message(boolean, text, text) TO mastertrade_monitor;
\\c $DB_NAME
GRANT EXECUTE ON FUNCTION pg_stat_file(text), pg_logical_emit_message(boolean, text, text) TO mastertrade_monitor;
EOF
}

start_postgres() {
  local root; root="$(pg_root)"
  local data; data="$(pg_data)"
  local run="$root/run"
  if node_up "$data"; then
    write_pgbackrest_conf "$root"
    if append_archiving "$root"; then
      log "WAL archiving was off: restarting PostgreSQL with archive_mode = on"
      as_pg "'$PG_BIN/pg_ctl' -D '$data' -l '$root/postgres.log' -m fast -w -t $START_TIMEOUT restart >/dev/null" \
        || die "PostgreSQL did not restart: $(tail -5 "$root/postgres.log")"
    fi
    grant_monitor
    ensure_stanza "$root"
    return 0
  fi
  [ ! -e "$root/fenced-$(primary_node)" ] || die "$data was fenced at a failover; \`make rebuild-standby\` replaces it"
  mkdir -p "$root" "$run" "$VAR/log"
  if is_root; then chown postgres: "$root" "$run"; fi
  if [ "$root" != "$VAR/pg" ]; then log "PostgreSQL data is kept in $root (as root it runs as postgres, outside the checkout)"; fi
  if [ ! -f "$data/PG_VERSION" ]; then
    # Never paper over a lost cluster with an empty one while backups of it exist.
    local info; info="$(backup_repo)/backup/$BACKUP_STANZA/backup.info"
    if [ -f "$info" ] && [ -z "${STACK_ALLOW_EMPTY_CLUSTER:-}" ] \
      && grep -q '"backup-timestamp-stop"\|^[0-9]\{8\}-[0-9]\{6\}F=' "$info"; then
      die "the cluster's data folder $data is gone but backups of it exist in $(backup_repo): restore it with \`make restore\` (docs/operations/runbook.md#restore-latest). To start an empty cluster instead, keep those backups and point BACKUP_REPO_PATH at a new folder"
    fi
    log "initialising a PostgreSQL cluster in $data"
    local pwfile="$root/.pw"
    echo "$DB_PASSWORD" > "$pwfile"; is_root && chown postgres: "$pwfile"
    as_pg "'$PG_BIN/initdb' -D '$data' -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >'$root/initdb.log' 2>&1" \
      || die "initdb failed: $(tail -5 "$root/initdb.log")"
    rm -f "$pwfile"
    cat >> "$data/postgresql.conf" <<EOF
# MasterTrade Goals local stack
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$run'
timezone = 'UTC'
max_connections = 120
fsync = on
synchronous_commit = on
EOF
  fi
  write_pgbackrest_conf "$root"
  append_archiving "$root" || true
  local pglog="$root/postgres.log"
  as_pg "'$PG_BIN/pg_ctl' -D '$data' -l '$pglog' -o '$(primary_opts)' -w -t $START_TIMEOUT start >/dev/null" || die "PostgreSQL did not start: $(tail -5 "$pglog")"
  mark_started postgres
  # Role and database (idempotent); the app role needs CREATEDB for the test database.
  as_pg "PGOPTIONS='-c synchronous_commit=local' psql -h '$run' -p $PG_PORT -U postgres -d postgres -qtAX" <<EOF >/dev/null
SET password_encryption = 'scram-sha-256';
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE "$DB_USER" LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
  END IF;
END \$\$;
ALTER ROLE "$DB_USER" SET timezone TO 'UTC';
SELECT 'CREATE DATABASE "$DB_NAME" OWNER "$DB_USER"' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$DB_NAME')\gexec
EOF
  grant_monitor
  ensure_stanza "$root"
  log "PostgreSQL up on 127.0.0.1:$PG_PORT"
}

start_pgbouncer() {
  local root; root="$(pg_root)"
  local dir="$root/pgbouncer" pidf="$root/pgbouncer/pgbouncer.pid"
  pid_alive "$pidf" && return 0
  mkdir -p "$dir"
  # SCRAM secret copied from pg_authid, so PgBouncer authenticates clients itself.
  local secret
  secret=$(as_pg "psql -h '$root/run' -p $PG_PORT -U postgres -d postgres -qtAX -c \"SELECT rolpassword FROM pg_authid WHERE rolname = '$DB_USER'\"")
  [ -n "$secret" ] || die "no SCRAM secret for role $DB_USER"
  printf '"%s" "%s"\n' "$DB_USER" "$secret" > "$dir/userlist.txt"
  cat > "$dir/pgbouncer.ini" <<EOF
; generated by scripts/stack.sh: the original system's pool settings
[databases]
* = host=127.0.0.1 port=$PG_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGBOUNCER_PORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $dir/userlist.txt
admin_users = $DB_USER
pool_mode = transaction
max_client_conn = 100
default_pool_size = 20
min_pool_size = 5
reserve_pool_size = 5
max_db_connections = 50
server_reset_query =
; retry a failed server login after 1 s (default 15 s), so the pool recovers quickly
; after a PostgreSQL restart
server_login_retry = 1
; while PostgreSQL is unreachable, a waiting query fails after 5 s (default 120 s), so the
; API answers 503 quickly instead of hanging; the reserve pool opens after 2 s of waiting
query_wait_timeout = 5
reserve_pool_timeout = 2
ignore_startup_parameters = extra_float_digits,options
logfile = $dir/pgbouncer.log
pidfile = $pidf
EOF
  rm -f "$pidf"
  is_root && chown -R postgres: "$dir"
  as_pg "pgbouncer -d '$dir/pgbouncer.ini' >>'$dir/pgbouncer.log' 2>&1" || true
  # A PgBouncer that cannot write its logfile exits silently with status 0: check the pid.
  wait_ready PgBouncer "" "$dir/pgbouncer.log" pid_alive "$pidf"
  wait_port "$PGBOUNCER_PORT" PgBouncer "$(head -1 "$pidf")" "$dir/pgbouncer.log"
  mark_started pgbouncer
  log "PgBouncer (transaction pooling) up on 127.0.0.1:$PGBOUNCER_PORT"
}

start_redis() {
  local name=$1 port=$2; shift 2
  local dir="$VAR/redis-$name" pidf="$VAR/run/redis-$name.pid"
  pid_alive "$pidf" && return 0
  mkdir -p "$dir" "$VAR/run" "$VAR/log"
  redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --daemonize yes \
    --pidfile "$pidf" --logfile "$VAR/log/redis-$name.log" \
    --appendonly yes --appendfsync everysec --save "" "$@" >/dev/null
  wait_port "$port" "Redis ($name)" "$(head -1 "$pidf" 2>/dev/null)" "$VAR/log/redis-$name.log"
  mark_started "redis-$name"
  log "Redis ($name) up on 127.0.0.1:$port"
}

start() {
  deps
  mkdir -p "$VAR/run" "$VAR/log"
  start_postgres
  ensure_standby
  start_pgbouncer
  # Cache: may evict anything. Broker: never evicts, so a queued task is never lost.
  start_redis cache "$REDIS_CACHE_PORT" --maxmemory "$REDIS_CACHE_MAXMEMORY" --maxmemory-policy allkeys-lru
  start_redis broker "$REDIS_BROKER_PORT" --maxmemory 0 --maxmemory-policy noeviction
}

stop_pidfile() {
  local pidf=$1 what=$2 pid i
  pid_alive "$pidf" || { rm -f "$pidf"; return 0; }
  pid=$(head -1 "$pidf")
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidf"
  log "stopped $what"
}

stop_postgres() {
  local data; data="$(pg_data)"
  if [ -f "$data/postmaster.pid" ]; then
    as_pg "'$PG_BIN/pg_ctl' -D '$data' -m fast -w stop >/dev/null 2>&1" && log "stopped PostgreSQL" || true
  fi
}

stop_standby() {
  local data; data="$(standby_data)"
  if [ -f "$data/postmaster.pid" ]; then
    as_pg "'$PG_BIN/pg_ctl' -D '$data' -m fast -w stop >/dev/null 2>&1" && log "stopped the standby" || true
  fi
}

# --- The synchronous standby (docs/operations/standby.md).

# synchronous_standby_names on the primary: the standby's name (strict: a commit waits for
# it) or '' (relaxed: commits don't wait; the DatabaseSynchronousCommitOff alert fires).
set_sync() {
  psql_primary "-c \"ALTER SYSTEM SET synchronous_standby_names = '$1'\" -c 'SELECT pg_reload_conf()'" >/dev/null \
    || die "could not set synchronous_standby_names on the primary"
}
sync_state() {
  psql_primary "-c \"SELECT state || '/' || sync_state FROM pg_stat_replication WHERE application_name = '$STANDBY_NAME'\"" 2>/dev/null
}
streaming() { [ -n "$(sync_state)" ] && [ "$(sync_state | cut -d/ -f1)" = streaming ]; }
synchronous() { [ "$(sync_state)" = streaming/sync ]; }

# How the standby reaches the primary (its socket, the primary's port) and names itself.
primary_conninfo() {
  echo "primary_conninfo = 'host=$(pg_root)/run port=$PG_PORT user=postgres application_name=$STANDBY_NAME'"
}

# Start the standby node if it exists and is not running; 1 when there is none.
start_standby() {
  local root data; root="$(pg_root)"; data="$(standby_data)"
  [ -f "$data/standby.signal" ] || return 1
  node_up "$data" && return 0
  mkdir -p "$root/run-standby"; is_root && chown postgres: "$root/run-standby"
  # The primary's port may have changed since the standby was made (DB_DIRECT_PORT).
  as_pg "sed -i \"s|^primary_conninfo = .*|$(primary_conninfo)|\" '$data/postgresql.auto.conf'"
  as_pg "'$PG_BIN/pg_ctl' -D '$data' -l '$root/standby.log' -o '$(standby_opts)' -w -t $START_TIMEOUT start >/dev/null" \
    || die "the standby did not start: $(tail -5 "$root/standby.log")"
  mark_started standby
  log "standby up on 127.0.0.1:$PG_STANDBY_PORT"
}

# A fresh standby from the current primary (pg_basebackup), started, streaming and
# synchronous. Idempotent: whatever is in the standby's folder is replaced (a fenced old
# primary is moved aside, <node>.fenced-<time>, to be looked at).
rebuild_standby() {
  local root data node; root="$(pg_root)"; node="$(standby_node)"; data="$root/$node"
  node_up "$(pg_data)" || die "the primary ($(pg_data)) is not running: nothing to copy a standby from"
  if node_up "$data"; then as_pg "'$PG_BIN/pg_ctl' -D '$data' -m immediate -w stop >/dev/null 2>&1" || true; fi
  if [ -e "$root/fenced-$node" ]; then
    [ -e "$data" ] && mv "$data" "$data.fenced-$(date -u +%Y%m%dT%H%M%SZ)"
    rm -f "$root/fenced-$node"
  fi
  rm -rf "$data"
  log "copying the primary into $data (pg_basebackup)"
  as_pg "'$PG_BIN/pg_basebackup' -h '$root/run' -p $PG_PORT -U postgres -D '$data' -X stream -R -c fast >'$root/basebackup.log' 2>&1" \
    || die "pg_basebackup failed: $(tail -5 "$root/basebackup.log")"
  rm -f "$data/FENCED"
  # The copy carries the primary's postgresql.auto.conf, and a cluster made by a restore
  # keeps pgBackRest's recovery settings there (ignored once promoted): a standby would
  # follow that restore's target timeline (not the primary's) or stop at its target time.
  as_pg "sed -i -e '/^recovery_target/d' -e '/^restore_command/d' '$data/postgresql.auto.conf'"
  # Its name for synchronous_standby_names, and the archive to catch up from after a long outage.
  cat >> "$data/postgresql.auto.conf" <<EOF
$(primary_conninfo)
restore_command = 'pgbackrest --config=$root/pgbackrest/pgbackrest.conf --stanza=$BACKUP_STANZA --pg1-path=$data archive-get %f "%p"'
EOF
  start_standby
  wait_ready "the standby's streaming" "" "$root/standby.log" streaming
  set_sync "$STANDBY_NAME"
  wait_ready "synchronous replication" "" "$root/standby.log" synchronous
  log "the standby streams and is synchronous (synchronous_standby_names = '$STANDBY_NAME')"
}

# The standby as `start` wants it: running, streaming, synchronous (made if missing).
ensure_standby() {
  local root; root="$(pg_root)"
  if [ "$STANDBY" = 0 ]; then
    set_sync ""
    return 0
  fi
  if [ -e "$root/fenced-$(standby_node)" ]; then
    log "the old primary is fenced: \`make rebuild-standby\` makes a new standby (writes are not synchronous until then)"
    return 0
  fi
  start_standby || { rebuild_standby; return 0; }
  wait_ready "the standby's streaming" "" "$root/standby.log" streaming
  set_sync "$STANDBY_NAME"
  wait_ready "synchronous replication" "" "$root/standby.log" synchronous
}

# The old primary's postmaster: from its socket's lock file (outside the data folder, so
# found even when the folder is gone), else its postmaster.pid.
old_primary_pid() {
  local root pid; root="$(pg_root)"
  pid=$(head -1 "$root/run/.s.PGSQL.$PG_PORT.lock" 2>/dev/null || head -1 "$(pg_data)/postmaster.pid" 2>/dev/null || true)
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = postgres ] && echo "$pid"
}

# Promote the standby; fence the old primary first: its processes killed (even if it still
# answers), FENCED in its folder (its archive_command refuses), fenced-<node> beside it (the
# stack never starts it again); then the promoted node takes the primary's port and socket,
# which PgBouncer points at, and PgBouncer drops its old server connections.
failover() {
  local root old new pid child; root="$(pg_root)"; old="$(primary_node)"; new="$(standby_node)"
  [ -f "$root/$new/standby.signal" ] || die "there is no standby to promote ($root/$new); restore instead (docs/operations/runbook.md)"
  node_up "$root/$new" || start_standby || die "the standby does not run"
  touch "$root/fenced-$old"
  [ -d "$root/$old" ] && touch "$root/$old/FENCED" 2>/dev/null || true
  if pid=$(old_primary_pid); then
    for child in $(cat "/proc/$pid/task/$pid/children" 2>/dev/null); do kill -KILL "$child" 2>/dev/null || true; done
    kill -KILL "$pid" 2>/dev/null || true
    wait_ready "the old primary's exit" "" "$root/postgres.log" eval '! proc_alive '"$pid"
    log "fenced the old primary ($root/$old, pid $pid): killed, archiving refused, never started again"
  else
    log "fenced the old primary ($root/$old): no process left"
  fi
  rm -f "$root/run/.s.PGSQL.$PG_PORT" "$root/run/.s.PGSQL.$PG_PORT.lock"
  as_pg "'$PG_BIN/pg_ctl' -D '$root/$new' -w -t $START_TIMEOUT promote >/dev/null" || die "pg_ctl promote failed: $(tail -5 "$root/standby.log")"
  echo "$new" > "$root/primary-node"
  # The promoted node serves alone: commits stop waiting for a standby until rebuild-standby.
  psql_standby "-c \"ALTER SYSTEM SET synchronous_standby_names = ''\"" >/dev/null
  as_pg "'$PG_BIN/pg_ctl' -D '$root/$new' -l '$root/postgres.log' -o '$(primary_opts)' -m fast -w -t $START_TIMEOUT restart >/dev/null" \
    || die "the promoted node did not restart on the primary's port: $(tail -5 "$root/postgres.log")"
  write_pgbackrest_conf "$root"
  PGPASSWORD="$DB_PASSWORD" psql -h 127.0.0.1 -p "$PGBOUNCER_PORT" -U "$DB_USER" -d pgbouncer -c RECONNECT >/dev/null 2>&1 || true
  log "failover done: the primary is $root/$new on 127.0.0.1:$PG_PORT (timeline $(psql_primary "-c 'SELECT timeline_id FROM pg_control_checkpoint()'"));" \
    "writes are not synchronous until \`make rebuild-standby\`"
}

standby_status() {
  local root; root="$(pg_root)"
  printf 'primary       %s (127.0.0.1:%s) %s\n' "$(pg_data)" "$PG_PORT" "$(node_up "$(pg_data)" && echo up || echo down)"
  printf 'standby       %s (127.0.0.1:%s) %s\n' "$(standby_data)" "$PG_STANDBY_PORT" \
    "$( [ -e "$root/fenced-$(standby_node)" ] && echo fenced || { node_up "$(standby_data)" && echo up || echo down; })"
  printf 'synchronous_standby_names  %s\n' "'$(psql_primary "-c 'SHOW synchronous_standby_names'" 2>/dev/null)'"
  printf 'replication   %s\n' "$(sync_state || true)"
}

stop_one() {
  case $1 in
    web|worker|beat) stop_pidfile "$VAR/run/$1.pid" "$1" ;;
    redis-cache|redis-broker) stop_pidfile "$VAR/run/$1.pid" "$1" ;;
    pgbouncer) stop_pidfile "$(pg_root)/pgbouncer/pgbouncer.pid" PgBouncer ;;
    postgres) stop_postgres ;;
    standby) stop_standby ;;
  esac
}

stop() {
  local s
  for s in web worker beat redis-cache redis-broker pgbouncer postgres standby; do stop_one "$s"; done
  rm -f "$VAR"/run/started-by-*
}

# Stop only what the session that wrote $STACK_SESSION's file started.
stop_started() {
  [ -f "$STARTED_FILE" ] || return 0
  local s
  for s in $(tac "$STARTED_FILE"); do stop_one "$s"; done
  rm -f "$STARTED_FILE"
}

# web, worker and beat in the background, as `make run` starts them (used by a restore to
# bring back the app it stopped). Environment as for `make run`. Ready means: web listens on
# its port; worker and beat have written their pidfile and are alive.
start_app() {
  local name=$1 bin="$ROOT/.venv/bin" pidf="$VAR/run/$1.pid" logf="$VAR/log/$1.log" pid
  pid_alive "$pidf" && return 0
  mkdir -p "$VAR/run" "$VAR/log"
  export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-mastertrade.settings.local}"
  export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-$VAR/prometheus}"
  mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
  cd "$ROOT"
  local bind="${WEB_BIND:-127.0.0.1:8000}" cmd
  case $name in
    web) cmd=("$bin/gunicorn" -c gunicorn.conf.py mastertrade.wsgi:application --bind "$bind"
              --workers "${WEB_WORKERS:-2}" --timeout 30 --pid "$pidf"
              --access-logfile "$logf" --error-logfile "$logf") ;;
    worker) cmd=("$bin/celery" -A mastertrade worker --loglevel INFO --concurrency "${WORKER_CONCURRENCY:-2}"
                 --pidfile "$pidf" --logfile "$logf") ;;
    beat) cmd=("$bin/celery" -A mastertrade beat --loglevel INFO --pidfile "$pidf"
               --schedule "$VAR/celerybeat-schedule" --logfile "$logf") ;;
    *) die "start-app: web, worker or beat" ;;
  esac
  # Not --daemon/--detach: started here, its pid is known, so a crash at start is seen at
  # once. Its own session, no terminal, output to its log (the caller's pipes stay free).
  rm -f "$pidf"
  local offset; offset=$(stat -c %s "$logf" 2>/dev/null || echo 0)
  setsid "${cmd[@]}" </dev/null >>"$logf" 2>&1 &
  pid=$!
  wait_ready "$name" "$pid" "$logf" pid_alive "$pidf"
  [ "$name" != web ] || wait_port "${bind##*:}" web "$pid" "$logf"
  # A worker is ready once it consumes and answers remote control (`celery inspect`: a
  # broadcast sent before that is lost), which it logs; its pidfile comes earlier.
  [ "$name" != worker ] || wait_ready worker "$pid" "$logf" log_since "$offset" "$logf" 'celery@.* ready\.'

  log "started $name (pid $pid)"
}

status() {
  local root; root="$(pg_root)"
  printf 'postgres      %s\n' "$(node_up "$(pg_data)" && echo up || echo down)"
  [ "$STANDBY" = 0 ] || printf 'standby       %s\n' "$(node_up "$(standby_data)" && echo up || echo down)"
  printf 'pgbouncer     %s\n' "$(pid_alive "$root/pgbouncer/pgbouncer.pid" && echo up || echo down)"
  local s; for s in redis-cache redis-broker web worker beat; do
    printf '%-13s %s\n' "$s" "$(pid_alive "$VAR/run/$s.pid" && echo up || echo down)"
  done
}

case "${1:-}" in
  deps) deps ;;
  start) start ;;
  stop) stop ;;
  stop-started) stop_started ;;
  status) status ;;
  start-app) start_app "$2" ;;
  pg-root) pg_root ;;
  pg-data) pg_data ;;
  failover) failover ;;
  rebuild-standby) rebuild_standby ;;
  standby-status) standby_status ;;
  standby-off) set_sync ""; log "synchronous commit relaxed: commits no longer wait for the standby (alert DatabaseSynchronousCommitOff)" ;;
  standby-on)
    start_standby || die "there is no standby: \`make rebuild-standby\`"
    wait_ready "the standby's streaming" "" "$(pg_root)/standby.log" streaming
    set_sync "$STANDBY_NAME"; wait_ready "synchronous replication" "" "$(pg_root)/standby.log" synchronous
    log "synchronous commit restored" ;;
  backup-repo) backup_repo ;;
  env) print_env ;;
  clean) clean ;;
  clean-backups) clean_backups ;;
  # Fault drills (tests/faults): stop or start one service of the stack.
  stop-service) stop_one "$2" ;;
  start-service)
    case $2 in
      postgres) start_postgres ;;
      standby) start_standby || die "there is no standby: \`make rebuild-standby\`" ;;
      pgbouncer) start_pgbouncer ;;
      redis-cache) start_redis cache "$REDIS_CACHE_PORT" --maxmemory "$REDIS_CACHE_MAXMEMORY" --maxmemory-policy allkeys-lru ;;
      redis-broker) start_redis broker "$REDIS_BROKER_PORT" --maxmemory 0 --maxmemory-policy noeviction ;;
    esac ;;
  *) echo "usage: $0 deps|start|stop|stop-started|status|env|pg-root|pg-data|backup-repo|clean|clean-backups|failover|rebuild-standby|standby-status|standby-off|standby-on|stop-service NAME|start-service NAME|start-app NAME" >&2; exit 2 ;;
esac
