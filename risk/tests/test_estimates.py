"""The estimator of a goal's μ, σ from its closed trades, and its chance of reaching the goal."""

import numpy as np
import pytest

from risk import estimates, policies, simulation

DEFAULT = policies.SizingSettings()


def _record(sigma: float, n: int, seed: int = 3) -> np.ndarray:
    """n daily trades (one a day) of a capital with volatility `sigma` and no drift."""
    return np.random.default_rng(seed).normal(0.0, sigma / np.sqrt(252), n)


def test_no_trades_gives_the_prior():
    est = estimates.estimate([], 1.0)
    assert (est.mu, est.mu_sd, est.sigma, est.source, est.trades) == (
        0.0,
        estimates.PRIOR_MU_SD,
        estimates.PRIOR_SIGMA,
        "prior",
        0,
    )


@pytest.mark.parametrize("sigma", [0.15, 0.8])
def test_a_long_record_pins_sigma_far_from_the_prior(sigma):
    """With the prior worth PRIOR_SIGMA_TRADES trades, 100 trades all but decide σ̂
    (a prior worth 20 trades kept σ̂ 0.27 for a true 0.15)."""
    est = estimates.estimate(_record(sigma, 100), 1.0)
    assert est.sigma == pytest.approx(sigma, rel=0.15)


def test_a_short_record_leans_on_the_prior_for_sigma():
    tiny = estimates.estimate(_record(0.1, 2), 1.0)
    assert 0.1 < tiny.sigma < estimates.PRIOR_SIGMA
    assert tiny.sigma > estimates.estimate(_record(0.1, 50), 1.0).sigma


def test_estimate_at_carries_what_estimate_gives_for_the_same_record():
    est = estimates.estimate(_record(0.3, 20), 1.0)
    at = estimates.estimate_at(mu=est.mu, sigma=est.sigma, trades=20, trades_per_day=1.0)
    # the same formula from σ̂ instead of σ̂²: equal to rounding
    assert at.mu_sd == pytest.approx(est.mu_sd, rel=1e-12)
    assert (at.trades, at.source) == (est.trades, est.source)


def test_many_goals_at_once_give_each_goal_its_own_answer():
    """reach_probabilities shares its scenarios between goals (common random numbers), so the
    batch answers what reach_probability answers for each goal alone."""
    ests = [estimates.estimate_at(mu=mu, sigma=0.4, trades=20, trades_per_day=1.0) for mu in (0.0, 0.05, 0.2)]
    goals = [
        simulation.GoalSpec(target_return=0.1, days=21, start_day=d, start_ratio=r, peak_ratio=max(r, 1.0))
        for d, r in ((0, 1.0), (5, 1.03), (12, 0.98))
    ]
    together = estimates.reach_probabilities(ests=ests, goals=goals, settings=DEFAULT, paths_each=400)
    for est, goal, p in zip(ests, goals, together, strict=True):
        alone = estimates.reach_probabilities(
            ests=[ests[0], est], goals=[goals[0], goal], settings=DEFAULT, paths_each=400
        )
        # the same scenarios; a last-bit difference in numpy's vector loops could flip a path or two
        assert p == pytest.approx(alone[1], abs=2 / 400)


def test_the_shared_scenarios_do_not_tilt_every_goal_the_same_way():
    """Every goal sees the same scenarios, so a lopsided draw would move every figure one
    way (400 plain draws put 40 goals about 3 points low on average); antithetic, unit-variance
    scenarios keep the average with 400 paths within a point of 8,000."""
    rng = np.random.default_rng(5)
    goals = [
        simulation.GoalSpec(target_return=0.1, days=21, start_day=int(d), start_ratio=r, peak_ratio=r)
        for d, r in zip(rng.integers(0, 16, 40), 1 + 0.1 * rng.uniform(-50, 90, 40) / 100, strict=True)
    ]
    ests = [estimates.estimate_at(mu=0.0, sigma=0.4, trades=20, trades_per_day=1.0)] * len(goals)
    few, many = (
        estimates.reach_probabilities(ests=ests, goals=goals, settings=DEFAULT, paths_each=paths).mean()
        for paths in (400, 8000)
    )
    assert few == pytest.approx(many, abs=0.01)
