"""The `tz_loader` piece against Django's loader (psycopg's TimestamptzLoader, its zone
replaced by Django's) over the same timestamps, in several session time zones."""

import datetime as dt
import random

import pytest

from mastertrade.fastpath import on
from mastertrade.fastpath.tz_loader import FastTzLoader

pytestmark = pytest.mark.django_db


def _register_fast(connection, cursor):
    loader = type("FastTzLoader", (FastTzLoader,), {"timezone": connection.timezone})
    cursor.cursor.adapters.register_loader("timestamptz", loader)


def test_the_loader_is_registered_only_when_on():
    from django.db import connection

    with connection.cursor() as cursor:
        registered = issubclass(cursor.cursor.adapters.get_loader(1184, 0), FastTzLoader)
    assert registered == on("tz_loader")


TIMESTAMPS = [
    "2026-11-26 03:04:05.123456+00",
    "2026-11-26 03:04:05+05:30",
    "1999-12-31 23:59:59.999999-08",
    "2026-03-29 01:30:00+01",
    "1900-01-01 00:00:00+00",
    "2999-12-31 23:59:59.999999+00",
]


def _loaded_both_ways(stamps, session_zone):
    """The row of `stamps` (and a NULL) loaded by the fast loader (in `session_zone`) and
    by psycopg's TimestamptzLoader as Django registers it (Django's zone)."""
    from django.db import connection
    from django.db.backends.postgresql.psycopg_any import register_tzloader

    select = "SELECT " + ", ".join(f"'{ts}'::timestamptz" for ts in stamps) + ", NULL::timestamptz"
    with connection.cursor() as cursor:
        _register_fast(connection, cursor)
        cursor.execute("SET LOCAL TIME ZONE %s", [session_zone])
        cursor.execute(select)
        fast = cursor.fetchone()
    with connection.cursor() as cursor:
        register_tzloader(connection.timezone, cursor.cursor)  # Django's own, on this cursor
        cursor.execute(select)
        framework = cursor.fetchone()
    return fast, framework


@pytest.mark.parametrize("session_zone", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_the_fast_timestamp_loader_loads_what_djangos_loads(session_zone):
    from django.db import connection

    fast, django_rows = _loaded_both_ways(TIMESTAMPS, session_zone)
    assert fast == django_rows
    assert (
        [v.tzinfo for v in fast[:-1]] == [v.tzinfo for v in django_rows[:-1]] == [connection.timezone] * len(TIMESTAMPS)
    )


def _many_timestamps(n=400):
    rng = random.Random(22)
    start = dt.datetime(1901, 1, 1, tzinfo=dt.UTC)
    out = []
    for _ in range(n):
        moment = start + dt.timedelta(seconds=rng.randrange(0, 3_900_000_000), microseconds=rng.randrange(0, 10**6))
        offset = rng.choice(["+00", "-08", "+05:30", "+01", "-03:30", "+14", "-12"])
        out.append(moment.strftime("%Y-%m-%d %H:%M:%S.%f") + offset)
    return out


@pytest.mark.parametrize("session_zone", ["UTC", "Europe/Paris", "America/St_Johns"])
def test_the_fast_loader_matches_psycopgs_own_over_many_timestamps(session_zone):
    from django.db import connection

    fast, framework = _loaded_both_ways(_many_timestamps(), session_zone)
    assert fast == framework
    assert {v.tzinfo for v in fast[:-1]} == {v.tzinfo for v in framework[:-1]} == {connection.timezone}
    assert fast[-1] is framework[-1] is None
