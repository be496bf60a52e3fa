#!/bin/bash
# compose's `postgres-standby`: on an empty volume, copy the primary (pg_basebackup as the
# replicator role), then run as its synchronous standby (application_name=standby, the name
# the primary's synchronous_standby_names waits for). docs/operations/standby.md.
set -euo pipefail
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  export PGPASSWORD="${REPLICATION_PASSWORD:?}"
  until pg_basebackup -h "${PRIMARY_HOST:-postgres}" -U replicator -D "$PGDATA" -X stream -R -c fast; do
    echo "standby: the primary is not ready for a base backup yet; retrying" >&2
    rm -rf "${PGDATA:?}"/*
    sleep 2
  done
  echo "primary_conninfo = 'host=${PRIMARY_HOST:-postgres} user=replicator password=$REPLICATION_PASSWORD application_name=standby'" \
    >> "$PGDATA/postgresql.auto.conf"
  chmod 700 "$PGDATA"
fi
exec postgres -c hot_standby=on
