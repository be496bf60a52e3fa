"""GET /health/: each dependency's state; 503 when the database is unreachable, 200
`degraded` when another is down (`throttle`: the throttles cannot count, so requests pass
uncounted). The backups' age is reported too, never a reason for a 503."""

import time

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from mastertrade.core import throttling

from .backups import backup_freshness


def _check_database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        connection.close_if_unusable_or_obsolete()
        return False


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
