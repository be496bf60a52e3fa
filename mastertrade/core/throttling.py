"""Per-user write throttle: one atomic Redis round trip per write.

DRF's built-in throttles keep a pickled list of timestamps per client and read,
modify and write it back: two round trips, and concurrent requests overwrite each
other's counts (so more than the limit gets through). This one is a fixed window: an
atomic INCR of `<user>:<window>` with an expiry, in one pipeline. Reads are never
limited; with the cache Redis down, writes are allowed (the cache is never a
dependency)."""

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django_redis import get_redis_connection
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def parse_rate(rate: str) -> tuple[int, int]:
    """'600/minute' → (600, 60)."""
    count, period = rate.split("/")
    return int(count), PERIODS[period.strip()[0].lower()]


class WriteRateThrottle(BaseThrottle):
    """At most API_THROTTLE_WRITE writes per user per window; 429 with Retry-After beyond."""

    timer = staticmethod(time.time)  # the clock (tests pin it inside one window)

    def allow_request(self, request, view):
        if request.method in SAFE_METHODS or not request.user or not request.user.is_authenticated:
            return True
        limit, period = parse_rate(settings.API_THROTTLE_WRITE)
        now = self.timer()
        window = int(now // period)
        self.retry_after = (window + 1) * period - now
        key = cache.make_key(f"throttle:write:{request.user.pk}:{window}")
        try:
            # INCR is atomic on its own; no MULTI/EXEC needed (two replies to read, not four).
            pipe = get_redis_connection("default").pipeline(transaction=False)
            pipe.incr(key)
            pipe.expire(key, period + 1, nx=True)
            count, _ = pipe.execute()
        except Exception:  # noqa: BLE001 - the cache is an optimisation, never a dependency
            logger.warning("write throttle: cache unavailable, allowing the request", exc_info=True)
            return True
        return count <= limit

    def wait(self):
        return max(1.0, self.retry_after)
