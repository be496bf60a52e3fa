"""Derived goal values as people read them: target in its unit, status with its reason,
days left, the progress bar and the status badge."""

import datetime as dt
from decimal import Decimal

from django.utils.html import format_html

from goals import progress
from goals.models import FinancialGoal, GoalType
from mastertrade.core.admin import EMPTY, amount


def target_display(goal: FinancialGoal) -> str:
    """The target in its unit: percent for a monthly return goal, money otherwise."""
    if goal.goal_type == GoalType.MONTHLY_RETURN:
        return f"{amount(goal.target_value)} %"
    return amount(goal.target_value)


def status_reason(goal: FinancialGoal, today: dt.date) -> str:
    """Why the goal has its status, with the numbers and thresholds of goals.progress."""
    pct = goal.progress_pct()
    expected = goal.expected_pct(today)
    status = goal.status(today)
    if status == progress.STATUS_ACHIEVED:
        return f"progress {pct}% reached the target ({progress.ACHIEVED_PCT}% or more)"
    if status == progress.STATUS_MISSED:
        return f"the deadline {goal.target_date:%Y-%m-%d} passed at {pct}%, below {progress.ACHIEVED_PCT}%"
    if expected is None:
        return f"progress {pct}%; no deadline, so no pace to fall behind (on track)"
    gap = expected - pct
    vs = f"progress {pct}% vs {expected}% expected by now"
    if status == progress.STATUS_ON_TRACK:
        return f"{vs} (on track: within {progress.ON_TRACK_GAP} points)"
    if status == progress.STATUS_AT_RISK:
        return f"{vs} (at risk: {gap} points behind, within {progress.AT_RISK_GAP})"
    return f"{vs} (behind: {gap} points behind, more than {progress.AT_RISK_GAP})"


def days_left(goal: FinancialGoal, today: dt.date) -> str:
    if goal.target_date is None:
        return EMPTY
    days = (goal.target_date - today).days
    if days > 1:
        return f"{days} days"
    if days == 1:
        return "1 day"
    if days == 0:
        return "due today"
    return f"passed {-days} day{'s' if days < -1 else ''} ago"


STATUS_LABELS = dict(progress.STATUS_CHOICES)


def status_badge(goal: FinancialGoal, today: dt.date):
    status = goal.status(today)
    return format_html(
        '<span class="mt-badge mt-status--{}" title="{}">{}</span>',
        status,
        status_reason(goal, today),
        STATUS_LABELS[status],
    )


def progress_bar(goal: FinancialGoal, today: dt.date):
    pct = goal.progress_pct()
    width = min(max(pct, Decimal(0)), Decimal(100))
    return format_html(
        '<div class="mt-progress" title="{}" data-pct="{}">'
        '<div class="mt-progress__track"><div class="mt-progress__bar mt-status--{}" style="width: {}%"></div></div>'
        '<span class="mt-progress__label">{} %</span></div>',
        status_reason(goal, today),
        pct,
        goal.status(today),
        f"{width:.2f}",
        pct,
    )


GOAL_TYPE_SHORT = {
    GoalType.MONTHLY_RETURN: "Return %",
    GoalType.MONTHLY_INCOME: "Income",
    GoalType.PORTFOLIO_VALUE: "Portfolio",
}
