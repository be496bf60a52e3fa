"""The `resp` piece against redis-py: the same counts and expiries on the same keys, the
same failures; off, the counter is redis-py on the cache's own client, and a Redis that is
down lets requests through, counted as unavailable, in both modes."""

from types import SimpleNamespace

import pytest
from django_redis import get_redis_connection

from mastertrade.fastpath.resp import RedisCounter, RedisError, RedisPyCounter, connection_settings, counter

pytestmark = pytest.mark.django_db


@pytest.fixture
def resp_on(settings):
    settings.FASTPATH_OFF = frozenset()


def _ours():
    from django.conf import settings

    return RedisCounter(**connection_settings(settings.CACHES["default"]))


def test_resp_and_redis_py_count_the_same_on_the_same_key():
    redis = get_redis_connection("default")
    key = "mt:test:fastpath:oracle"
    redis.delete(key)
    ours, theirs = _ours(), RedisPyCounter()
    try:
        seen = []
        for i in range(6):
            counter_ = ours if i % 2 else theirs
            seen.append((counter_.incr(key, expire_seconds=61), redis.ttl(key) <= 61))
        assert seen == [(n, True) for n in range(1, 7)]
        redis.expire(key, 500)
        assert ours.incr(key, expire_seconds=61) == 7 and redis.ttl(key) > 61  # NX: the expiry kept
        assert theirs.incr(key, expire_seconds=61) == 8 and redis.ttl(key) > 61
        redis.set(key, "x")
        failures = []
        for counter_ in (ours, theirs):
            with pytest.raises(Exception, match="not an integer") as raised:
                counter_.incr(key, expire_seconds=61)
            failures.append(raised.value)
        assert isinstance(failures[0], RedisError)
        redis.delete(key)
        assert ours.incr(key, expire_seconds=61) == theirs.incr(key, expire_seconds=61) - 1 == 1
    finally:
        redis.delete(key)


def test_the_counter_follows_the_switch(settings):
    settings.FASTPATH_OFF = frozenset({"resp"})
    assert type(counter()) is RedisPyCounter
    settings.FASTPATH_OFF = frozenset()
    assert type(counter()) is RedisCounter


@pytest.mark.parametrize("off", [frozenset(), frozenset({"resp"})])
def test_with_the_cache_redis_down_writes_are_allowed_and_counted_as_unavailable(settings, user, off):
    from mastertrade.core.throttling import UNCOUNTED, WriteRateThrottle
    from mastertrade.testing import free_port

    settings.FASTPATH_OFF = off
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{free_port()}/1"},
    }
    settings.API_THROTTLE_WRITE = "1/minute"
    before = UNCOUNTED._value.get()
    request = SimpleNamespace(method="POST", user=user)
    assert all(WriteRateThrottle().allow_request(request, None) for _ in range(3))
    assert UNCOUNTED._value.get() == before + 3


def test_the_throttle_counter_counts_like_redis_py_and_sets_the_expiry_once(resp_on):
    from django.conf import settings
    from django_redis import get_redis_connection

    redis = get_redis_connection("default")
    key = "mt:test:hot-path:counter"
    redis.delete(key)
    try:
        assert [counter().incr(key, expire_seconds=61) for _ in range(3)] == [1, 2, 3]
        assert redis.get(key) == b"3" and 59 <= redis.ttl(key) <= 61
        redis.expire(key, 500)
        assert counter().incr(key, expire_seconds=61) == 4
        assert redis.ttl(key) > 61  # NX: an expiry already set is kept
        # Same database as the cache (the test cache has its own).
        assert settings.CACHES["default"]["LOCATION"].endswith(f"/{redis.connection_pool.connection_kwargs['db']}")
    finally:
        redis.delete(key)


def test_the_throttle_counter_reconnects_after_an_error(resp_on):
    from django_redis import get_redis_connection

    redis = get_redis_connection("default")
    key = "mt:test:hot-path:not-a-number"
    redis.set(key, "x")
    try:
        with pytest.raises(RedisError, match="not an integer"):
            counter().incr(key, expire_seconds=61)
        redis.delete(key)
        assert counter().incr(key, expire_seconds=61) == 1
    finally:
        redis.delete(key)


def test_the_throttle_counter_reads_password_and_database_from_the_url():
    c = RedisCounter("redis://me:p%40ss@cache.example:6390/4", connect_timeout=1, timeout=1)
    assert (c.address, c.username, c.password, c.database) == (("cache.example", 6390), "me", "p@ss", 4)
    c = RedisCounter("unix:///run/redis.sock?db=2", connect_timeout=1, timeout=1)
    assert (c.address, c.password, c.database) == ("/run/redis.sock", None, 2)
    assert RedisCounter("rediss://cache.example/0", connect_timeout=1, timeout=1).tls
    with pytest.raises(ValueError, match="http"):
        RedisCounter("http://cache.example/0", connect_timeout=1, timeout=1)
