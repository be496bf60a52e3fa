"""The DP against exact enumeration, the simulator against the policies it compares."""

import itertools

import numpy as np
import pytest

from risk import dp, policies, simulation

ACTIONS = np.array([0.0, 1.0, 2.0])


def _enumerate(x0: float, days: int, target: float, step: float) -> float:
    """Best P(reach) over every adapted policy (a choice per node of the history tree),
    by brute force: a coin moves x by ±a·step with probability ½ each."""
    nodes = [h for n in range(days) for h in itertools.product((-1, 1), repeat=n)]
    best = 0.0
    for choice in itertools.product(range(len(ACTIONS)), repeat=len(nodes)):
        plan = dict(zip(nodes, choice, strict=True))
        total = 0.0
        for path in itertools.product((-1, 1), repeat=days):
            x = x0
            for n in range(days):
                if x >= target - 1e-12:
                    break
                x += ACTIONS[plan[path[:n]]] * step * path[n]
            total += (x >= target - 1e-12) / 2**days
        best = max(best, total)
    return best


@pytest.mark.parametrize("start", [-2, -1, 0])
def test_dp_matches_exact_enumeration_on_a_tiny_case(start):
    step, days = 0.01, 3
    x = np.round(np.arange(-12, 3) * step, 10)  # the target is the last grid point: +2 steps
    deltas = ACTIONS[:, None] * step * np.array([[-1.0, 1.0]])
    weights = np.full(deltas.shape, 0.5)
    value, _ = dp.backward_induction(x, days, ACTIONS, deltas, weights)
    i = int(np.argmin(np.abs(x - start * step)))
    assert value[days, i] == pytest.approx(_enumerate(start * step, days, x[-1], step))


@pytest.mark.parametrize(("mu", "sigma", "g"), [(0.0, 0.4, 0.10), (0.4, 0.8, 0.05), (0.2, 0.2, 0.10)])
def test_optimal_is_never_worse_than_default_or_constant_with_the_same_random_numbers(mu, sigma, g):
    r = simulation.compare(
        mu=mu,
        sigma=sigma,
        goal=simulation.GoalSpec(target_return=g),
        settings=policies.SizingSettings(),
        paths=20000,
        seed=7,
    )
    se = 2.5 * np.sqrt(r["optimal"].p_reach * (1 - r["optimal"].p_reach) / 20000)  # paired: a generous bound
    assert r["optimal"].p_reach >= r["constant"].p_reach
    assert r["optimal"].p_reach >= r["default"].p_reach - se


def test_the_simulator_calls_the_policy_function_the_api_calls(monkeypatch):
    """The API's `decide` and the simulator both go through `risk.policies.factors`."""
    calls = []
    real = policies.factors

    def spy(**kwargs):
        calls.append(np.size(kwargs["progress_pct"]))
        return real(**kwargs)

    monkeypatch.setattr(policies, "factors", spy)
    simulation.simulate(
        settings=policies.SizingSettings(),
        outlook=policies.Outlook(0.2, 0.4, 0.1, 21),
        goal=simulation.GoalSpec(),
        increments=simulation.model_increments(0.2, 0.4),
        paths=50,
        seed=1,
    )
    assert calls == [50] * 21
    from decimal import Decimal as D

    policies.decide(progress_pct=D(10), expected_pct=D(5), drawdown_pct=D(0), settings=policies.SizingSettings())
    assert calls[-1] == 1


def test_bootstrap_of_trades_runs_and_a_losing_record_rarely_reaches():
    goal = simulation.GoalSpec(target_return=0.10)
    settings = policies.SizingSettings()
    outlook = policies.Outlook(0.0, 0.4, 0.1, 21)
    bad = simulation.simulate(
        settings=settings,
        outlook=outlook,
        goal=goal,
        paths=2000,
        seed=1,
        increments=simulation.bootstrap_increments([-0.01, -0.005, 0.004], 2.0),
    )
    good = simulation.simulate(
        settings=settings,
        outlook=outlook,
        goal=goal,
        paths=2000,
        seed=1,
        increments=simulation.bootstrap_increments([0.01, 0.006, -0.004], 2.0),
    )
    assert bad.p_reach < 0.05 < 0.9 < good.p_reach
