"""GET /health/: each dependency's state; 503 when the database is unreachable or has lost
its data folder, 200 `degraded` when another check fails (`throttle`: the throttles cannot
count, so requests pass uncounted; `wal_archiving`: the last WAL segment failed to archive;
`last_backup`: the last backup run failed). The backups' age is reported too, never a
reason for a 503.

The database check is a privileged probe: `pg_stat_file('PG_VERSION')` in the server's
data folder (the monitor role's grant, scripts/stack.sh grant_monitor). A server whose
folder was deleted still answers `SELECT 1` for as long as its processes live; it cannot
stat its own PG_VERSION."""

import time

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from mastertrade.core import throttling

from .backups import BACKUP_TYPES, backup_freshness, backup_status


def _query(sql: str):
    """The first row of `sql`, or None when the database does not answer it."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()
    except Exception:
        connection.close_if_unusable_or_obsolete()
        return None


def _check_database() -> bool:
    return _query("SELECT (pg_stat_file('PG_VERSION')).size > 0") == (True,)


def _check_wal_archiving() -> bool:
    """False when the last attempt to archive a WAL segment failed."""
    row = _query("SELECT coalesce(last_failed_time > last_archived_time, failed_count > 0) FROM pg_stat_archiver")
    return row is not None and not row[0]


def _check_last_backup() -> bool:
    """False when the newest backup run (full or incremental) failed; True when there is none."""
    runs = [status for status in map(backup_status, BACKUP_TYPES) if status]
    return not runs or max(runs, key=lambda status: status.finished_at).ok


def check_redis(url: str) -> bool:
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


@never_cache
@require_GET
def health(request):
    checks = {
        "database": _check_database(),
        "cache": check_redis(settings.REDIS_CACHE_URL),
        "broker": check_redis(settings.CELERY_BROKER_URL),
        "throttle": throttling.can_count(),
    }
    if checks["database"]:
        checks["wal_archiving"] = _check_wal_archiving()
    checks["last_backup"] = _check_last_backup()
    if not checks["database"]:
        overall, code = "unavailable", 503
    elif all(checks.values()):
        overall, code = "ok", 200
    else:
        overall, code = "degraded", 200
    body = {"status": overall, "checks": {name: ("up" if ok else "down") for name, ok in checks.items()}}
    # Non-fatal: "ok", "stale" (older than BACKUP_MAX_AGE_SECONDS) or "none"; never changes the code.
    body["backup"] = backup_freshness(now=time.time())
    return JsonResponse(body, status=code)
