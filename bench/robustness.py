"""Benchmark: do the sizing decisions hold when the model is wrong? (issue 25, item 3)

Each case is a return family × the record's length n × the true μ, σ. A goal is +10 % in
21 trading days, started today (monthly_return, default settings). Per goal:

1. a record of n closed trades, one a trading day, each the day's return on the capital
   (the n days before the period, from the same process), and `risk.estimates.estimate`
   on it (trades per day 1), exactly as the API does;
2. the prediction: the goal's `reach_probability` (`risk.estimates.reach_probability`,
   its own default policy believing the estimate). It is a smooth function of the
   estimate (fixed scenarios), tabulated at the corners of each DP key's cell and
   interpolated bilinearly, so 20,000 goals cost a few hundred evaluations;
3. the goal's period, lived once under constant, default and optimal sizing (the same
   returns for all three; each policy believes the goal's estimate), through the
   simulator and so through `risk.policies.factors`, as the API's decisions are.

Daily returns (simple, per unit of exposure; mean μ/252, sd σ/√252 unless stated):
- `gauss`: the reference model's normal returns (for comparison);
- `t3`, `t5`: Student-t with 3 and 5 degrees of freedom, scaled to the same σ;
- `garch`: GARCH(1,1), α 0.08, β 0.90, normal innovations, unconditional variance σ²/252,
  250 days of burn-in (the record sees the regime the period starts in);
- `flip`: normal, drift +μ in the record and the period's first half, −μ in its second;
- `jumps`: normal diffusion plus compound Poisson jumps, 6 a year, N(−δ/2, δ²), carrying
  half the variance (total variance σ²/252), the drift compensated to μ/252.

Targets per case: the default reaches at least as often as constant sizing, ends below
−10 % no more often, and `reach_probability` is calibrated in every decile (|observed −
predicted| ≤ 3 points, or within the decile's 95 % sampling band if wider).

    .venv/bin/python bench/robustness.py [--quick] [--goals 20000] [--seed 1] [--families t3,garch]
        [--trades 5,20,100] [--deciles]

Pure computation. `--quick` (2,000 goals a case, 108 cases) took about 20 minutes on two shared,
busy cores, split in two processes by `--families`; the full run (20,000 a case) is longer.
"""

import argparse
import itertools
import os
import sys
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mastertrade.settings.local")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402

from risk import dp, estimates, policies, simulation  # noqa: E402

FAMILIES = ("gauss", "t3", "t5", "garch", "flip", "jumps")
MUS, SIGMAS, TRADES = (0.0, 0.2, 0.4), (0.2, 0.4), (5, 20, 100)
DAYS, TARGET, PER_DAY = 21, 0.10, 1.0
GARCH_ALPHA, GARCH_BETA, GARCH_BURN = 0.08, 0.90, 250
JUMPS_PER_YEAR, JUMP_SHARE = 6.0, 0.5
BAND_PTS = 3.0
SETTINGS = policies.SizingSettings()
POLICIES = (policies.POLICY_CONSTANT, policies.POLICY_DEFAULT, policies.POLICY_OPTIMAL)


def daily_returns(family: str, mu: float, sigma: float, n: int, goals: int, rng) -> np.ndarray:
    """(n + DAYS) × goals simple daily returns: the record's n days, then the period."""
    days = n + DAYS
    m, s = mu / 252, sigma / np.sqrt(252)
    if family in ("gauss", "flip"):
        drift = np.full((days, 1), m)
        if family == "flip":
            drift[n + DAYS // 2 + DAYS % 2 :] = -m  # 11 days up, 10 down: the sign changes halfway
        return drift + s * rng.standard_normal((days, goals))
    if family in ("t3", "t5"):
        nu = int(family[1])
        return m + s * np.sqrt((nu - 2) / nu) * rng.standard_t(nu, (days, goals))
    if family == "garch":
        omega = s**2 * (1 - GARCH_ALPHA - GARCH_BETA)
        h, eps = np.full(goals, s**2), np.zeros(goals)
        out = np.empty((days, goals))
        for t in range(GARCH_BURN + days):
            h = omega + GARCH_ALPHA * eps**2 + GARCH_BETA * h
            eps = np.sqrt(h) * rng.standard_normal(goals)
            if t >= GARCH_BURN:
                out[t - GARCH_BURN] = m + eps
        return out
    if family == "jumps":
        lam = JUMPS_PER_YEAR / 252
        delta = np.sqrt(JUMP_SHARE * s**2 / (lam * 1.25))  # λ (δ² + δ²/4) = half the variance
        count = rng.poisson(lam, (days, goals))
        jumps = -0.5 * delta * count + delta * np.sqrt(count) * rng.standard_normal((days, goals))
        diffusion = np.sqrt(1 - JUMP_SHARE) * s * rng.standard_normal((days, goals))
        return m + 0.5 * delta * lam + diffusion + jumps
    raise ValueError(family)


def replay(r: np.ndarray) -> simulation.Increments:
    """The simulator's increments from given daily returns (DAYS × paths): X ← X (1 + f r)."""

    def prepare(_rng, _days, _paths):
        return lambda t, f: np.log(np.maximum(1 + f * r[t], 1e-9))

    return prepare


def key_of(mu: float, sigma: float, *, allow_zero: bool = False) -> dp.ModelKey:
    return dp.ModelKey.of(
        mu=mu, sigma=sigma, target=TARGET, days=DAYS, min_factor=0.5, max_factor=1.3, allow_zero=allow_zero
    )


class Predictions:
    """`reach_probability` of a goal started today, as a function of its estimate:
    evaluated at the corners of each DP key's cell (the policy's model fixed to the
    key, the Monte Carlo's μ, sd(μ) and σ those an estimate at the corner carries),
    interpolated bilinearly in (μ̂, σ̂). Cached across cases (the same n)."""

    def __init__(self):
        self.cells = {}
        self.evaluations = 0

    def corners(self, n: int, key: dp.ModelKey) -> np.ndarray:
        cell = (n, key.mu, key.sigma)
        if cell not in self.cells:
            half = dp.KEY_STEP / 2
            ests = [estimates.estimate_at(mu=key.mu, sigma=key.sigma, trades=n, trades_per_day=PER_DAY)]
            for mu, sigma in itertools.product((key.mu - half, key.mu + half), (key.sigma - half, key.sigma + half)):
                ests.append(estimates.estimate_at(mu=mu, sigma=max(sigma, 0.01), trades=n, trades_per_day=PER_DAY))
            goal = simulation.GoalSpec(target_return=TARGET, days=DAYS)
            p = estimates.reach_probabilities(
                ests=ests, goals=[goal] * len(ests), settings=SETTINGS, paths_each=estimates.REACH_PATHS
            )
            self.cells[cell] = p[1:].reshape(2, 2)
            self.evaluations += len(ests) - 1
        return self.cells[cell]

    def __call__(self, n: int, key: dp.ModelKey, mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
        c = self.corners(n, key)
        a = np.clip((mu - key.mu) / dp.KEY_STEP + 0.5, 0, 1)
        b = np.clip((sigma - key.sigma) / dp.KEY_STEP + 0.5, 0, 1)
        return (1 - a) * ((1 - b) * c[0, 0] + b * c[0, 1]) + a * ((1 - b) * c[1, 0] + b * c[1, 1])


def run_case(family, mu, sigma, n, goals, seed, predict):
    rng = np.random.default_rng([seed, FAMILIES.index(family), int(mu * 10), int(sigma * 10), n])
    r = daily_returns(family, mu, sigma, n, goals, rng)
    record, period = r[:n], r[n:]
    ests = [estimates.estimate(record[:, i], PER_DAY) for i in range(goals)]
    # the API stores μ̂, σ̂ to 4 decimals and computes from the stored values
    mu_hat = np.round([e.mu for e in ests], 4)
    sigma_hat = np.round([e.sigma for e in ests], 4)
    groups = defaultdict(list)
    for i in range(goals):
        groups[key_of(mu_hat[i], sigma_hat[i])].append(i)
    predicted = np.empty(goals)
    reached = {name: np.empty(goals, dtype=bool) for name in POLICIES}
    final = {name: np.empty(goals) for name in POLICIES}
    for key, members in groups.items():
        members = np.asarray(members)
        predicted[members] = predict(n, key, mu_hat[members], sigma_hat[members])
        outlook = policies.Outlook(mu=key.mu, sigma=key.sigma, target_return=TARGET, days=DAYS)
        for name in POLICIES:
            if name == policies.POLICY_CONSTANT and key != next(iter(groups)):
                continue
            sel = np.arange(goals) if name == policies.POLICY_CONSTANT else members
            result = simulation.simulate(
                settings=replace(SETTINGS, policy=name),
                outlook=outlook,
                goal=simulation.GoalSpec(target_return=TARGET, days=DAYS),
                increments=replay(period[:, sel]),
                paths=len(sel),
                seed=seed,
                keep_paths=True,
            )
            reached[name][sel], final[name][sel] = result.reached, result.final_return
    return predicted, reached, final, len(groups)


def deciles(predicted: np.ndarray, reached: np.ndarray) -> list[tuple]:
    """(goals, mean prediction, observed, difference in points, calibrated?) per decile of
    the prediction (by rank, so ties cannot empty a decile)."""
    order = np.argsort(predicted, kind="stable")
    rows = []
    for part in np.array_split(order, 10):
        p, o = predicted[part].mean(), reached[part].mean()
        band = 196 * np.sqrt(max(p * (1 - p), 1e-12) / len(part))
        rows.append((len(part), p, o, (o - p) * 100, abs(o - p) * 100 <= max(BAND_PTS, band)))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="2,000 goals a case")
    parser.add_argument("--goals", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument("--trades", default=",".join(map(str, TRADES)))
    parser.add_argument("--deciles", action="store_true", help="print every case's deciles")
    args = parser.parse_args()
    goals = 2_000 if args.quick else args.goals
    started = time.monotonic()
    predict = Predictions()
    print(
        "| returns | n | μ | σ | P(reach) c / d / o | below −10 %: c / d / o | predicted / observed | Brier "
        "| deciles ok | targets |"
    )
    print("| --- | ---: | ---: | ---: | --- | --- | --- | ---: | ---: | --- |")
    pooled = defaultdict(lambda: ([], []))
    misses, tables, details = 0, 0, []
    for family in args.families.split(","):
        for n in map(int, args.trades.split(",")):
            for mu, sigma in itertools.product(MUS, SIGMAS):
                predicted, reached, final, keys = run_case(family, mu, sigma, n, goals, args.seed, predict)
                tables += keys
                c, d, o = (reached[name].mean() for name in POLICIES)
                lc, ld, lo = ((final[name] < policies.LOSS_LINE).mean() for name in POLICIES)
                rows = deciles(predicted, reached[policies.POLICY_DEFAULT])
                ok = sum(row[4] for row in rows)
                brier = float(np.mean((predicted - reached[policies.POLICY_DEFAULT]) ** 2))
                missed = [
                    label for label, bad in (("reach", d < c), ("loss", ld > lc), ("calibration", ok < 10)) if bad
                ]
                misses += bool(missed)
                print(
                    f"| {family} | {n} | {mu} | {sigma} | {c:.3f} / {d:.3f} / {o:.3f} | {lc:.3f} / {ld:.3f} / {lo:.3f} "
                    f"| {predicted.mean():.3f} / {reached[policies.POLICY_DEFAULT].mean():.3f} | {brier:.4f} "
                    f"| {ok}/10 | {'ok' if not missed else 'miss: ' + ', '.join(missed)} |",
                    flush=True,
                )
                details.append((family, n, mu, sigma, rows))
                pooled[(family, n)][0].append(predicted)
                pooled[(family, n)][1].append(reached[policies.POLICY_DEFAULT])
            p, o = (np.concatenate(part) for part in pooled[(family, n)])
            rows = deciles(p, o)
            print(
                f"| {family} | {n} | all | all | pooled: {len(p)} goals | | {p.mean():.3f} / {o.mean():.3f} "
                f"| {np.mean((p - o) ** 2):.4f} | {sum(row[4] for row in rows)}/10 "
                f"| largest decile gap {max((row[3] for row in rows), key=abs):+.1f} points |",
                flush=True,
            )
    print("\nCalibration pooled over the six (μ, σ) truths of each returns × n:\n")
    print("| returns | n | goals | Brier | largest decile gap (points) | deciles ok |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for (family, n), (p, o) in pooled.items():
        p, o = np.concatenate(p), np.concatenate(o)
        rows = deciles(p, o)
        worst = max(rows, key=lambda row: abs(row[3]))[3]
        brier = float(np.mean((p - o) ** 2))
        print(f"| {family} | {n} | {len(p)} | {brier:.4f} | {worst:+.1f} | {sum(row[4] for row in rows)}/10 |")
    if args.deciles:
        for family, n, mu, sigma, rows in details:
            print(f"\n{family}, n {n}, μ {mu}, σ {sigma}: decile, goals, predicted, observed, difference (points)")
            for b, (count, p, o, diff, ok) in enumerate(rows, 1):
                print(f"  {b:2d} {count:6d} {p:.3f} {o:.3f} {diff:+5.1f}{'' if ok else '  miss'}")
    print(
        f"\n{len(details)} cases, {goals} goals each, seed {args.seed}: {misses} case(s) miss a target; "
        f"{predict.evaluations} reach_probability evaluations, {tables} (case, DP key) groups; "
        f"{time.monotonic() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
