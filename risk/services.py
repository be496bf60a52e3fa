"""Sizing decisions: gather a goal's numbers, ask the pure policy, write the audit row."""

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from django.db import transaction

from goals import calendars
from goals.models import FinancialGoal, GoalState, GoalType
from mastertrade.core import clock
from mastertrade.core.errors import Conflict
from mastertrade.core.money import QUANTITY, quantize
from mastertrade.fastpath import statements
from observability import metrics

from . import estimates, policies, simulation
from .inputs import goal_capital, goal_spec, inputs_from_record, inputs_record, sizing_inputs
from .models import GoalAdjustment

_sizing_hooks = []


def on_sizing_decided(hook):
    """Register `hook(adjustment)`, called after commit for every sizing decision. It must
    not query the database (the sizing hot path stays at 3 queries)."""
    _sizing_hooks.append(hook)
    return hook


def goal_trade_returns(goal: FinancialGoal) -> tuple[list[float], float]:
    """The goal's closed trades as returns on its capital, and trades per trading day."""
    from trades.models import Trade, TradeStatus

    pnl = list(
        Trade.objects.filter(goal=goal, status=TradeStatus.CLOSED).order_by("id").values_list("profit_loss", flat=True)
    )
    capital = (
        goal_capital(goal) if goal.goal_type != GoalType.PORTFOLIO_VALUE else goal.progress_start() or goal.peak_value
    )
    returns = [float(p / capital) for p in pnl if p is not None and capital]
    elapsed = max(calendars.trading_days(goal.calendar, goal.start_date, clock.today()), 1)
    return returns, len(returns) / elapsed if returns else 0.0


def goal_reach_refresh(*, goal_id: int, now: dt.datetime | None = None) -> FinancialGoal | None:
    """Re-estimate μ, σ from the goal's trades and its chance of reaching the goal; store them on the goal."""
    now = now or clock.now()
    goal = FinancialGoal.objects.filter(pk=goal_id).first()
    if goal is None:
        return None
    returns, per_day = goal_trade_returns(goal)
    est = estimates.estimate(returns, per_day)
    goal.reach_mu, goal.reach_sigma = quantize(Decimal(repr(est.mu)), 4), quantize(Decimal(repr(est.sigma)), 4)
    goal.reach_source, goal.reach_trades = est.source, est.trades
    inputs = sizing_inputs(goal=goal, now=now)
    probability = None
    if inputs.outlook is not None:
        est = replace(est, mu=float(goal.reach_mu), sigma=float(goal.reach_sigma))
        probability = estimates.reach_probability(est=est, goal=goal_spec(goal, inputs), settings=inputs.settings)
    elif inputs.progress_pct >= 100:
        probability = 1.0
    goal.reach_probability = None if probability is None else quantize(Decimal(repr(probability)), 4)
    goal.reach_updated_at = now
    FinancialGoal.objects.filter(pk=goal.pk).update(
        reach_mu=goal.reach_mu,
        reach_sigma=goal.reach_sigma,
        reach_source=goal.reach_source,
        reach_trades=goal.reach_trades,
        reach_probability=goal.reach_probability,
        reach_updated_at=now,
    )
    return goal


def position_size_decide(
    *,
    goal: FinancialGoal,
    base_position_size: Decimal,
    portfolio_value: Decimal | None = None,
    symbol: str = "",
    now: dt.datetime | None = None,
) -> GoalAdjustment:
    """Decide the position size for `goal` and append the decision, with every input, to the audit log."""
    now = now or clock.now()
    if goal.state != GoalState.ACTIVE:
        raise Conflict(f"The goal is {goal.state}: {goal.state} goals are not sized.", code="goal_not_active")
    inputs = sizing_inputs(goal=goal, now=now)
    decision = policies.decide(inputs)
    adjustment = GoalAdjustment(
        owner_id=goal.owner_id,
        goal=goal,
        base_position_size=base_position_size,
        portfolio_value=portfolio_value,
        symbol=symbol,
        **inputs_record(inputs),
        adjustment_factor=decision.factor,
        adjusted_size=quantize(base_position_size * decision.factor, QUANTITY[1]),
        stance=decision.stance,
        reason=decision.reason,
        created_at=now,
    )
    statements.insert(adjustment)  # the hot path: one precompiled INSERT (mastertrade.fastpath.statements)
    metrics.record_sizing(stance=decision.stance, factor=decision.factor)
    transaction.on_commit(lambda: [hook(adjustment) for hook in _sizing_hooks])
    return adjustment


def adjustment_replay(adjustment: GoalAdjustment) -> policies.SizingDecision:
    """The decision recomputed from the audit row's inputs alone. A row written by
    another version of its policy cannot be replayed by this one (ValueError): the
    version is part of the inputs."""
    current = policies.POLICY_VERSIONS.get(adjustment.policy)
    if adjustment.policy_version != current:
        raise ValueError(
            f"decision {adjustment.pk} was made by {adjustment.policy!r} version {adjustment.policy_version!r}; "
            f"this server runs version {current!r} and cannot replay it"
        )
    return policies.decide(inputs_from_record(adjustment), remembered=False)


def goal_simulate(
    *,
    goal: FinancialGoal,
    mu: float | None = None,
    sigma: float | None = None,
    source: str = "model",
    paths: int = 5000,
) -> dict:
    """The goal from where it stands under constant, default and optimal sizing (same random numbers)."""
    inputs = sizing_inputs(goal=goal, now=clock.now())
    if inputs.outlook is None:
        raise Conflict(
            "Only a goal with a deadline and a positive target return can be simulated.", code="not_simulable"
        )
    mu = inputs.outlook.mu if mu is None else mu
    sigma = inputs.outlook.sigma if sigma is None else sigma
    outlook = replace(inputs.outlook, mu=mu, sigma=sigma)
    spec = goal_spec(goal, inputs)
    increments = None
    if source == "my_trades":
        returns, per_day = goal_trade_returns(goal)
        if not returns:
            raise Conflict("This goal has no closed trades to resample.", code="no_trades")
        increments = simulation.bootstrap_increments(returns, per_day)
    results = simulation.compare(
        mu=mu,
        sigma=sigma,
        goal=spec,
        settings=inputs.settings,
        paths=paths,
        seed=1,
        increments=increments,
        outlook=outlook,
    )
    figures = {name: r.figures() for name, r in results.items()}
    keys = ("p_reach", "p_drawdown_beyond_limit", "expected_shortfall_pct", "p_below_minus_10", "median_days_to_reach")
    return {
        "goal": goal.pk,
        "source": source,
        "mu": mu,
        "sigma": sigma,
        "paths": paths,
        "days_left": spec.days - spec.start_day,
        **{k: {name: figures[name][k] for name in figures} for k in keys},
    }
