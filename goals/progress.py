"""Progress, pace and status: the thresholds live here and nowhere else.

Pure functions of numbers and dates. Goal status (shown to people), the sizing
policy (risk) and the selection policy (strategies) all read these constants.

- progress_pct = current / target × 100, 2 decimals.
- expected_pct = trading days over / trading days of [start_date, target_date] × 100, in the
  goal's calendar (goals.calendars; None without a deadline).
- status:   achieved   progress ≥ ACHIEVED_PCT
            missed     deadline passed (today > target_date) below ACHIEVED_PCT
            on_track   progress ≥ expected − ON_TRACK_GAP   (or no deadline)
            at_risk    progress ≥ expected − AT_RISK_GAP
            behind     otherwise
- band (what the sizing and selection policies act on, level and pace together):
            achieved   progress ≥ ACHIEVED_PCT
            near_goal  progress ≥ NEAR_GOAL_PCT
            behind     progress < BEHIND_BELOW_PCT, or status would be `behind` by pace
            on_track   otherwise
"""

import datetime as dt
from decimal import Decimal

from mastertrade.core.money import quantize

from . import calendars

ACHIEVED_PCT = Decimal("100")
NEAR_GOAL_PCT = Decimal("80")
BEHIND_BELOW_PCT = Decimal("40")
ON_TRACK_GAP = Decimal("10")
AT_RISK_GAP = Decimal("25")

# Progress is kept within ±PROGRESS_LIMIT_PCT (a rule on the goal), so every stored
# percentage (history, audit rows) fits its column.
PROGRESS_LIMIT_PCT = Decimal("10000000")

STATUS_ON_TRACK = "on_track"
STATUS_AT_RISK = "at_risk"
STATUS_BEHIND = "behind"
STATUS_ACHIEVED = "achieved"
STATUS_MISSED = "missed"
STATUS_CHOICES = [
    (STATUS_ON_TRACK, "On track"),
    (STATUS_AT_RISK, "At risk"),
    (STATUS_BEHIND, "Behind"),
    (STATUS_ACHIEVED, "Achieved"),
    (STATUS_MISSED, "Missed"),
]

BAND_BEHIND = "behind"
BAND_ON_TRACK = "on_track"
BAND_NEAR_GOAL = "near_goal"
BAND_ACHIEVED = "achieved"


def progress_ratio_pct(current, target, start=0):
    """(current − start) / (target − start) × 100: progress measured from where the goal
    started. Plain arithmetic, so it works on Decimals and on numpy arrays (the simulator)."""
    return (current - start) / (target - start) * 100


def progress_start(goal_type: str, start_value: Decimal | None, target: Decimal) -> Decimal:
    """Where progress is measured from: a portfolio_value goal from its starting value
    (when that is below the target), every other goal from 0."""
    if goal_type == "portfolio_value" and start_value is not None and 0 < start_value < target:
        return start_value
    return Decimal(0)


def progress_pct(current: Decimal, target: Decimal, start: Decimal = Decimal(0)) -> Decimal:
    return quantize(progress_ratio_pct(current, target, start), 2)


def expected_pct(start: dt.date, deadline: dt.date | None, today: dt.date, *, calendar: str) -> Decimal | None:
    """The share of the period's trading days that are over (goals.calendars: the deadline
    day counts and is still open on the deadline)."""
    if deadline is None:
        return None
    total = calendars.period_days(calendar, start, deadline)
    elapsed = calendars.elapsed_days(calendar, start, deadline, today)
    return quantize(Decimal(elapsed) / Decimal(total) * 100, 2)


def status_for(progress: Decimal, expected: Decimal | None, deadline_passed: bool) -> str:
    if progress >= ACHIEVED_PCT:
        return STATUS_ACHIEVED
    if deadline_passed:
        return STATUS_MISSED
    if expected is None or progress >= expected - ON_TRACK_GAP:
        return STATUS_ON_TRACK
    if progress >= expected - AT_RISK_GAP:
        return STATUS_AT_RISK
    return STATUS_BEHIND


def band_for(progress: Decimal, expected: Decimal | None) -> str:
    if progress >= ACHIEVED_PCT:
        return BAND_ACHIEVED
    if progress >= NEAR_GOAL_PCT:
        return BAND_NEAR_GOAL
    if progress < BEHIND_BELOW_PCT or status_for(progress, expected, False) == STATUS_BEHIND:
        return BAND_BEHIND
    return BAND_ON_TRACK


def status_sql(progress: str, expected: str, deadline_passed: str) -> str:
    """`status_for` as a SQL CASE over three SQL expressions (for set-based snapshots)."""
    return (
        f"CASE WHEN {progress} >= {ACHIEVED_PCT} THEN '{STATUS_ACHIEVED}'"
        f" WHEN {deadline_passed} THEN '{STATUS_MISSED}'"
        f" WHEN {expected} IS NULL OR {progress} >= {expected} - {ON_TRACK_GAP} THEN '{STATUS_ON_TRACK}'"
        f" WHEN {progress} >= {expected} - {AT_RISK_GAP} THEN '{STATUS_AT_RISK}'"
        f" ELSE '{STATUS_BEHIND}' END"
    )


def _trading_ordinal_sql(day: str) -> str:
    """Trading days of `g.calendar` from 1900-01-01 (a Monday) up to `day` (excluded), in SQL:
    every day for 24/7, else weekdays less the calendar's stored holidays
    (goal_calendar_holiday, goals.calendars.holidays)."""
    n = f"({day} - DATE '1900-01-01')"
    return (
        f"(CASE WHEN g.calendar = '{calendars.CALENDAR_24_7}' THEN {n}"
        f" ELSE {n} / 7 * 5 + LEAST(MOD({n}, 7), 5) - (SELECT count(*) FROM goal_calendar_holiday h"
        f" WHERE h.calendar = g.calendar AND h.day < {day})::int END)"
    )


def goal_status_sql_joins() -> str:
    """For `FROM financial_goals g`: lateral joins adding p.pct (progress_pct),
    e.pct (expected_pct) and s.status (`status_for`), all in SQL, for set-based reads
    and writes. The query takes a `%(today)s` date parameter."""
    deadline_passed = "(g.target_date IS NOT NULL AND %(today)s::date > g.target_date)"
    start, deadline = _trading_ordinal_sql("g.start_date"), _trading_ordinal_sql("g.target_date")
    today = _trading_ordinal_sql("GREATEST(%(today)s::date, g.start_date)")
    return f"""
CROSS JOIN LATERAL (SELECT CASE WHEN g.goal_type = 'portfolio_value' AND g.start_value > 0
        AND g.start_value < g.target_value THEN g.start_value ELSE 0 END AS v) s0
CROSS JOIN LATERAL (SELECT ROUND((g.current_value - s0.v) / (g.target_value - s0.v) * 100, 2) AS pct) p
CROSS JOIN LATERAL (SELECT CASE WHEN g.target_date IS NULL THEN NULL
        ELSE {deadline} - {start} + 1 END AS days) n
CROSS JOIN LATERAL (SELECT CASE
        WHEN g.target_date IS NULL THEN NULL
        WHEN {deadline_passed} THEN 100.00
        ELSE ROUND(({today} - {start})::numeric / n.days * 100, 2)
    END AS pct) e
CROSS JOIN LATERAL (SELECT {status_sql("p.pct", "e.pct", deadline_passed)} AS status) s
"""
