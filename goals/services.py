"""Every write to goals and their history, each in one transaction."""

import datetime as dt
import logging
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import ProtectedError

from mastertrade.core import clock
from mastertrade.core.errors import INVALID_COMBINATION, ApplicationError, Conflict
from mastertrade.core.money import AMOUNT, quantize
from mastertrade.core.services import instance_update_locked

from . import calendars, progress
from .models import (
    GOAL_UPDATABLE_FIELDS,
    CalendarHoliday,
    FinancialGoal,
    GoalProgressSnapshot,
    GoalState,
    GoalType,
    PeakReset,
    SnapshotSource,
)

logger = logging.getLogger(__name__)
_progress_hooks = []


def on_goal_progress_changed(hook):
    """Register `hook(goal_id)`, called after commit whenever a goal's current_value
    changes (progress update or trade). Lets higher apps react without goals importing them."""
    _progress_hooks.append(hook)
    return hook


_goal_changed_hooks = []


def on_goal_changed(hook):
    """Register `hook(goal_id)`, called after commit when a goal's value, target, dates or
    settings change (e.g. to refresh its chance of reaching the goal). Lets higher apps
    react without goals importing them."""
    _goal_changed_hooks.append(hook)
    return hook


def _changed(goal_id: int, *, progress_moved: bool = False) -> None:
    """One after-commit callback for a changed goal: the goal-changed hooks (robust: the
    write is committed, a failing hook is logged, never an error for the caller), then,
    when its value moved, the progress hooks."""
    hooks, progress_hooks = list(_goal_changed_hooks), list(_progress_hooks) if progress_moved else []

    def run():
        for hook in hooks:
            try:
                hook(goal_id)
            except Exception:
                logger.exception("goal-changed hook %s failed for goal %s", getattr(hook, "__name__", hook), goal_id)
        for hook in progress_hooks:
            hook(goal_id)

    if hooks or progress_hooks:
        transaction.on_commit(run)


def goal_create(
    *, owner, name: str, goal_type: str, target_value: Decimal, current_value: Decimal = Decimal("0"), **fields
) -> FinancialGoal:
    unknown = set(fields).difference(GOAL_UPDATABLE_FIELDS)
    if unknown:
        raise ApplicationError(f"Unknown goal fields: {', '.join(sorted(unknown))}.")
    goal = FinancialGoal(
        owner=owner,
        name=name,
        goal_type=goal_type,
        target_value=target_value,
        current_value=current_value,
        peak_value=current_value,
        start_value=current_value,
        peak_at=clock.now(),
        **fields,
    )
    if goal.start_date is None:
        goal.start_date = clock.today()
    goal.full_clean()
    with transaction.atomic():
        calendar_holidays_store(goal.calendar)
        goal.save()
        _changed(goal.pk)
    return goal


_stored_calendars: set[str] = set()


def calendar_holidays_store(name: str) -> None:
    """Store an exchange calendar's holidays, so SQL counts its trading days as Python does
    (goals.progress.goal_status_sql_joins): once per process and calendar, a no-op after."""
    if name in _stored_calendars:
        return
    days = calendars.holidays(name)
    if days:
        CalendarHoliday.objects.bulk_create(
            [CalendarHoliday(calendar=name, day=dt.date.fromisoformat(d)) for d in days], ignore_conflicts=True
        )
    transaction.on_commit(lambda: _stored_calendars.add(name))


# Which state a goal may move to from each state (the admin's actions and PATCH alike).
# Staying in the same state is always allowed (a no-op).
STATE_TRANSITIONS: dict[str, set[str]] = {
    GoalState.ACTIVE: {GoalState.PAUSED, GoalState.ARCHIVED},
    GoalState.PAUSED: {GoalState.ACTIVE, GoalState.ARCHIVED},
    GoalState.ARCHIVED: {GoalState.ACTIVE},
}


def goal_state_change_allowed(*, current: str, new: str) -> bool:
    return new == current or new in STATE_TRANSITIONS.get(current, set())


@transaction.atomic
def goal_update(*, goal: FinancialGoal, **fields) -> FinancialGoal:
    """Change a goal's fields under a row lock; a state change must follow STATE_TRANSITIONS
    (else 409 `goal_state_transition`)."""
    if "state" in fields:
        current = FinancialGoal.objects.select_for_update().values_list("state", flat=True).get(pk=goal.pk)
        if not goal_state_change_allowed(current=current, new=fields["state"]):
            allowed = ", ".join(sorted(STATE_TRANSITIONS.get(current, set()))) or "none"
            raise Conflict(
                f"A {current} goal cannot become {fields['state']} (allowed: {allowed}).", code="goal_state_transition"
            )
    goal = instance_update_locked(instance=goal, fields=fields, allowed=GOAL_UPDATABLE_FIELDS)
    if "calendar" in fields:
        calendar_holidays_store(goal.calendar)
    if "max_drawdown_pct" in fields:  # a new limit may put the goal past it (the guard's clock starts)
        _value_track(goal, goal.current_value, clock.now())
        goal.save(update_fields=["peak_value", "peak_at", "fall_at"])
    _changed(goal.pk)
    return goal


@transaction.atomic
def goal_peak_reset(*, goal: FinancialGoal, reason: str, by=None, now: dt.datetime | None = None) -> FinancialGoal:
    """Set the drawdown peak to the current value (e.g. after a mistyped progress value),
    with an audit row."""
    now = now or clock.now()
    goal = FinancialGoal.objects.select_for_update().get(pk=goal.pk)
    PeakReset.objects.create(
        goal=goal, by=by, reason=reason, old_peak=goal.peak_value, new_peak=goal.current_value, created_at=now
    )
    goal.peak_value, goal.peak_at, goal.fall_at = goal.current_value, now, None
    goal.save(update_fields=["peak_value", "peak_at", "fall_at", "updated_at"])
    _changed(goal.pk)
    return goal


def goal_delete(*, goal: FinancialGoal) -> None:
    try:
        with transaction.atomic():
            goal.delete()
    except ProtectedError:
        raise Conflict(
            "This goal has sizing decisions or strategy selections in the audit log and cannot be deleted; "
            "archive it instead (PATCH state=archived).",
            code="goal_has_audit_log",
        ) from None


def _snapshot(goal: FinancialGoal, *, source: str, at: dt.datetime) -> GoalProgressSnapshot:
    return GoalProgressSnapshot.objects.create(
        goal=goal,
        snapshot_at=at,
        current_value=goal.current_value,
        target_value=goal.target_value,
        progress_pct=goal.progress_pct(),
        status=goal.status(clock.today(at)),
        source=source,
    )


@transaction.atomic
def goal_progress_set(*, goal: FinancialGoal, current_value: Decimal, now: dt.datetime | None = None) -> FinancialGoal:
    """Set the goal's current value and write a `update` history row, in one transaction."""
    now = now or clock.now()
    goal = FinancialGoal.objects.select_for_update().get(pk=goal.pk)
    previous = goal.current_value
    goal.current_value = current_value
    _value_track(goal, previous, now)
    goal.full_clean(exclude=["owner"], validate_constraints=False)
    goal.save(update_fields=["current_value", "peak_value", "peak_at", "fall_at", "updated_at"])
    _snapshot(goal, source=SnapshotSource.UPDATE, at=now)
    _changed(goal.pk, progress_moved=True)
    return goal


_value_trackers = []


def on_goal_value_set(tracker):
    """Register `tracker(goal=, previous_value=, now=)`, called inside a write's transaction
    when a goal's value was set (or its settings changed), before the goal is saved: it keeps
    state that follows the value (risk: the drawdown guard's peak and clock), without goals
    importing it."""
    _value_trackers.append(tracker)
    return tracker


def _value_track(goal: FinancialGoal, previous: Decimal, now: dt.datetime) -> None:
    for tracker in _value_trackers:
        tracker(goal=goal, previous_value=previous, now=now)
    if goal.current_value > goal.peak_value or goal.peak_at is None:
        goal.peak_value, goal.peak_at, goal.fall_at = max(goal.peak_value, goal.current_value), now, None


def goal_trade_delta(*, goal: FinancialGoal, profit_loss: Decimal) -> Decimal:
    """How much a closed trade's P&L moves this goal's current_value."""
    if goal.goal_type == GoalType.MONTHLY_RETURN:
        if not goal.capital_base:
            raise ApplicationError(
                "Trades can only be linked to a monthly_return goal that has a capital_base.",
                code=INVALID_COMBINATION,
                errors={"goal": ["This monthly_return goal has no capital_base; set one to link trades."]},
            )
        return quantize(profit_loss / goal.capital_base * 100, AMOUNT[1])
    return profit_loss


def goal_apply_trade(*, goal_id: int, profit_loss: Decimal, now: dt.datetime | None = None) -> FinancialGoal:
    """Move a goal by a closed trade's P&L and write a `trade` history row.

    Must run inside the caller's transaction: the row lock serialises concurrent
    writers, so no update is lost."""
    now = now or clock.now()
    goal = FinancialGoal.objects.select_for_update().get(pk=goal_id)
    previous = goal.current_value
    goal.current_value = goal.current_value + goal_trade_delta(goal=goal, profit_loss=profit_loss)
    _value_track(goal, previous, now)
    goal.full_clean(exclude=["owner"], validate_constraints=False)
    goal.save(update_fields=["current_value", "peak_value", "peak_at", "fall_at", "updated_at"])
    _snapshot(goal, source=SnapshotSource.TRADE, at=now)
    _changed(goal.pk, progress_moved=True)
    return goal


def snapshot_period_start(now: dt.datetime, interval_seconds: int | None = None) -> dt.datetime:
    interval = interval_seconds or settings.GOAL_SNAPSHOT_INTERVAL_SECONDS
    epoch = int(now.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % interval, tz=dt.UTC)


SNAPSHOT_SQL = """
INSERT INTO goal_progress_history
    (goal_id, snapshot_at, period_start, current_value, target_value, progress_pct, status, source)
SELECT g.id, %(now)s, %(period)s, g.current_value, g.target_value, p.pct, s.status, 'periodic'
FROM financial_goals g
{joins}
WHERE g.state = 'active' {only}
ON CONFLICT (goal_id, period_start) WHERE source = 'periodic' DO NOTHING
"""


def goals_snapshot(*, now: dt.datetime | None = None, goal_ids: list[int] | None = None) -> int:
    """Write one `periodic` row per active goal (or per active goal in `goal_ids`) for
    the current period, set-based (one statement, however many goals). Running it
    again in the period adds nothing. Returns the number of rows written."""
    now = now or clock.now()
    today = clock.today(now)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            SNAPSHOT_SQL.format(
                joins=progress.goal_status_sql_joins(), only="" if goal_ids is None else "AND g.id = ANY(%(ids)s)"
            ),
            {"now": now, "period": snapshot_period_start(now), "today": today, "ids": list(goal_ids or [])},
        )
        return cursor.rowcount


def goal_set_state(*, goal: FinancialGoal, state: str) -> FinancialGoal:
    if state not in GoalState.values:
        raise ApplicationError(f"Unknown state {state!r}.")
    return goal_update(goal=goal, state=state)
