"""Sizing decisions: gather a goal's numbers, ask the pure policy, write the audit row."""

import datetime as dt
from decimal import Decimal

from django.db import transaction

from goals import progress
from goals.models import FinancialGoal, GoalState, GoalType
from mastertrade.core import clock, metrics
from mastertrade.core.errors import Conflict
from mastertrade.core.money import PERCENT, QUANTITY, largest, quantize
from mastertrade.fastpath import statements

from . import dp as dt_days
from . import estimates, policies, simulation
from .models import GoalAdjustment

_sizing_hooks = []


def on_sizing_decided(hook):
    """Register `hook(adjustment)`, called after commit for every sizing decision. It must
    not query the database (the sizing hot path stays at 3 queries)."""
    _sizing_hooks.append(hook)
    return hook


MAX_MODEL_DAYS = 252  # the DP and the simulations never model more than a year of trading days
INCOME_REFERENCE_RETURN = Decimal("0.10")  # capital of an income goal without capital_base: target / 10 %


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
    """The drawdown the sizing guard acts on (protective / halted): the drawdown against the
    capital at stake, halving every policies.GUARD_HALF_LIFE_DAYS trading days since the peak."""
    raw = goal_drawdown_pct(goal)
    decayed = policies.guard_drawdown(float(raw), float(days_since_peak(goal, now)))
    return quantize(Decimal(repr(float(decayed))), PERCENT[1])


def goal_target_return(goal: FinancialGoal) -> float | None:
    """The goal as a return on its capital (0.10 = +10 %), None when it has none."""
    if goal.goal_type == GoalType.MONTHLY_RETURN:
        return float(goal.target_value) / 100
    if goal.goal_type == GoalType.PORTFOLIO_VALUE:
        start = goal.progress_start()
        return float(goal.target_value / start - 1) if start > 0 else None
    return float(goal.target_value / goal_capital(goal))


def goal_trading_days(goal: FinancialGoal) -> int | None:
    if goal.target_date is None:
        return None
    days = round((goal.target_date - goal.start_date).days * dt_days.TRADING_DAYS / 365)
    # Bounded work: a goal longer than MAX_MODEL_DAYS is modelled over MAX_MODEL_DAYS (same elapsed share).
    return min(max(1, days), MAX_MODEL_DAYS)


def goal_outlook(goal: FinancialGoal) -> policies.Outlook | None:
    g, days = goal_target_return(goal), goal_trading_days(goal)
    if g is None or g <= 0 or days is None:
        return None
    mu = float(goal.reach_mu) if goal.reach_mu is not None else 0.0
    sigma = float(goal.reach_sigma) if goal.reach_sigma is not None else estimates.PRIOR_SIGMA
    return policies.Outlook(mu=mu, sigma=sigma, target_return=g, days=days)


def goal_settings(goal: FinancialGoal) -> policies.SizingSettings:
    return policies.SizingSettings(
        min_factor=goal.min_factor,
        max_factor=goal.max_factor,
        max_drawdown_pct=goal.max_drawdown_pct,
        on_achieved=goal.on_achieved,
        policy=goal.sizing_policy,
    )


def days_since_peak(goal: FinancialGoal, now: dt.datetime) -> Decimal:
    """Trading days since the peak was set (calendar time × 252 / 365)."""
    if goal.peak_at is None:
        return Decimal(0)
    days = max((now - goal.peak_at).total_seconds(), 0) / 86400 * dt_days.TRADING_DAYS / 365
    return quantize(Decimal(repr(days)), 2)


def goal_spec(goal: FinancialGoal, outlook: policies.Outlook, today) -> simulation.GoalSpec:
    expected = goal.expected_pct(today) or Decimal(0)
    g = outlook.target_return
    start = int(policies.days_left(0.0, outlook.days)) - int(policies.days_left(float(expected), outlook.days))
    ratio = 1 + g * float(goal.progress_pct()) / 100
    peak_p = progress.progress_pct(goal.peak_value, goal.target_value, goal.progress_start())
    return simulation.GoalSpec(
        goal_type=goal.goal_type,
        target_return=g,
        days=outlook.days,
        start_day=max(0, min(start, outlook.days)),
        start_ratio=max(ratio, 1e-6),
        peak_ratio=max(1 + g * float(peak_p) / 100, ratio, 1e-6),
    )


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
    elapsed = max((clock.today() - goal.start_date).days * dt_days.TRADING_DAYS / 365, 1.0)
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
    outlook = goal_outlook(goal)
    probability = None
    if outlook is not None:
        est = estimates.Estimate(float(goal.reach_mu), est.mu_sd, float(goal.reach_sigma), est.source, est.trades)
        probability = estimates.reach_probability(
            est=est, goal=goal_spec(goal, outlook, clock.today(now)), settings=goal_settings(goal)
        )
    elif goal.progress_pct() >= 100:
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
    progress_pct = goal.progress_pct()
    expected_pct = goal.expected_pct(clock.today(now))
    since_peak = days_since_peak(goal, now)
    guard = goal_guard_drawdown_pct(goal, now)
    settings = goal_settings(goal)
    outlook = goal_outlook(goal)
    decision = policies.decide(
        progress_pct=progress_pct, expected_pct=expected_pct, drawdown_pct=guard, settings=settings, outlook=outlook
    )
    adjustment = GoalAdjustment(
        owner_id=goal.owner_id,
        goal=goal,
        base_position_size=base_position_size,
        portfolio_value=portfolio_value,
        symbol=symbol,
        current_value=goal.current_value,
        target_value=goal.target_value,
        progress_pct=progress_pct,
        expected_pct=expected_pct,
        drawdown_pct=guard,
        adjustment_factor=decision.factor,
        adjusted_size=quantize(base_position_size * decision.factor, QUANTITY[1]),
        stance=decision.stance,
        reason=decision.reason,
        policy=settings.policy,
        policy_version=policies.POLICY_VERSIONS[settings.policy],
        min_factor=settings.min_factor,
        max_factor=settings.max_factor,
        max_drawdown_pct=settings.max_drawdown_pct,
        on_achieved=settings.on_achieved,
        peak_value=goal.peak_value,
        days_since_peak=since_peak,
        mu=outlook.mu if outlook else None,
        sigma=outlook.sigma if outlook else None,
        target_return=outlook.target_return if outlook else None,
        horizon_days=outlook.days if outlook else None,
        reach_probability=goal.reach_probability,
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
    outlook = None
    if adjustment.horizon_days is not None:
        outlook = policies.Outlook(adjustment.mu, adjustment.sigma, adjustment.target_return, adjustment.horizon_days)
    return policies.decide(
        progress_pct=adjustment.progress_pct,
        expected_pct=adjustment.expected_pct,
        drawdown_pct=adjustment.drawdown_pct,
        settings=policies.SizingSettings(
            min_factor=adjustment.min_factor,
            max_factor=adjustment.max_factor,
            max_drawdown_pct=adjustment.max_drawdown_pct,
            on_achieved=adjustment.on_achieved,
            policy=adjustment.policy,
        ),
        outlook=outlook,
    )


def goal_simulate(
    *,
    goal: FinancialGoal,
    mu: float | None = None,
    sigma: float | None = None,
    source: str = "model",
    paths: int = 5000,
) -> dict:
    """The goal from where it stands under constant, default and optimal sizing (same random numbers)."""
    outlook = goal_outlook(goal)
    if outlook is None:
        raise Conflict(
            "Only a goal with a deadline and a positive target return can be simulated.", code="not_simulable"
        )
    mu = outlook.mu if mu is None else mu
    sigma = outlook.sigma if sigma is None else sigma
    outlook = policies.Outlook(mu=mu, sigma=sigma, target_return=outlook.target_return, days=outlook.days)
    spec = goal_spec(goal, outlook, clock.today())
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
        settings=goal_settings(goal),
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
