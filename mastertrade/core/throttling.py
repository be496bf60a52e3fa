"""Per-user write throttle: one atomic Redis round trip per write.

DRF's built-in throttles keep a pickled list of timestamps per client and read,
modify and write it back: two round trips, and concurrent requests overwrite each
other's counts (so more than the limit gets through). This one is a fixed window: an
atomic INCR of `<user>:<window>` with an expiry, sent together in one round trip. Reads
are never limited; with the cache Redis down, writes are allowed (the cache is never a
dependency).

The round trip goes over a socket of its own (one per thread) that speaks just these
two commands of the Redis protocol (RESP): redis-py 8 spends about 0.1 ms of Python on
each command (observability hooks, retry wrappers, pool bookkeeping) — five times the
round trip itself, and a tenth of a sizing request's CPU (bench/api.py)."""

import logging
import os
import socket
import ssl
import threading
import time
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.core.cache import cache
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
            count = counter().incr(key, expire_seconds=period + 1)
        except Exception:  # noqa: BLE001 - the cache is an optimisation, never a dependency
            logger.warning("write throttle: cache unavailable, allowing the request", exc_info=True)
            return True
        return count <= limit

    def wait(self):
        return max(1.0, self.retry_after)


class RedisError(Exception):
    """Redis answered with an error, or something other than the reply expected."""


def _command(*parts) -> bytes:
    out = [b"*%d\r\n" % len(parts)]
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


class RedisCounter:
    """INCR a key and give it an expiry (EXPIRE … NX: only when it has none), in one
    round trip, over this thread's socket to the Redis at `url` (redis://, rediss:// or unix://,
    with its password and database). INCR is atomic on its own: no MULTI/EXEC. Any
    failure closes the socket (the next call reconnects) and raises."""

    def __init__(self, url: str, *, connect_timeout: float, timeout: float):
        parts = urlsplit(url)
        if parts.scheme not in ("redis", "rediss", "unix"):
            raise ValueError(f"the write throttle speaks redis://, rediss:// or unix://, not {parts.scheme}://")
        self.tls = parts.scheme == "rediss"
        self.address = parts.path if parts.scheme == "unix" else (parts.hostname or "127.0.0.1", parts.port or 6379)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        database = parts.path.strip("/") if parts.scheme != "unix" else parse_qs(parts.query).get("db", [""])[0]
        self.database = int(database or 0)
        self.connect_timeout, self.timeout = connect_timeout, timeout
        self._local = threading.local()

    def incr(self, key: str, *, expire_seconds: int) -> int:
        try:
            sock = self._socket()
            sock.sendall(_command(b"INCR", key) + _command(b"EXPIRE", key, expire_seconds, b"NX"))
            count = self._reply(b":")
            self._reply(b":")
            return count
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        sock = getattr(self._local, "sock", None)
        self._local.sock = None
        if sock is not None:
            sock.close()

    def _socket(self) -> socket.socket:
        sock = getattr(self._local, "sock", None)
        if sock is not None and self._local.pid == os.getpid():
            return sock
        if sock is not None:  # inherited through a fork: the parent's connection, not ours
            sock.close()
        if isinstance(self.address, str):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.connect_timeout)
            sock.connect(self.address)
        else:
            sock = socket.create_connection(self.address, timeout=self.connect_timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.tls:
                sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self.address[0])
        sock.settimeout(self.timeout)
        self._local.sock, self._local.buffer, self._local.pid = sock, b"", os.getpid()
        hello = []
        if self.password is not None:
            hello.append(_command(b"AUTH", *([self.username] if self.username else []), self.password))
        if self.database:
            hello.append(_command(b"SELECT", self.database))
        if hello:
            sock.sendall(b"".join(hello))
            for _ in hello:
                self._reply(b"+")
        return sock

    def _reply(self, kind: bytes) -> int | bytes:
        """The next reply, which must be of `kind` (b":" an integer, b"+" a status)."""
        local = self._local
        while b"\r\n" not in local.buffer:
            chunk = local.sock.recv(4096)
            if not chunk:
                raise ConnectionError("Redis closed the connection")
            local.buffer += chunk
        line, _, local.buffer = local.buffer.partition(b"\r\n")
        if line[:1] != kind:
            raise RedisError(line.decode(errors="replace"))
        return int(line[1:]) if kind == b":" else line[1:]


_counters: dict[str, RedisCounter] = {}


def counter() -> RedisCounter:
    """The counter for the cache Redis (settings.CACHES["default"]), one per URL."""
    config = settings.CACHES["default"]
    url = config["LOCATION"]
    found = _counters.get(url)
    if found is None:
        options = config.get("OPTIONS", {})
        found = _counters[url] = RedisCounter(
            url,
            connect_timeout=options.get("SOCKET_CONNECT_TIMEOUT", 0.5),
            timeout=options.get("SOCKET_TIMEOUT", 0.5),
        )
    return found
