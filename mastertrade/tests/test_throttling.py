"""The throttles' counter: never fails open silently, follows the cache's connection
settings, needs no Redis 7 command, and refuses at start what it cannot follow."""

import logging
import ssl
import subprocess
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
import redis
from django.core.cache import cache

from mastertrade.core.throttling import UNCOUNTED, WriteRateThrottle
from mastertrade.fastpath.resp import connection_settings, counter, counter_check
from mastertrade.testing import free_port, stop_process, wait_for


@contextmanager
def redis_server(port: int, *args: str, client=None):
    """A throwaway redis-server on 127.0.0.1:`port` (no persistence), stopped on exit;
    ready once `client` (by default a plain one) answers PING."""
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        password = dict(zip(args[::2], args[1::2], strict=False)).get("--requirepass")
        client = client or redis.Redis(port=port, password=password, socket_timeout=0.5)
        assert wait_for(lambda: _pings(client), 20), "redis-server did not start"
        yield proc
    finally:
        stop_process(proc)


def _pings(client) -> bool:
    try:
        return client.ping()
    except redis.RedisError:
        return False


def _use_cache(settings, location: str, **options) -> None:
    default = settings.CACHES["default"]
    settings.CACHES = {
        **settings.CACHES,
        "default": {**default, "LOCATION": location, "OPTIONS": {**default["OPTIONS"], **options}},
    }


def _unavailable_total() -> float:
    return UNCOUNTED._value.get()


def test_cannot_count_is_a_metric_health_degraded_and_one_log_line_per_incident(settings, user, anon, caplog, db):
    port = free_port()
    _use_cache(settings, f"redis://127.0.0.1:{port}/0")
    settings.API_THROTTLE_WRITE = "1000/minute"
    request = SimpleNamespace(method="POST", user=user)
    throttle = WriteRateThrottle()
    caplog.set_level(logging.INFO, logger="mastertrade.core.throttling")
    with redis_server(port):
        assert throttle.allow_request(request, None)
        caplog.clear()  # counting: whatever an earlier test left is over
        health = anon.get("/health/").json()
        assert (health["status"], health["checks"]["throttle"]) == ("ok", "up")
    # The Redis is gone: writes pass, counted as uncounted, and the log says so once.
    before = _unavailable_total()
    assert all(throttle.allow_request(request, None) for _ in range(5))
    assert _unavailable_total() - before == 5
    response = anon.get("/health/")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["checks"]["throttle"]) == ("degraded", "down")
    failing = [r for r in caplog.records if "cannot count" in r.getMessage()]
    assert len(failing) == 1 and failing[0].levelno == logging.ERROR
    # Back: one line on recovery, none per request.
    with redis_server(port):
        assert all(throttle.allow_request(request, None) for _ in range(3))
        assert anon.get("/health/").json()["checks"]["throttle"] == "up"
    assert len([r for r in caplog.records if "counting again" in r.getMessage()]) == 1
    assert len([r for r in caplog.records if "cannot count" in r.getMessage()]) == 1
    assert _unavailable_total() - before == 5


def test_the_password_comes_from_the_cache_options(settings):
    port = free_port()
    with redis_server(port, "--requirepass", "s3cret"):
        _use_cache(settings, f"redis://127.0.0.1:{port}/2")  # no password anywhere
        with pytest.raises(Exception, match="NOAUTH|AUTH"):
            counter().incr("k", expire_seconds=61)
        _use_cache(settings, f"redis://127.0.0.1:{port}/2", PASSWORD="s3cret")  # django-redis's key
        assert [counter().incr("k", expire_seconds=61) for _ in range(2)] == [1, 2]
        _use_cache(settings, f"redis://127.0.0.1:{port}/2", password="s3cret")  # Django's RedisCache's
        assert counter().incr("k", expire_seconds=61) == 3
        _use_cache(settings, f"redis://127.0.0.1:{port}/2", CONNECTION_POOL_KWARGS={"password": "s3cret"})
        assert counter().incr("k", expire_seconds=61) == 4
        assert redis.Redis(port=port, db=2, password="s3cret").get("k") == b"4"


def test_counts_without_redis_7s_expire_nx(settings):
    """No command newer than Redis 2.6.12: a Redis without EXPIRE at all still counts,
    and the window's key gets its expiry once."""
    port = free_port()
    with redis_server(port, "--rename-command", "EXPIRE", ""):
        _use_cache(settings, f"redis://127.0.0.1:{port}/0")
        assert [counter().incr("w", expire_seconds=61) for _ in range(3)] == [1, 2, 3]
        direct = redis.Redis(port=port)
        assert 59 <= direct.ttl("w") <= 61
        direct.pexpire("w", 500_000)
        assert counter().incr("w", expire_seconds=61) == 4 and direct.ttl("w") > 61  # set once


def test_counts_over_tls_with_the_cache_options_ca(settings, tmp_path):
    """A Redis that speaks only TLS, its certificate signed by a CA of its own: the
    counter trusts what the cache's OPTIONS say (ssl_ca_certs), not just the system's CAs."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    port = free_port()
    tls = ["--port", "0", "--tls-port", str(port), "--tls-cert-file", str(cert), "--tls-key-file", str(key)]
    tls += ["--tls-ca-cert-file", str(cert), "--tls-auth-clients", "no", "--requirepass", "s3cret"]
    ready = redis.Redis(
        host="127.0.0.1", port=port, ssl=True, ssl_ca_certs=str(cert), password="s3cret", socket_timeout=0.5
    )
    with redis_server(free_port(), *tls, client=ready):
        _use_cache(settings, f"rediss://127.0.0.1:{port}/3", PASSWORD="s3cret")
        with pytest.raises(ssl.SSLError):  # the system's CAs do not know this one
            counter().incr("t", expire_seconds=61)
        _use_cache(settings, f"rediss://127.0.0.1:{port}/3", PASSWORD="s3cret", ssl_ca_certs=str(cert))
        assert [counter().incr("t", expire_seconds=61) for _ in range(2)] == [1, 2]
        assert ready.execute_command("SELECT", 3) and ready.get("t") == b"2"


def test_tls_settings_come_from_the_cache_options():
    base = {"LOCATION": "rediss://cache.example:6380/0", "OPTIONS": {}}
    default = connection_settings(base)["ssl_context"]
    assert default.verify_mode == ssl.CERT_REQUIRED and default.check_hostname
    relaxed = connection_settings({**base, "OPTIONS": {"ssl_cert_reqs": "none"}})["ssl_context"]
    assert relaxed.verify_mode == ssl.CERT_NONE and not relaxed.check_hostname
    pooled = connection_settings({**base, "OPTIONS": {"CONNECTION_POOL_KWARGS": {"ssl_cert_reqs": None}}})
    assert pooled["ssl_context"].verify_mode == ssl.CERT_NONE
    in_url = connection_settings({**base, "LOCATION": "rediss://cache.example:6380/0?ssl_cert_reqs=optional"})
    assert in_url["ssl_context"].verify_mode == ssl.CERT_OPTIONAL
    no_host = connection_settings({**base, "OPTIONS": {"ssl_check_hostname": False}})["ssl_context"]
    assert no_host.verify_mode == ssl.CERT_REQUIRED and not no_host.check_hostname
    with pytest.raises(FileNotFoundError):
        connection_settings({**base, "OPTIONS": {"ssl_ca_certs": "/nonexistent/ca.pem"}})
    assert connection_settings({"LOCATION": "redis://cache.example/0", "OPTIONS": {}})["ssl_context"] is None


@pytest.mark.parametrize(
    "cache_settings, message",
    [
        ({"LOCATION": ["redis://a:6379/0", "redis://b:6379/0"]}, "lists several"),
        ({"LOCATION": "redis://a:6379/0,redis://b:6379/0"}, "lists several"),
        (
            {"LOCATION": "redis://mymaster/0", "OPTIONS": {"CLIENT_CLASS": "django_redis.client.SentinelClient"}},
            "Sentinel",
        ),
        ({"LOCATION": "redis://a/0", "OPTIONS": {"SENTINELS": [("s", 26379)]}}, "Sentinel"),
        ({"LOCATION": "redis://a/0", "OPTIONS": {"REDIS_CLIENT_CLASS": "redis.cluster.RedisCluster"}}, "Cluster"),
        ({"LOCATION": "memcached://a/0"}, "memcached"),
    ],
)
def test_what_the_counter_cannot_follow_is_refused_at_start(settings, cache_settings, message):
    settings.CACHES = {**settings.CACHES, "default": cache_settings}
    errors = counter_check()
    assert len(errors) == 1 and errors[0].id == "core.E010" and message in errors[0].msg


def test_the_project_settings_pass_the_check():
    assert counter_check() == []
    cache.get("warm")  # the cache itself is reachable with the same settings
