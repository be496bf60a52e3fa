"""μ and σ of a goal's capital from its own record, and the chance of reaching the goal
(pure: numbers in, numbers out).

The record is the goal's closed trades as per-trade returns r (P&L / capital at stake)
and their frequency λ (trades per trading day). Annualised, the data say
μ_data = 252 λ r̄ and σ²_data = 252 λ · mean(r²). The priors (documented in docs/decisions.md):

- σ: PRIOR_SIGMA with the weight of PRIOR_SIGMA_TRADES trades:
  σ̂² = (n σ²_data + n0 σ0²) / (n + n0). With no trades σ̂ = σ0.
- μ: normal prior N(0, PRIOR_MU_SD²) — drift is shrunk towards 0; the data's sampling
  variance is s² = 252 λ σ̂² / n per year of trading, so
  μ̂ = μ_data × τ² / (τ² + s²),  sd(μ) = √(τ² s² / (τ² + s²)).

`reach_probability` is the chance that the goal ends at ≥ 100 % under its own policy,
averaged over that uncertainty: a Monte Carlo (the simulator) whose paths each draw their
μ from N(μ̂, sd(μ)²); the policy itself believes μ̂, σ̂. Every goal shares one fixed set of
scenarios (antithetic, unit variance), so the figure is a smooth function of the goal's
state and estimate, and many goals computed at once get what each gets alone.
"""

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import policies, simulation

PRIOR_SIGMA = 0.40
PRIOR_SIGMA_TRADES = 3
PRIOR_MU_SD = 0.30
DEFAULT_TRADES_PER_DAY = 1.0
REACH_PATHS = 4000
REACH_SEED = 16


@dataclass(frozen=True)
class Estimate:
    mu: float
    mu_sd: float
    sigma: float
    source: str  # "prior" (no closed trades) or "trades"
    trades: int


def estimate(trade_returns, trades_per_day: float | None = None) -> Estimate:
    r = np.asarray(trade_returns, dtype=float)
    n = len(r)
    lam = trades_per_day if trades_per_day and trades_per_day > 0 else DEFAULT_TRADES_PER_DAY
    if n == 0:
        return Estimate(0.0, PRIOR_MU_SD, PRIOR_SIGMA, "prior", 0)
    var_data = 252 * lam * float(np.mean(r**2))
    var = (n * var_data + PRIOR_SIGMA_TRADES * PRIOR_SIGMA**2) / (n + PRIOR_SIGMA_TRADES)
    mu_data = 252 * lam * float(np.mean(r))
    shrink, mu_sd = _mu_posterior(var, n, lam)
    return Estimate(mu_data * shrink, mu_sd, float(np.sqrt(var)), "trades", n)


def estimate_at(*, mu: float, sigma: float, trades: int, trades_per_day: float) -> Estimate:
    """The estimate whose μ̂, σ̂ are `mu`, `sigma` from a record of `trades` trades (its sd(μ)
    as `estimate` gives it): how a bench tabulates `reach_probability` over estimates."""
    if trades == 0:
        return Estimate(mu, PRIOR_MU_SD, sigma, "prior", 0)
    return Estimate(mu, _mu_posterior(sigma**2, trades, trades_per_day)[1], sigma, "trades", trades)


def _mu_posterior(var: float, n: int, lam: float) -> tuple[float, float]:
    """The shrink factor τ² / (τ² + s²) and sd(μ) for σ̂² = `var` from n trades at λ a day."""
    s2 = 252 * lam * var / n
    tau2 = PRIOR_MU_SD**2
    return tau2 / (tau2 + s2), float(np.sqrt(tau2 * s2 / (tau2 + s2)))


def reach_probability(
    *, est: Estimate, goal: simulation.GoalSpec, settings: policies.SizingSettings, paths: int = REACH_PATHS
) -> float:
    """P(progress ≥ 100 % at the deadline) for `goal` from its current state."""
    return float(reach_probabilities(ests=[est], goals=[goal], settings=settings, paths_each=paths)[0])


@lru_cache(maxsize=32)
def _scenarios(paths: int, days: int) -> tuple[np.ndarray, np.ndarray]:
    """The fixed scenarios every goal shares: standard normals for μ (`paths`) and for each
    day (`days` × `paths`), in antithetic pairs (each path and its mirror image) and scaled
    to unit variance, so one unlucky draw cannot lift or sink every goal's figure. Drawn
    once per process (read-only)."""
    rng = np.random.default_rng(REACH_SEED)
    half = rng.standard_normal((days + 1, (paths + 1) // 2))
    both = np.concatenate([half, -half], axis=1)[:, :paths]
    both /= np.sqrt(np.mean(both**2, axis=1, keepdims=True))
    both.setflags(write=False)
    return both[0], both[1:]


def reach_probabilities(
    *, ests: list[Estimate], goals: list[simulation.GoalSpec], settings: policies.SizingSettings, paths_each: int
) -> np.ndarray:
    """`reach_probability` for many goals at once: every goal sees the same `paths_each`
    scenarios (common random numbers), so each answer is the one `reach_probability` gives
    for that goal alone. They must share their goal type, target return, horizon and the
    policy's model (the first estimate's μ, σ, rounded as in DP keys)."""
    first, head = ests[0], goals[0]
    n = len(goals)
    ratio = np.array([g.start_ratio for g in goals], dtype=float)
    target = 1 + head.target_return - 1e-12
    protects = settings.on_achieved == "pause" or settings.policy == policies.POLICY_OPTIMAL
    start_day = np.array([min(g.start_day, head.days) for g in goals])
    z_mu, z = _scenarios(paths_each, max(head.days - int(start_day.min()), 1))
    mus = (np.array([e.mu for e in ests])[:, None] + np.array([e.mu_sd for e in ests])[:, None] * z_mu).ravel()
    sigmas = np.repeat([e.sigma for e in ests], paths_each)
    outlook = policies.Outlook(mu=first.mu, sigma=first.sigma, target_return=head.target_return, days=head.days)
    spec = simulation.GoalSpec(
        goal_type=head.goal_type,
        target_return=head.target_return,
        days=head.days,
        start_day=np.repeat(start_day, paths_each),
        start_ratio=np.repeat(ratio, paths_each),
        peak_ratio=np.repeat([g.peak_ratio for g in goals], paths_each),
        days_since_fall=np.repeat([g.days_since_fall for g in goals], paths_each),
    )
    result = simulation.simulate(
        settings=settings,
        outlook=outlook,
        goal=spec,
        increments=simulation.model_increments(mus, sigmas, shocks=z if n == 1 else np.tile(z, (1, n))),
        paths=n * paths_each,
        seed=REACH_SEED + 1,
        keep_paths=True,
    )
    p = result.reached.reshape(n, paths_each).mean(axis=1)
    return np.where(protects & (ratio >= target), 1.0, p)
