"""Trading days: the one clock of a goal (pure; each calendar is built once per process, from stored data).

A goal names its calendar (`FinancialGoal.calendar`):

- `24/7`: every day is a trading day (crypto);
- `weekdays`: Monday to Friday;
- an exchange's sessions by its ISO MIC, one of EXCHANGES, e.g. `XNYS`, `XLON`: its
  weekdays without its holidays, from SESSIONS_FROM to SESSIONS_TO (outside that range its
  weekdays). The holidays come from the `exchange-calendars` package, precomputed into
  calendar_holidays.json (building the package's calendars takes seconds and pandas: never
  on a request).

Pace, the policies' trading days and the estimator's trades per day all count days here.
A goal's period is its calendar's trading days from its start date up to its deadline,
and the deadline day always counts as a trading day, still open on that date: on the
deadline the pace is (n − 1)/n, and it reaches 100 % only the day after (when the goal,
unreached, is missed). Days are UTC dates, as everywhere in the project (`core.clock`).
"""

import datetime as dt
import json
from functools import cache
from pathlib import Path

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


HOLIDAYS_FILE = Path(__file__).with_name("calendar_holidays.json")


@cache
def _stored_holidays() -> dict[str, tuple[str, ...]]:
    """Each offered exchange's holidays, precomputed from exchange-calendars into
    HOLIDAYS_FILE (`write_holidays`; a test checks it against the package): reading them
    costs milliseconds, where building the package's calendars costs seconds and pandas."""
    stored = json.loads(HOLIDAYS_FILE.read_text())
    return {mic: tuple(days) for mic, days in stored["holidays"].items()}


def holidays_from_package(name: str) -> tuple[str, ...]:
    """An exchange's holidays (weekdays without a session) over the range, from the package."""
    import exchange_calendars  # only here: it brings pandas

    cal = exchange_calendars.get_calendar(name, start=SESSIONS_FROM, end=SESSIONS_TO)
    sessions = cal.sessions.to_numpy().astype("datetime64[D]")
    days = np.arange(np.datetime64(SESSIONS_FROM), np.datetime64(SESSIONS_TO) + 1)
    weekdays = days[np.is_busday(days, weekmask=WEEKDAYS_MASK)]
    return tuple(str(d) for d in np.setdiff1d(weekdays, sessions))


def write_holidays() -> None:
    """Regenerate HOLIDAYS_FILE (after upgrading exchange-calendars), from a Django shell:
    `.venv/bin/python manage.py shell -c "from goals.calendars import write_holidays; write_holidays()"`."""
    import exchange_calendars

    data = {
        "source": f"exchange-calendars {exchange_calendars.__version__}",
        "range": [SESSIONS_FROM, SESSIONS_TO],
        "holidays": {mic: list(holidays_from_package(mic)) for mic in EXCHANGES},
    }
    HOLIDAYS_FILE.write_text(json.dumps(data, indent=0) + "\n")


@cache
def _busdays(name: str) -> np.busdaycalendar:
    if name == CALENDAR_24_7:
        return np.busdaycalendar(weekmask="1111111")
    if name == CALENDAR_WEEKDAYS:
        return np.busdaycalendar(weekmask=WEEKDAYS_MASK)
    return np.busdaycalendar(weekmask=WEEKDAYS_MASK, holidays=list(_stored_holidays()[name]))


def holidays(name: str) -> tuple[str, ...]:
    """The weekdays without a session (ISO dates) of an exchange calendar; none otherwise."""
    return () if name in (CALENDAR_24_7, CALENDAR_WEEKDAYS) else _stored_holidays()[name]


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
