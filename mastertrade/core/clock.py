"""'Now' and 'today' in one place: aware UTC, with the clock as an input."""

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    return timezone.now()


def today(at: dt.datetime | None = None) -> dt.date:
    return (at or now()).astimezone(dt.UTC).date()
