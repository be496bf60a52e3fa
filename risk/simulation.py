"""Monte Carlo of a goal under a sizing policy (pure numpy; no database, no clock).

Each simulated day every path asks `risk.policies.factors` — the same function the API's
`decide` wraps — for its factor, from a `policies.SizingInputs` of arrays (one value per
path) holding what the API's inputs hold: the goal's progress (per goal type, via the
goal's own values), the elapsed share of the period and the guard drawdown against the
capital at stake (a real goal's starting point: `risk.inputs.goal_spec`). Then the day's
return moves the capital X by that factor, under either

- the reference model (`model_increments`): d ln X = (fμ − ½f²σ²)dt + fσ dW, dt = 1/252;
- a bootstrap of the user's closed trades (`bootstrap_increments`): per day a Poisson
  number of trades (the user's trade frequency), each a per-trade return drawn from the
  user's record, scaled by the factor: X ← X × Π(1 + f r).

The random numbers depend only on the seed, never on the policy: two policies simulated
with the same seed see the same market (common random numbers).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from . import policies
from .dp import DT

GOAL_TYPES = ("monthly_return", "portfolio_value", "monthly_income")
QUANTILES = ("p05", "p25", "p50", "p75", "p95")


@dataclass(frozen=True)
class GoalSpec:
    """A goal as the simulator sees it: a +g goal over `days` trading days, `start_day`
    of them gone, the capital now at X = `start_ratio` × its start, the drawdown guard's
    peak at `peak_ratio`, and the guard's clock: trading days since the fall from that peak
    reached the limit (NaN: it has not; `policies.guard_drawdown`).
    `start_day`, the ratios and `days_since_fall` may be arrays (one value per path)."""

    goal_type: str = "monthly_return"
    target_return: float = 0.10
    days: int = 21
    start_day: int = 0
    start_ratio: float = 1.0
    peak_ratio: float = 1.0
    days_since_fall: float = float("nan")


@dataclass
class SimResult:
    p_reach: float
    p_drawdown_beyond_limit: float
    expected_shortfall_pct: float  # mean loss of the worst 5 % of paths, % of the capital at start
    p_below_minus_10: float
    median_days_to_reach: float | None
    final_progress_quantiles: dict = field(default_factory=dict)
    reached: np.ndarray | None = None
    final_return: np.ndarray | None = None

    def figures(self) -> dict:
        return {
            "p_reach": round(self.p_reach, 4),
            "p_drawdown_beyond_limit": round(self.p_drawdown_beyond_limit, 4),
            "expected_shortfall_pct": round(self.expected_shortfall_pct, 2),
            "p_below_minus_10": round(self.p_below_minus_10, 4),
            "median_days_to_reach": self.median_days_to_reach,
            "final_progress_quantiles": self.final_progress_quantiles,
        }


Increments = Callable[[np.random.Generator, int, int], Callable[[int, np.ndarray], np.ndarray]]


def model_increments(mu, sigma, shocks: np.ndarray | None = None) -> Increments:
    """The reference GBM: draws all shocks up front (so they do not depend on the policy).
    `mu` and `sigma` may be arrays with one value per path (parameter uncertainty);
    `shocks` (days × paths standard normals) replaces the draws when given."""

    def prepare(rng, days, paths):
        z = rng.standard_normal((days, paths)) if shocks is None else shocks

        def step(t, f):
            return (f * mu - 0.5 * f**2 * sigma**2) * DT + f * sigma * np.sqrt(DT) * z[t]

        return step

    return prepare


def bootstrap_increments(trade_returns, trades_per_day: float, max_per_day: int = 20) -> Increments:
    """Resample the user's per-trade returns (fractions of the capital at stake) at the
    user's trade frequency."""
    r = np.asarray(trade_returns, dtype=float)

    def prepare(rng, days, paths):
        counts = np.minimum(rng.poisson(trades_per_day, (days, paths)), max_per_day)
        width = max(int(counts.max(initial=0)), 1)
        draws = r[rng.integers(0, len(r), (days, width, paths))]
        mask = np.arange(width)[None, :, None] < counts[:, None, :]

        def step(t, f):
            growth = np.where(mask[t], np.log(np.maximum(1 + f[None, :] * draws[t], 1e-9)), 0.0)
            return growth.sum(axis=0)

        return step

    return prepare


def goal_values(goal_type: str, ratio: np.ndarray, target_return: float):
    """(current, target, start, capital) of each goal type whose capital is at `ratio` × its start
    (start capital 100 000; a return goal stores percent)."""
    capital = 100_000.0
    if goal_type == "monthly_return":
        return (ratio - 1) * 100, target_return * 100, 0.0, capital
    if goal_type == "monthly_income":
        return (ratio - 1) * capital, target_return * capital, 0.0, capital
    return ratio * capital, (1 + target_return) * capital, capital, capital


def simulate(
    *,
    settings: policies.SizingSettings,
    outlook: policies.Outlook | None,
    goal: GoalSpec,
    increments: Increments,
    paths: int,
    seed: int,
    keep_paths: bool = False,
) -> SimResult:
    """Run `paths` futures of `goal` under the policy in `settings` (the policy believes
    `outlook`; the market is `increments`)."""
    from goals import progress as goal_progress

    rng = np.random.default_rng(seed)
    start_day = np.broadcast_to(np.asarray(goal.start_day), (paths,))
    remaining = int(goal.days - start_day.min())
    step = increments(rng, max(remaining, 1), paths)
    x = np.log(np.broadcast_to(np.asarray(goal.start_ratio, dtype=float), (paths,)))
    peak = np.maximum(np.log(np.broadcast_to(np.asarray(goal.peak_ratio, dtype=float), (paths,))), x)
    high = peak  # the highest value: what P(drawdown beyond the limit) is measured from
    since_fall = np.array(np.broadcast_to(np.asarray(goal.days_since_fall, dtype=float), (paths,)))
    worst_dd = np.zeros(paths)
    reached_day = np.full(paths, -1)
    limit = float(settings.max_drawdown_pct)
    g = goal.target_return

    def inputs(ratio, peak_ratio):
        current, target, start, capital = goal_values(goal.goal_type, ratio, g)
        peak_current, *_ = goal_values(goal.goal_type, peak_ratio, g)
        p = goal_progress.progress_ratio_pct(current, target, start)
        dd = policies.capital_drawdown_pct(goal.goal_type, current, peak_current, capital)
        return p, dd

    for i in range(remaining):
        t = start_day + i
        live = t < goal.days
        over = since_fall >= policies.GUARD_HALT_DAYS  # the halt is over: the guard's peak moves to the value now
        peak = np.where(over, x, peak)
        since_fall = np.where(over, np.nan, since_fall)
        ratio, peak_ratio = np.exp(x), np.exp(peak)
        p, dd = inputs(ratio, peak_ratio)
        newly = (reached_day < 0) & (p >= 100) & live
        reached_day[newly] = t[newly]
        f, _ = policies.factors(
            policies.SizingInputs(
                progress_pct=p,
                expected_pct=100.0 * t / goal.days,
                drawdown_pct=policies.guard_drawdown(dd, since_fall),
                settings=settings,
                outlook=outlook,
            )
        )
        x = x + np.where((f > 0) & live, step(i, f), 0.0)
        new_peak = x > peak
        peak = np.where(new_peak, x, peak)
        since_fall = np.where(new_peak, np.nan, since_fall + 1)
        _, fall = inputs(np.exp(x), np.exp(peak))
        since_fall = np.where(np.isnan(since_fall) & (fall >= limit), 0.0, since_fall)
        high = np.maximum(high, x)
        _, dd_now = inputs(np.exp(x), np.exp(high))
        worst_dd = np.maximum(worst_dd, dd_now)

    ratio = np.exp(x)
    p_final, _ = inputs(ratio, np.exp(peak))
    reached = p_final >= 100
    reached_day[(reached_day < 0) & reached] = goal.days
    final_return = ratio - 1
    worst = np.sort(final_return)[: max(paths // 20, 1)]
    days_to_reach = reached_day[reached]
    return SimResult(
        p_reach=float(reached.mean()),
        p_drawdown_beyond_limit=float((worst_dd > limit + 1e-9).mean()),
        expected_shortfall_pct=float(-worst.mean() * 100),
        p_below_minus_10=float((final_return < policies.LOSS_LINE).mean()),
        median_days_to_reach=float(np.median(days_to_reach)) if len(days_to_reach) else None,
        final_progress_quantiles={
            q: round(float(v), 1) for q, v in zip(QUANTILES, np.percentile(p_final, [5, 25, 50, 75, 95]), strict=True)
        },
        reached=reached if keep_paths else None,
        final_return=final_return if keep_paths else None,
    )


def compare(
    *,
    mu: float,
    sigma: float,
    goal: GoalSpec,
    settings: policies.SizingSettings,
    paths: int,
    seed: int,
    increments: Increments | None = None,
    outlook: policies.Outlook | None = None,
    policy_names=(policies.POLICY_CONSTANT, policies.POLICY_DEFAULT, policies.POLICY_OPTIMAL),
) -> dict[str, SimResult]:
    """The same goal and the same random numbers under several policies."""
    from dataclasses import replace

    outlook = outlook or policies.Outlook(mu=mu, sigma=sigma, target_return=goal.target_return, days=goal.days)
    increments = increments or model_increments(mu, sigma)
    return {
        name: simulate(
            settings=replace(settings, policy=name),
            outlook=outlook,
            goal=goal,
            increments=increments,
            paths=paths,
            seed=seed,
        )
        for name in policy_names
    }
