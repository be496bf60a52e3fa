"""A sizing decision's inputs, gathered from a goal in one trip (`sizing_inputs`).

The API's decision, its audit row, the replay of that row, the goal's simulation and
its chance of reaching the goal all start from the `policies.SizingInputs` built here,
so each number (progress, pace, the guard's drawdown, the settings, the outlook) is
computed in one place. Reads the goal instance only: no query, no write.
"""

import datetime as dt
from dataclasses import fields
from decimal import Decimal

from goals import calendars, progress
from goals.models import FinancialGoal, GoalType
from mastertrade.core import clock
from mastertrade.core.money import PERCENT, largest, quantize

from . import dp, estimates, policies, simulation

MAX_MODEL_DAYS = dp.TRADING_DAYS  # the DP and the simulations never model more than a year of trading days
INCOME_REFERENCE_RETURN = Decimal("0.10")  # capital of an income goal without capital_base: target / 10 %

# The settings as a goal and an audit row hold them: fields named as in SizingSettings,
# except the policy, which each names its own way.
_SETTING_NAMES = tuple(f.name for f in fields(policies.SizingSettings))
_HELD_SETTINGS = tuple(name for name in _SETTING_NAMES if name != "policy")
# The audit row's columns: SizingInputs' own numbers keep their names; the outlook's days
# are the row's horizon_days.
_RECORDED = tuple(f.name for f in fields(policies.SizingInputs) if f.name not in ("settings", "outlook"))
_OUTLOOK_COLUMNS = (("mu", "mu"), ("sigma", "sigma"), ("target_return", "target_return"), ("days", "horizon_days"))


def sizing_inputs(*, goal: FinancialGoal, now: dt.datetime) -> policies.SizingInputs:
    """Everything a sizing decision for `goal` at `now` depends on, and the goal's values
    recorded with it."""
    since_fall = days_since_fall(goal, now)
    return policies.SizingInputs(
        progress_pct=goal.progress_pct(),
        expected_pct=goal.expected_pct(clock.today(now)),
        drawdown_pct=_guard_drawdown_pct(goal, since_fall),
        settings=settings_held_by(goal, policy=goal.sizing_policy),
        outlook=goal_outlook(goal),
        current_value=goal.current_value,
        target_value=goal.target_value,
        peak_value=goal.peak_value,
        days_since_peak=days_since_peak(goal, now),
        days_since_fall=since_fall,
        reach_probability=goal.reach_probability,
    )


def settings_held_by(source, *, policy: str) -> policies.SizingSettings:
    """The sizing settings a goal or an audit row holds."""
    return policies.SizingSettings(**{name: getattr(source, name) for name in _HELD_SETTINGS}, policy=policy)


def inputs_record(inputs: policies.SizingInputs) -> dict:
    """The inputs as the audit row's fields (risk.models.GoalAdjustment)."""
    record = vars(inputs) | vars(inputs.settings)  # a new dict: each field under its own name
    del record["settings"], record["outlook"]
    record["policy_version"] = policies.POLICY_VERSIONS[inputs.settings.policy]
    outlook = inputs.outlook
    record.update((column, None if outlook is None else getattr(outlook, name)) for name, column in _OUTLOOK_COLUMNS)
    return record


def inputs_from_record(row) -> policies.SizingInputs:
    """The inputs an audit row holds (the inverse of `inputs_record`)."""
    outlook = None
    if row.horizon_days is not None:
        outlook = policies.Outlook(**{name: getattr(row, column) for name, column in _OUTLOOK_COLUMNS})
    return policies.SizingInputs(
        settings=settings_held_by(row, policy=row.policy),
        outlook=outlook,
        **{name: getattr(row, name) for name in _RECORDED},
    )


def goal_capital(goal: FinancialGoal) -> Decimal:
    """The capital at stake behind a goal (what its drawdown is measured against)."""
    if goal.goal_type == GoalType.PORTFOLIO_VALUE:
        return goal.peak_value
    if goal.capital_base:
        return goal.capital_base
    if goal.goal_type == GoalType.MONTHLY_INCOME:
        return goal.target_value / INCOME_REFERENCE_RETURN
    return Decimal(100)  # monthly_return: values are percent of the capital


def goal_drawdown_pct(goal: FinancialGoal) -> Decimal:
    """The fall from the peak as a share of the capital at stake (policies.capital_drawdown_pct)."""
    if goal.peak_value <= goal.current_value:
        return Decimal("0.0000")
    dd = policies.capital_drawdown_pct(goal.goal_type, goal.current_value, goal.peak_value, goal_capital(goal))
    # Beyond any limit (at most 100 %) either way; capped so the audit row can hold it.
    return min(quantize(max(dd, Decimal(0)), PERCENT[1]), largest(PERCENT))


def goal_guard_drawdown_pct(goal: FinancialGoal, now: dt.datetime) -> Decimal:
    """The drawdown the sizing guard acts on (protective / halted): the fall from the
    guard's peak against the capital at stake, until the halt is over (policies.guard_drawdown)."""
    return _guard_drawdown_pct(goal, days_since_fall(goal, now))


def _guard_drawdown_pct(goal: FinancialGoal, since_fall: Decimal | None) -> Decimal:
    fall = goal_drawdown_pct(goal)
    if policies.guard_drawdown(float(fall), None if since_fall is None else float(since_fall)) == 0.0:
        return Decimal("0.0000")
    return fall


def days_since_fall(goal: FinancialGoal, now: dt.datetime) -> Decimal | None:
    """Trading days since the fall from the peak reached the limit, after the day of the
    fall (None: it has not). The goal's calendar counts them (goals.calendars)."""
    if goal.fall_at is None:
        return None
    after = clock.today(goal.fall_at) + dt.timedelta(days=1)
    return Decimal(calendars.trading_days(goal.calendar, after, clock.today(now)))


def days_since_peak(goal: FinancialGoal, now: dt.datetime) -> Decimal:
    """Trading days since the peak was set (recorded; the guard doesn't depend on it)."""
    if goal.peak_at is None:
        return Decimal(0)
    return Decimal(calendars.trading_days(goal.calendar, clock.today(goal.peak_at), clock.today(now)))


def goal_guard_track(*, goal: FinancialGoal, previous_value: Decimal, now: dt.datetime) -> None:
    """The guard's state after the goal's value was set (goals.services.on_goal_value_set;
    goals then raises the peak on a new high, which clears the fall): when the halt is over
    the guard's peak moves to the value the goal held then (`previous_value`: values change
    only by writes); a fall that reaches the limit starts the guard's clock."""
    since = days_since_fall(goal, now)
    if since is not None and since >= policies.GUARD_HALT_DAYS:
        goal.peak_value, goal.peak_at, goal.fall_at = previous_value, now, None
    fallen = goal.peak_value > goal.current_value and goal_drawdown_pct(goal) >= goal.max_drawdown_pct
    if goal.fall_at is None and fallen:
        goal.fall_at = now


def goal_target_return(goal: FinancialGoal) -> float | None:
    """The goal as a return on its capital (0.10 = +10 %), None when it has none."""
    if goal.goal_type == GoalType.MONTHLY_RETURN:
        return float(goal.target_value) / 100
    if goal.goal_type == GoalType.PORTFOLIO_VALUE:
        start = goal.progress_start()
        return float(goal.target_value / start - 1) if start > 0 else None
    return float(goal.target_value / goal_capital(goal))


def goal_trading_days(goal: FinancialGoal) -> int | None:
    """The period's trading days in the goal's calendar (the deadline day included)."""
    if goal.target_date is None:
        return None
    days = calendars.period_days(goal.calendar, goal.start_date, goal.target_date)
    # Bounded work: a goal longer than MAX_MODEL_DAYS is modelled over MAX_MODEL_DAYS (same elapsed share).
    return min(max(1, days), MAX_MODEL_DAYS)


def goal_outlook(goal: FinancialGoal) -> policies.Outlook | None:
    g, days = goal_target_return(goal), goal_trading_days(goal)
    if g is None or g <= 0 or days is None:
        return None
    mu = float(goal.reach_mu) if goal.reach_mu is not None else 0.0
    sigma = float(goal.reach_sigma) if goal.reach_sigma is not None else estimates.PRIOR_SIGMA
    return policies.Outlook(mu=mu, sigma=sigma, target_return=g, days=days)


def goal_spec(goal: FinancialGoal, inputs: policies.SizingInputs) -> simulation.GoalSpec:
    """The goal as the simulator sees it, from where its inputs stand (a goal with an outlook)."""
    outlook = inputs.outlook
    g = outlook.target_return
    expected = inputs.expected_pct or Decimal(0)
    start = int(policies.days_left(0.0, outlook.days)) - int(policies.days_left(float(expected), outlook.days))
    ratio = 1 + g * float(inputs.progress_pct) / 100
    peak_p = progress.progress_pct(goal.peak_value, goal.target_value, goal.progress_start())
    return simulation.GoalSpec(
        goal_type=goal.goal_type,
        target_return=g,
        days=outlook.days,
        start_day=max(0, min(start, outlook.days)),
        start_ratio=max(ratio, 1e-6),
        peak_ratio=max(1 + g * float(peak_p) / 100, ratio, 1e-6),
        days_since_fall=float("nan") if inputs.days_since_fall is None else float(inputs.days_since_fall),
    )
