"""Pure alert decisions: numbers in, decision out; no database, no clock, no randomness
inside (the caller passes `now` and `rng`)."""

import datetime as dt
import email.utils
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from goals import progress

from .kinds import RuleKind, StatusThreshold

# Sizing turns protective in the last third of the drawdown limit (risk.policies).
PROTECTIVE_SHARE = Decimal(2) / Decimal(3)


@dataclass(frozen=True)
class Condition:
    """A rule's verdict for one subject: firing or not; `applies` False when the rule
    says nothing (a one-shot rule after its moment, a rule for another goal...)."""

    firing: bool
    title: str = ""
    detail: str = ""
    applies: bool = True


NOT_APPLICABLE = Condition(firing=False, applies=False)


def goal_condition(
    *,
    kind: str,
    status: str,
    progress_pct: Decimal,
    expected_pct: Decimal | None,
    days_left: int | None,
    drawdown_pct: Decimal,
    max_drawdown_pct: Decimal,
    threshold: str = StatusThreshold.AT_RISK,
    deadline_days: int = 3,
    goal_name: str = "",
) -> Condition:
    """What a goal rule says about a goal now."""
    where = f"progress {progress_pct}%" + (f" vs {expected_pct}% expected" if expected_pct is not None else "")
    if kind == RuleKind.GOAL_AT_RISK:
        watched = {progress.STATUS_BEHIND} | (
            {progress.STATUS_AT_RISK} if threshold == StatusThreshold.AT_RISK else set()
        )
        return Condition(status in watched, f"Goal {goal_name!r} is {status.replace('_', ' ')}", where)
    if kind == RuleKind.GOAL_MISSED:
        return (
            Condition(True, f"Goal {goal_name!r} missed", where) if status == progress.STATUS_MISSED else NOT_APPLICABLE
        )
    if kind == RuleKind.GOAL_ACHIEVED:
        return (
            Condition(True, f"Goal {goal_name!r} achieved", where)
            if status == progress.STATUS_ACHIEVED
            else NOT_APPLICABLE
        )
    if kind == RuleKind.DEADLINE_NEAR:
        below_pace = expected_pct is not None and progress_pct < expected_pct
        near = days_left is not None and 0 <= days_left <= deadline_days
        if near and below_pace and status not in (progress.STATUS_ACHIEVED, progress.STATUS_MISSED):
            return Condition(True, f"Goal {goal_name!r}: deadline in {days_left} day(s), below pace", where)
        return NOT_APPLICABLE
    if kind == RuleKind.DRAWDOWN:
        protective_line = max_drawdown_pct * PROTECTIVE_SHARE
        halted = drawdown_pct >= max_drawdown_pct
        return Condition(
            drawdown_pct >= protective_line,
            f"Goal {goal_name!r}: sizing {'halted' if halted else 'protective'} (drawdown {drawdown_pct}%)",
            f"drawdown {drawdown_pct}% of a {max_drawdown_pct}% limit",
        )
    return NOT_APPLICABLE


def strategy_condition(
    *,
    status: str,
    losing_streak: int,
    max_drawdown: Decimal | None,
    streak_threshold: int | None,
    drawdown_threshold: Decimal | None,
    name: str = "",
) -> Condition:
    reasons = []
    if status == "failed":
        reasons.append("status failed")
    if streak_threshold and losing_streak >= streak_threshold:
        reasons.append(f"{losing_streak} losing trades in a row")
    if drawdown_threshold is not None and max_drawdown is not None and max_drawdown >= drawdown_threshold:
        reasons.append(f"drawdown {max_drawdown}")
    return Condition(bool(reasons), f"Strategy {name!r} failing", ", ".join(reasons))


def fingerprint(*, rule_id: int, subject: str, condition: str) -> str:
    """One firing = one (rule, subject, condition)."""
    return hashlib.sha256(f"{rule_id}|{subject}|{condition}".encode()).hexdigest()


def repeat_due(*, last_notified_at: dt.datetime, repeat_interval_seconds: int, now: dt.datetime) -> bool:
    return repeat_interval_seconds > 0 and now - last_notified_at >= dt.timedelta(seconds=repeat_interval_seconds)


def retry_delay(*, attempt: int, base: float, cap: float, rng: float, retry_after: float | None = None) -> float:
    """Seconds before the next attempt: exponential backoff with jitter (the delay is
    drawn from [½, 1] × base × 2^(attempt−1), capped), or the receiver's Retry-After when
    it asks for longer (also capped)."""
    backoff = min(cap, base * 2 ** max(attempt - 1, 0)) * (0.5 + rng / 2)
    if retry_after is not None:
        return min(cap, max(backoff, retry_after))
    return backoff


def parse_retry_after(value: str | None, *, now: dt.datetime) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())
