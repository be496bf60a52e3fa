#!/usr/bin/env bash
# The local stack of MasterTrade Goals: PostgreSQL 15, PgBouncer (transaction
# pooling), a cache Redis and a broker Redis, all on loopback with data under var/.
#
#   scripts/stack.sh deps      install missing Debian packages (root) or say what to install
#   scripts/stack.sh start     start whatever is not running (idempotent); prints what it started
#   scripts/stack.sh stop      stop every service of the stack (and web/worker/beat pidfiles)
#   scripts/stack.sh status    one line per service
#
# PostgreSQL and PgBouncer refuse to run as root: as root they run as the `postgres`
# OS user. Ports and names come from the same environment variables as the settings.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VAR="$ROOT/var"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_PORT="${DB_DIRECT_PORT:-5432}"
PGBOUNCER_PORT="${DB_PORT:-6432}"
REDIS_CACHE_PORT="${REDIS_CACHE_PORT:-6379}"
REDIS_BROKER_PORT="${REDIS_BROKER_PORT:-6380}"
REDIS_CACHE_MAXMEMORY="${REDIS_CACHE_MAXMEMORY:-2gb}"
DB_NAME="${DB_NAME:-mastertrade}"
DB_USER="${DB_USER:-mastertrade}"
DB_PASSWORD="${DB_PASSWORD:-mastertrade}"
STARTED_FILE="$VAR/run/started-by-${STACK_SESSION:-$$}"

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }

# PostgreSQL's own folders must be reachable by the user it runs as. A clone under a
# mode-700 home (e.g. /root) is not reachable by `postgres`: keep the server data in a
# folder it can reach, named after this checkout, and say so.
pg_root() {
  if is_root && ! su postgres -s /bin/sh -c "test -x '$VAR' && test -r '$VAR'" 2>/dev/null; then
    echo "/var/tmp/mastertrade-$(printf '%s' "$ROOT" | md5sum | cut -c1-10)"
  else
    echo "$VAR/pg"
  fi
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
  # Browser tests (make test) drive Debian's Chromium.
  [ -n "${STACK_SKIP_BROWSER:-}" ] || [ -x /usr/bin/chromium ] || missing+=(chromium)
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

pid_alive() { [ -f "$1" ] && kill -0 "$(head -1 "$1")" 2>/dev/null; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {
  local port=$1 what=$2 i
  for i in $(seq 1 100); do port_open "$port" && return 0; sleep 0.1; done
  die "$what did not open port $port (see $VAR/log/)"
}
mark_started() { echo "$1" >> "$STARTED_FILE"; }

start_postgres() {
  local root; root="$(pg_root)"
  local data="$root/data" run="$root/run"
  if [ -f "$data/postmaster.pid" ] && as_pg "$PG_BIN/pg_ctl -D '$data' status" >/dev/null 2>&1; then
    return 0
  fi
  mkdir -p "$root" "$run" "$VAR/log"
  if is_root; then chown postgres: "$root" "$run"; fi
  if [ "$root" != "$VAR/pg" ]; then log "PostgreSQL data is kept in $root (postgres cannot reach $VAR)"; fi
  if [ ! -f "$data/PG_VERSION" ]; then
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
  local pglog="$root/postgres.log"
  as_pg "'$PG_BIN/pg_ctl' -D '$data' -l '$pglog' -w -t 60 start >/dev/null" || die "PostgreSQL did not start: $(tail -5 "$pglog")"
  mark_started postgres
  # Role and database (idempotent); the app role needs CREATEDB for the test database.
  as_pg "psql -h '$run' -p $PG_PORT -U postgres -d postgres -qtAX" <<EOF >/dev/null
SET password_encryption = 'scram-sha-256';
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE "$DB_USER" LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
  END IF;
END \$\$;
ALTER ROLE "$DB_USER" SET timezone TO 'UTC';
SELECT 'CREATE DATABASE "$DB_NAME" OWNER "$DB_USER"' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$DB_NAME')\gexec
EOF
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
  local i; for i in $(seq 1 50); do pid_alive "$pidf" && break; sleep 0.1; done
  pid_alive "$pidf" || die "PgBouncer did not start: $(tail -5 "$dir/pgbouncer.log" 2>/dev/null)"
  wait_port "$PGBOUNCER_PORT" PgBouncer
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
  wait_port "$port" "Redis ($name)"
  mark_started "redis-$name"
  log "Redis ($name) up on 127.0.0.1:$port"
}

start() {
  deps
  mkdir -p "$VAR/run" "$VAR/log"
  start_postgres
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
  local root; root="$(pg_root)"
  if [ -f "$root/data/postmaster.pid" ]; then
    as_pg "'$PG_BIN/pg_ctl' -D '$root/data' -m fast -w stop >/dev/null 2>&1" && log "stopped PostgreSQL" || true
  fi
}

stop_one() {
  case $1 in
    web|worker|beat) stop_pidfile "$VAR/run/$1.pid" "$1" ;;
    redis-cache|redis-broker) stop_pidfile "$VAR/run/$1.pid" "$1" ;;
    pgbouncer) stop_pidfile "$(pg_root)/pgbouncer/pgbouncer.pid" PgBouncer ;;
    postgres) stop_postgres ;;
  esac
}

stop() {
  local s
  for s in web worker beat redis-cache redis-broker pgbouncer postgres; do stop_one "$s"; done
  rm -f "$VAR"/run/started-by-*
}

# Stop only what the session that wrote $STACK_SESSION's file started.
stop_started() {
  [ -f "$STARTED_FILE" ] || return 0
  local s
  for s in $(tac "$STARTED_FILE"); do stop_one "$s"; done
  rm -f "$STARTED_FILE"
}

status() {
  local root; root="$(pg_root)"
  printf 'postgres      %s\n' "$( [ -f "$root/data/postmaster.pid" ] && as_pg "'$PG_BIN/pg_ctl' -D '$root/data' status" >/dev/null 2>&1 && echo up || echo down)"
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
  pg-root) pg_root ;;
  # Fault drills (tests/faults): stop or start one service of the stack.
  stop-service) stop_one "$2" ;;
  start-service)
    case $2 in
      postgres) start_postgres ;;
      pgbouncer) start_pgbouncer ;;
      redis-cache) start_redis cache "$REDIS_CACHE_PORT" --maxmemory "$REDIS_CACHE_MAXMEMORY" --maxmemory-policy allkeys-lru ;;
      redis-broker) start_redis broker "$REDIS_BROKER_PORT" --maxmemory 0 --maxmemory-policy noeviction ;;
    esac ;;
  *) echo "usage: $0 deps|start|stop|stop-started|status|pg-root|stop-service NAME|start-service NAME" >&2; exit 2 ;;
esac
