"""Trading days: the one clock of a goal (pure; each calendar is built once per process).

A goal names its calendar (`FinancialGoal.calendar`):

- `24/7`: every day is a trading day (crypto);
- `weekdays`: Monday to Friday;
- an exchange's sessions by its ISO MIC, one of EXCHANGES, e.g. `XNYS`, `XLON` (the
  `exchange-calendars` package): its weekdays without its holidays, from SESSIONS_FROM to
  SESSIONS_TO (outside that range its weekdays).

Pace, the policies' trading days and the estimator's trades per day all count days here.
A goal's period is its calendar's trading days from its start date up to its deadline,
and the deadline day always counts as a trading day, still open on that date: on the
deadline the pace is (n − 1)/n, and it reaches 100 % only the day after (when the goal,
unreached, is missed). Days are UTC dates, as everywhere in the project (`core.clock`).
"""

import datetime as dt
from functools import cache

import numpy as np

CALENDAR_24_7 = "24/7"
CALENDAR_WEEKDAYS = "weekdays"
# The exchanges offered (ISO MICs, each a Monday–Friday week in exchange-calendars with its
# holidays known up to SESSIONS_TO; tested). Not offered: those whose holidays the package
# records only a year ahead (Singapore, Bombay, Shanghai).
EXCHANGES = (
    "XNYS", "XLON", "XETR", "XPAR", "XAMS", "XSWX", "XMIL", "XMAD",
    "XSTO", "XTSE", "XASX", "XHKG", "XTKS", "XKRX", "XJSE",
)  # fmt: skip
CALENDARS = (CALENDAR_24_7, CALENDAR_WEEKDAYS, *EXCHANGES)
SESSIONS_FROM, SESSIONS_TO = "2015-01-01", "2035-12-31"
WEEKDAYS_MASK = "1111100"
# Symbols that mark a crypto goal, for the default calendar (`default_for_symbols`).
CRYPTO_QUOTES = ("USDT", "USDC", "BUSD", "BTC", "ETH")
CRYPTO_BASES = ("BTC", "ETH", "SOL", "XRP", "ADA", "DOGE", "BNB", "LTC", "DOT", "AVAX", "MATIC", "TRX", "LINK")


@cache
def _exchange(name: str) -> tuple[str, tuple[str, ...]]:
    """An exchange's week mask and holidays (weekdays without a session) over the range:
    built once per process per exchange (about 0.1 s; the first one also imports pandas)."""
    import exchange_calendars

    cal = exchange_calendars.get_calendar(name, start=SESSIONS_FROM, end=SESSIONS_TO)
    sessions = cal.sessions.to_numpy().astype("datetime64[D]")
    days = np.arange(np.datetime64(SESSIONS_FROM), np.datetime64(SESSIONS_TO) + 1)
    weekdays = days[np.is_busday(days, weekmask=cal.weekmask)]
    return cal.weekmask, tuple(str(d) for d in np.setdiff1d(weekdays, sessions))


@cache
def _busdays(name: str) -> np.busdaycalendar:
    if name == CALENDAR_24_7:
        return np.busdaycalendar(weekmask="1111111")
    if name == CALENDAR_WEEKDAYS:
        return np.busdaycalendar(weekmask=WEEKDAYS_MASK)
    mask, holidays = _exchange(name)
    return np.busdaycalendar(weekmask=mask, holidays=list(holidays))


def holidays(name: str) -> tuple[str, ...]:
    """The weekdays without a session (ISO dates) of an exchange calendar; none otherwise."""
    return () if name in (CALENDAR_24_7, CALENDAR_WEEKDAYS) else _exchange(name)[1]


def trading_days(name: str, start: dt.date, end: dt.date) -> int:
    """Trading days in [start, end) (0 when end ≤ start)."""
    if end <= start:
        return 0
    return int(np.busday_count(start, end, busdaycal=_busdays(name)))


def period_days(name: str, start: dt.date, deadline: dt.date) -> int:
    """Trading days of a goal's period: those from the start up to the deadline, plus the
    deadline day itself (always a trading day of the goal)."""
    return trading_days(name, start, deadline) + 1


def elapsed_days(name: str, start: dt.date, deadline: dt.date, today: dt.date) -> int:
    """Trading days of the period that are over by `today` (today's is still open; after
    the deadline, all of them)."""
    if today > deadline:
        return period_days(name, start, deadline)
    return trading_days(name, start, today)


def default_for_symbols(symbols) -> str:
    """The calendar a goal gets when it names none: 24/7 when it trades crypto (a symbol
    such as BTCUSDT, ETH-USD, SOL/USDC), else weekdays."""
    for symbol in symbols:
        s = "".join(ch for ch in str(symbol).upper() if ch.isalnum())
        if s.endswith(CRYPTO_QUOTES) or s.startswith(CRYPTO_BASES):
            return CALENDAR_24_7
    return CALENDAR_WEEKDAYS
