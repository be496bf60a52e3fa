#!/bin/bash
# compose's primary, first start only (docker-entrypoint-initdb.d): the replication role
# the standby connects as, its pg_hba line, and the monitor role /health/ and /metrics use
# (the same grants as scripts/stack.sh grant_monitor). docs/operations/standby.md.
set -euo pipefail
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" <<SQL
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD '${REPLICATION_PASSWORD:?}';
CREATE ROLE mastertrade_monitor NOLOGIN;
GRANT pg_monitor TO mastertrade_monitor;
GRANT mastertrade_monitor TO "$POSTGRES_USER";
GRANT EXECUTE ON FUNCTION pg_stat_file(text), pg_logical_emit_message(boolean, text, text) TO mastertrade_monitor;
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
