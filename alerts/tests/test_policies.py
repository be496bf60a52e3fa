"""The pure delivery policies: the retry delay (backoff, jitter, Retry-After)."""

import datetime as dt

import pytest

from alerts import policies


@pytest.mark.parametrize(
    ("attempt", "rng", "retry_after", "expected"),
    [(1, 0.0, None, 2.5), (1, 1.0, None, 5.0), (3, 1.0, None, 20.0), (10, 1.0, None, 900.0), (1, 0.0, 42.0, 42.0)],
)
def test_retry_delay(attempt, rng, retry_after, expected):
    assert policies.retry_delay(attempt=attempt, base=5, cap=900, rng=rng, retry_after=retry_after) == expected


def test_retry_after_as_a_date():
    now = dt.datetime(2026, 11, 25, 20, 0, tzinfo=dt.UTC)
    assert policies.parse_retry_after("Wed, 25 Nov 2026 20:00:30 GMT", now=now) == 30
    assert policies.parse_retry_after("soon", now=now) is None
