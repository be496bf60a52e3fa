"""The `resp` piece: the throttle's counter (mastertrade.core.throttling) over a socket of
its own (one per thread) that speaks just the commands it needs of the Redis protocol
(RESP), with the cache's own connection settings (`CACHES["default"]`: its URL, and the
password, username and TLS options its OPTIONS give, as django-redis or Django's
RedisCache take them): redis-py 8 spends about 0.1 ms of Python on each command
(observability hooks, retry wrappers, pool bookkeeping) — five times the round trip
itself, and a tenth of a sizing request's CPU (bench/api.py). Sentinel, Cluster and
several locations are refused at start (`counter_check`).

Off (FASTPATH_OFF=resp): the same two commands in one pipeline through redis-py, on the
cache's own client (RedisPyCounter); its errors are redis-py's, and the throttle treats
them as it treats ours (the request is allowed and counted as unavailable)."""

import os
import socket
import ssl
import threading
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.core.checks import Error
from django.core.exceptions import ImproperlyConfigured

from mastertrade.fastpath import on


class RedisError(Exception):
    """Redis answered with an error, or something other than the reply expected."""


def _command(*parts) -> bytes:
    out = [b"*%d\r\n" % len(parts)]
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


class RedisCounter:
    """`SET key 0 EX n NX` (the window's expiry, set only when the key is created) then
    INCR, in one round trip, over this thread's socket to the Redis at `url` (redis://,
    rediss:// or unix://, with its password and database; `password`, `username` and
    `ssl_context` fill in what the URL leaves out). INCR is atomic on its own: no
    MULTI/EXEC. Any failure closes the socket (the next call reconnects) and raises."""

    def __init__(
        self,
        url: str,
        *,
        connect_timeout: float,
        timeout: float,
        password: str | None = None,
        username: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ):
        parts = urlsplit(url)
        if parts.scheme not in ("redis", "rediss", "unix"):
            raise ValueError(f"the write throttle speaks redis://, rediss:// or unix://, not {parts.scheme}://")
        self.tls = parts.scheme == "rediss"
        self.ssl_context = (ssl_context or ssl.create_default_context()) if self.tls else None
        self.address = parts.path if parts.scheme == "unix" else (parts.hostname or "127.0.0.1", parts.port or 6379)
        self.username = unquote(parts.username) if parts.username else username
        self.password = unquote(parts.password) if parts.password else password
        database = parts.path.strip("/") if parts.scheme != "unix" else parse_qs(parts.query).get("db", [""])[0]
        self.database = int(database or 0)
        self.connect_timeout, self.timeout = connect_timeout, timeout
        self._local = threading.local()

    def incr(self, key: str, *, expire_seconds: int) -> int:
        return self._call(_command(b"SET", key, 0, b"EX", expire_seconds, b"NX") + _command(b"INCR", key), 2)

    def ping(self) -> None:
        self._call(_command(b"PING"), 1)

    def _call(self, commands: bytes, replies: int):
        try:
            sock = self._socket()
            sock.sendall(commands)
            return [self._reply() for _ in range(replies)][-1]
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
            if self.ssl_context is not None:
                sock = self.ssl_context.wrap_socket(sock, server_hostname=self.address[0])
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
                self._reply()
        return sock

    def _reply(self) -> int | bytes | None:
        """The next reply: an integer, a status, or None (a nil, as SET … NX answers for
        a key that exists). An error reply raises RedisError."""
        local = self._local
        while b"\r\n" not in local.buffer:
            chunk = local.sock.recv(4096)
            if not chunk:
                raise ConnectionError("Redis closed the connection")
            local.buffer += chunk
        line, _, local.buffer = local.buffer.partition(b"\r\n")
        kind = line[:1]
        if kind == b":":
            return int(line[1:])
        if kind == b"+":
            return line[1:]
        if line in (b"$-1", b"_"):
            return None
        raise RedisError(line.decode(errors="replace"))


# --- The cache's own connection settings.
_CERT_REQS = {"none": ssl.CERT_NONE, "optional": ssl.CERT_OPTIONAL, "required": ssl.CERT_REQUIRED}
_SSL_KEYS = (
    "ssl_cert_reqs",
    "ssl_ca_certs",
    "ssl_ca_path",
    "ssl_certfile",
    "ssl_keyfile",
    "ssl_password",
    "ssl_check_hostname",
)


def connection_settings(config: dict) -> dict:
    """RedisCounter's arguments from a cache's settings (django-redis's or Django's
    RedisCache's): the URL, then OPTIONS' PASSWORD / password / username, the ssl_* keys
    (also inside CONNECTION_POOL_KWARGS, or in the URL's query) and the socket timeouts.
    Raises ImproperlyConfigured for what it cannot follow (several locations, Sentinel,
    Cluster)."""
    location = config.get("LOCATION", "")
    locations = location if isinstance(location, list | tuple) else str(location).split(",")
    if len(locations) != 1:
        raise ImproperlyConfigured(
            "the throttle counts on one Redis: CACHES['default']['LOCATION'] lists several "
            f"({len(locations)}); give the primary's URL alone"
        )
    url = locations[0].strip()
    options = dict(config.get("OPTIONS") or {})
    client = " ".join(str(options.get(k, "")) for k in ("CLIENT_CLASS", "REDIS_CLIENT_CLASS", "CONNECTION_FACTORY"))
    scheme = urlsplit(url).scheme
    if "sentinel" in client.lower() or "sentinel" in scheme or "SENTINELS" in options:
        raise ImproperlyConfigured("the throttle does not speak Redis Sentinel: point CACHES['default'] at the primary")
    if "cluster" in client.lower() or "cluster" in scheme:
        raise ImproperlyConfigured("the throttle does not speak Redis Cluster: give CACHES['default'] a single Redis")
    if scheme not in ("redis", "rediss", "unix"):
        raise ImproperlyConfigured(f"the throttle speaks redis://, rediss:// or unix://, not {scheme}://")
    pool = {k.lower(): v for k, v in options.items() if k.lower() in (*_SSL_KEYS, "password", "username")}
    pool.update(options.get("CONNECTION_POOL_KWARGS") or {})
    pool.update({k: v[0] for k, v in parse_qs(urlsplit(url).query).items() if k in _SSL_KEYS})
    return {
        "url": url,
        "connect_timeout": options.get("SOCKET_CONNECT_TIMEOUT", options.get("socket_connect_timeout", 0.5)),
        "timeout": options.get("SOCKET_TIMEOUT", options.get("socket_timeout", 0.5)),
        "password": pool.get("password"),
        "username": pool.get("username"),
        "ssl_context": _ssl_context(pool) if scheme == "rediss" else None,
    }


def _ssl_context(pool: dict) -> ssl.SSLContext:
    """redis-py's TLS settings as an SSLContext (ssl_cert_reqs 'required' by default)."""
    reqs = pool.get("ssl_cert_reqs", ssl.CERT_REQUIRED)
    reqs = _CERT_REQS[reqs.lower()] if isinstance(reqs, str) else (ssl.CERT_NONE if reqs is None else reqs)
    context = ssl.create_default_context(cafile=pool.get("ssl_ca_certs"), capath=pool.get("ssl_ca_path"))
    check_hostname = pool.get("ssl_check_hostname", reqs == ssl.CERT_REQUIRED)
    if isinstance(check_hostname, str):  # from the URL's query
        check_hostname = check_hostname.lower() not in ("false", "0", "no", "n", "off")
    context.check_hostname = bool(check_hostname) and reqs != ssl.CERT_NONE
    context.verify_mode = reqs
    if pool.get("ssl_certfile"):
        context.load_cert_chain(pool["ssl_certfile"], pool.get("ssl_keyfile"), pool.get("ssl_password"))
    return context


class RedisPyCounter:
    """RedisCounter's two commands through redis-py, on the client of the cache `alias`
    (django-redis's, or Django's RedisCache's), in one pipeline without MULTI/EXEC."""

    def __init__(self, alias: str = "default"):
        self.alias = alias

    def _client(self):
        from django.core.cache import caches

        cache = caches[self.alias]
        if hasattr(cache, "client") and hasattr(cache.client, "get_client"):  # django-redis
            return cache.client.get_client(write=True)
        return cache._cache.get_client(write=True)  # django.core.cache.backends.redis

    def incr(self, key: str, *, expire_seconds: int) -> int:
        pipe = self._client().pipeline(transaction=False)
        pipe.set(key, 0, ex=expire_seconds, nx=True)
        pipe.incr(key)
        return pipe.execute()[-1]

    def ping(self) -> None:
        self._client().ping()


_counters: dict[int, RedisCounter] = {}


def counter() -> RedisCounter | RedisPyCounter:
    """The counter for the cache Redis (settings.CACHES["default"]), one per configuration."""
    if not on("resp"):
        return RedisPyCounter()
    config = settings.CACHES["default"]
    found = _counters.get(id(config))
    if found is None or found.config is not config:
        found = RedisCounter(**connection_settings(config))
        found.config = config
        _counters[id(config)] = found
    return found


def counter_check(app_configs=None, **kwargs) -> list[Error]:
    """System check: the throttle's own counter can follow the cache's settings."""
    if not on("resp"):
        return []
    try:
        connection_settings(settings.CACHES["default"])
    except (ImproperlyConfigured, KeyError, ValueError, OSError) as exc:
        return [Error(f"The API throttle cannot use the cache Redis: {exc}", id="core.E010")]
    return []
