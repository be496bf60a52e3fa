"""The goals' trading days (goals.calendars) against the exchange-calendars package."""

import datetime as dt

import exchange_calendars
import pytest

from goals import calendars


@pytest.mark.parametrize("mic", calendars.EXCHANGES)
def test_each_exchange_counts_its_sessions(mic):
    """Offered exchanges exist, have a Monday–Friday week, their stored holidays are the
    package's (else regenerate them: `calendars.write_holidays`), and the count is exactly
    the package's sessions (sampled over a year)."""
    cal = exchange_calendars.get_calendar(mic, start=calendars.SESSIONS_FROM, end=calendars.SESSIONS_TO)
    assert cal.weekmask == calendars.WEEKDAYS_MASK
    assert calendars.holidays(mic) == calendars.holidays_from_package(mic)
    start, end = dt.date(2026, 1, 1), dt.date(2027, 1, 1)
    sessions = cal.sessions_in_range(start.isoformat(), (end - dt.timedelta(days=1)).isoformat())
    assert calendars.trading_days(mic, start, end) == len(sessions)
    for month in range(1, 13):
        first = dt.date(2026, month, 1)
        inside = [s.date() for s in sessions if s.date() < first]
        assert calendars.trading_days(mic, start, first) == len(inside)


def test_24_7_counts_every_day_and_weekdays_skip_weekends():
    monday = dt.date(2026, 3, 2)
    assert calendars.trading_days("24/7", monday, monday + dt.timedelta(days=7)) == 7
    assert calendars.trading_days("weekdays", monday, monday + dt.timedelta(days=7)) == 5
    assert calendars.trading_days("weekdays", monday + dt.timedelta(days=5), monday + dt.timedelta(days=7)) == 0


def test_the_deadline_day_counts_and_is_open_on_the_day():
    start, saturday = dt.date(2026, 3, 2), dt.date(2026, 3, 7)
    assert calendars.period_days("weekdays", start, saturday) == 6  # five weekdays and the deadline
    assert calendars.elapsed_days("weekdays", start, saturday, saturday) == 5
    assert calendars.elapsed_days("weekdays", start, saturday, saturday + dt.timedelta(days=1)) == 6


@pytest.mark.parametrize(
    ("symbols", "calendar"),
    [
        (["BTCUSDT"], "24/7"),
        (["AAPL", "eth-usd"], "24/7"),
        (["SOL/USDC"], "24/7"),
        (["AAPL", "MSFT"], "weekdays"),
        ([], "weekdays"),
    ],
)
def test_a_goal_that_trades_crypto_defaults_to_24_7(symbols, calendar):
    assert calendars.default_for_symbols(symbols) == calendar
