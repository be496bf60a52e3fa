"""Sizing decisions: gather a goal's numbers, ask the pure policy, write the audit row."""

import datetime as dt
from decimal import Decimal

from django.db import transaction

from goals.models import FinancialGoal, GoalState, GoalType
from mastertrade.core import clock, metrics
from mastertrade.core.errors import Conflict
from mastertrade.core.money import PERCENT, QUANTITY, largest, quantize

from . import policies
from .models import GoalAdjustment

_sizing_hooks = []


def on_sizing_decided(hook):
    """Register `hook(adjustment)`, called after commit for every sizing decision. It must
    not query the database (the sizing hot path stays at 3 queries)."""
    _sizing_hooks.append(hook)
    return hook


def goal_drawdown_pct(goal: FinancialGoal) -> Decimal:
    """How far the goal has fallen from its peak value, in percent (never negative):

    - portfolio_value: (peak − current) / peak × 100, the fall of the portfolio;
    - monthly_income:  (peak − current) / target × 100, income given back, as a share of the goal;
    - monthly_return:  peak − current, percentage points of return given back.
    """
    fall = goal.peak_value - goal.current_value
    if fall <= 0:
        return Decimal("0.0000")
    if goal.goal_type == GoalType.PORTFOLIO_VALUE:
        drawdown = fall / goal.peak_value * 100 if goal.peak_value > 0 else Decimal(0)
    elif goal.goal_type == GoalType.MONTHLY_INCOME:
        drawdown = fall / goal.target_value * 100
    else:
        drawdown = fall
    # Beyond any limit (at most 100 %) either way; capped so the audit row can hold it.
    return min(quantize(drawdown, PERCENT[1]), largest(PERCENT))


def position_size_decide(
    *,
    goal: FinancialGoal,
    base_position_size: Decimal,
    portfolio_value: Decimal | None = None,
    symbol: str = "",
    now: dt.datetime | None = None,
) -> GoalAdjustment:
    """Decide the position size for `goal` and append the decision to the audit log."""
    now = now or clock.now()
    if goal.state != GoalState.ACTIVE:
        raise Conflict(f"The goal is {goal.state}: {goal.state} goals are not sized.", code="goal_not_active")
    progress_pct = goal.progress_pct()
    expected_pct = goal.expected_pct(clock.today(now))
    drawdown_pct = goal_drawdown_pct(goal)
    decision = policies.decide(
        progress_pct=progress_pct,
        expected_pct=expected_pct,
        drawdown_pct=drawdown_pct,
        settings=policies.SizingSettings(
            min_factor=goal.min_factor,
            max_factor=goal.max_factor,
            max_drawdown_pct=goal.max_drawdown_pct,
            on_achieved=goal.on_achieved,
        ),
    )
    adjustment = GoalAdjustment.objects.create(
        owner_id=goal.owner_id,
        goal=goal,
        base_position_size=base_position_size,
        portfolio_value=portfolio_value,
        symbol=symbol,
        current_value=goal.current_value,
        target_value=goal.target_value,
        progress_pct=progress_pct,
        expected_pct=expected_pct,
        drawdown_pct=drawdown_pct,
        adjustment_factor=decision.factor,
        adjusted_size=quantize(base_position_size * decision.factor, QUANTITY[1]),
        stance=decision.stance,
        reason=decision.reason,
        created_at=now,
    )
    metrics.record_sizing(stance=decision.stance, factor=decision.factor)
    transaction.on_commit(lambda: [hook(adjustment) for hook in _sizing_hooks])
    return adjustment
