"""Per-user write throttle and per-address token throttle: one atomic Redis round trip each.

DRF's built-in throttles keep a pickled list of timestamps per client and read,
modify and write it back: two round trips, and concurrent requests overwrite each
other's counts (so more than the limit gets through). These are fixed windows: an
atomic INCR of `<who>:<window>`, its expiry set by `SET … NX EX` when the window's key
is created, both sent in one round trip (commands every Redis since 2.6.12 knows).

With the cache Redis unreachable the request is allowed (the cache is never a
dependency), but never silently: `mastertrade_throttle_unavailable_total` counts the
requests let through uncounted, `/health/` says `degraded` (`throttle: down`), and the
log says so once when counting stops and once when it resumes.

The round trip is the counter of mastertrade.fastpath.resp: its own RESP socket, or
(FASTPATH_OFF=resp) redis-py through the cache's own client.
"""

import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache
from prometheus_client import Counter
from rest_framework.throttling import BaseThrottle

from mastertrade.fastpath.resp import counter

logger = logging.getLogger(__name__)
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def parse_rate(rate: str) -> tuple[int, int]:
    """'600/minute' → (600, 60)."""
    count, period = rate.split("/")
    return int(count), PERIODS[period.strip()[0].lower()]


class WindowThrottle(BaseThrottle):
    """At most `rate()` requests per `ident()` per window; 429 with Retry-After beyond."""

    timer = staticmethod(time.time)  # the clock (tests pin it inside one window)
    scope = ""

    def rate(self) -> str:
        raise NotImplementedError

    def ident(self, request) -> str | None:
        """Who is counted; None: not throttled."""
        raise NotImplementedError

    def allow_request(self, request, view):
        who = self.ident(request)
        if who is None:
            return True
        limit, period = parse_rate(self.rate())
        now = self.timer()
        window = int(now // period)
        self.retry_after = (window + 1) * period - now
        count = count_in_window(cache.make_key(f"throttle:{self.scope}:{who}:{window}"), expire_seconds=period + 1)
        return count is None or count <= limit

    def wait(self):
        return max(1.0, self.retry_after)


class WriteRateThrottle(WindowThrottle):
    """At most API_THROTTLE_WRITE writes per user per window. Reads are never limited."""

    scope = "write"

    def rate(self) -> str:
        return settings.API_THROTTLE_WRITE

    def ident(self, request):
        if request.method in SAFE_METHODS or not request.user or not request.user.is_authenticated:
            return None
        return request.user.pk


class TokenRateThrottle(WindowThrottle):
    """At most API_THROTTLE_TOKEN token requests per client address per window,
    authenticated or not."""

    scope = "token"

    def rate(self) -> str:
        return settings.API_THROTTLE_TOKEN

    def ident(self, request):
        return self.get_ident(request)


# --- When the counter cannot count: a metric per request, the log once per incident.
_failing = threading.Event()
_transition = threading.Lock()
# Counted where it happens; /metrics exports it with every other series (observability).
UNCOUNTED = Counter(
    "mastertrade_throttle_unavailable",
    "Requests the throttles let through uncounted: the cache Redis could not count them.",
)


def count_in_window(key: str, *, expire_seconds: int) -> int | None:
    """The key's count after this request, or None when the cache Redis cannot count."""
    try:
        count = counter().incr(key, expire_seconds=expire_seconds)
    except Exception as exc:  # noqa: BLE001 - the cache is never a dependency: allowed, but said
        UNCOUNTED.inc()
        if not _failing.is_set():
            with _transition:
                if not _failing.is_set():
                    _failing.set()
                    logger.error("throttle: cannot count (%r); requests are let through uncounted until it can", exc)
        return None
    if _failing.is_set():
        with _transition:
            if _failing.is_set():
                _failing.clear()
                logger.warning("throttle: counting again")
    return count


def can_count() -> bool:
    """Whether the throttle's counter reaches the cache Redis now (for /health/)."""
    try:
        counter().ping()
        return True
    except Exception:  # noqa: BLE001
        return False
