"""Benchmark: is `reach_probability` calibrated? (issue 16, item 4)

Many simulated goals, each with a true μ and σ drawn from a realistic range
(μ ~ N(0, 0.3²) — the prior the estimator shrinks towards; σ ~ uniform 0.15–0.80), a
record of n closed trades (n uniform 0–150, 2 trades a day) drawn from that truth, and a
state somewhere in its period (a +g goal, g ∈ {5, 10, 20} %, 21 trading days, t0 days gone
uniform 0–15, progress uniform −50…90 %, no drawdown yet). For each goal:

1. the estimator sees only the record: μ̂, sd(μ), σ̂ (`risk.estimates.estimate`);
2. the prediction is `risk.estimates.reach_probabilities` — the same Monte Carlo the
   goal's `reach_probability` comes from, under the goal's own (default) policy;
3. the goal then lives out its period once, under its TRUE μ and σ and the same policy
   (which believes μ̂, σ̂): reached or not.

Predictions are binned by decile; each bin's mean prediction is compared with the share
of its goals that reached. Target: within ±2 points in every bin. Also the Brier score
(and that of always predicting the base rate, for scale). Pure computation.

    .venv/bin/python bench/calibration.py [--goals 40000] [--paths-each 400] [--seed 1]
"""

import argparse
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mastertrade.settings.local")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402

from risk import dp, estimates, policies, simulation  # noqa: E402

DAYS, PER_DAY = 21, 2.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--goals", type=int, default=40_000)
    parser.add_argument("--paths-each", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.monotonic()
    rng = np.random.default_rng(args.seed)
    settings = policies.SizingSettings()
    n = args.goals
    mu = rng.normal(0.0, 0.3, n)
    sigma = rng.uniform(0.15, 0.80, n)
    g = rng.choice([0.05, 0.10, 0.20], n)
    t0 = rng.integers(0, 16, n)
    p0 = rng.uniform(-50, 90, n)
    trades = rng.integers(0, 151, n)
    groups = defaultdict(list)
    ests = []
    for i in range(n):
        per_trade_mu, per_trade_sd = mu[i] / (252 * PER_DAY), sigma[i] / np.sqrt(252 * PER_DAY)
        record = rng.normal(per_trade_mu, per_trade_sd, trades[i])
        est = estimates.estimate(record, PER_DAY)
        ests.append(est)
        key = dp.ModelKey.of(mu=est.mu, sigma=est.sigma, target=g[i], days=DAYS, min_factor=0.5, max_factor=1.3)
        groups[key].append(i)
    predicted = np.zeros(n)
    reached = np.zeros(n, dtype=bool)
    for key, members in groups.items():
        specs = [
            simulation.GoalSpec(
                target_return=key.target,
                days=DAYS,
                start_day=int(t0[i]),
                start_ratio=1 + key.target * p0[i] / 100,
                peak_ratio=1 + key.target * p0[i] / 100,
            )
            for i in members
        ]
        # the prediction: each goal's own estimate; the policy's model is the key's (as in the API)
        predicted[members] = estimates.reach_probabilities(
            ests=[ests[i] for i in members], goals=specs, settings=settings, paths_each=args.paths_each
        )
        # the truth: one life per goal under its true μ, σ; the policy believes the key's model
        outlook = policies.Outlook(mu=key.mu, sigma=key.sigma, target_return=key.target, days=DAYS)
        truth = simulation.simulate(
            settings=settings,
            outlook=outlook,
            goal=simulation.GoalSpec(
                target_return=key.target,
                days=DAYS,
                start_day=t0[members],
                start_ratio=1 + key.target * p0[members] / 100,
                peak_ratio=1 + key.target * p0[members] / 100,
            ),
            increments=simulation.model_increments(mu[members], sigma[members]),
            paths=len(members),
            seed=args.seed + len(members) + int(key.mu * 1000) + int(key.sigma * 100000),
            keep_paths=True,
        )
        reached[members] = truth.reached
    edges = np.quantile(predicted, np.linspace(0, 1, 11))
    bins = np.clip(np.searchsorted(edges, predicted, side="right") - 1, 0, 9)
    print("| decile | goals | mean prediction | reached | difference (points) |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    worst = 0.0
    for b in range(10):
        sel = bins == b
        diff = (reached[sel].mean() - predicted[sel].mean()) * 100
        worst = max(worst, abs(diff))
        print(f"| {b + 1} | {sel.sum()} | {predicted[sel].mean():.3f} | {reached[sel].mean():.3f} | {diff:+.1f} |")
    brier = float(np.mean((predicted - reached) ** 2))
    base = float(np.mean((reached.mean() - reached) ** 2))
    print(
        f"\n{n} goals, {args.paths_each} paths per prediction, {len(groups)} DP tables, seed {args.seed}: "
        f"Brier score {brier:.4f} (base rate {reached.mean():.3f} alone: {base:.4f}); "
        f"largest bin difference {worst:.1f} points; {time.monotonic() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
