"""Benchmark: how often each sizing policy reaches its goal (issue 16).

The grid μ ∈ {0, 0.2, 0.4}, σ ∈ {0.2, 0.4, 0.8}, g ∈ {5, 10, 20} % over 21 trading days,
for every goal type: P(reach) of constant (1.0), default and optimal (the DP), default ÷
optimal, and P(ending below −10 %). All three policies see the same random numbers
(common seed). Pure computation: no database.

    .venv/bin/python bench/decisions.py [--paths 50000] [--seed 1] [--types monthly_return,…] [--markdown]

Target: default ≥ 97 % of optimal in every cell and type, and never more often below
−10 % than the optimum.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mastertrade.settings.local")

import django  # noqa: E402

django.setup()

from risk import policies, simulation  # noqa: E402

MUS, SIGMAS, TARGETS = (0.0, 0.2, 0.4), (0.2, 0.4, 0.8), (0.05, 0.10, 0.20)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--paths", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--days", type=int, default=21)
    parser.add_argument("--types", default=",".join(simulation.GOAL_TYPES))
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    settings = policies.SizingSettings()
    started = time.monotonic()
    misses, rows = [], []
    for goal_type in args.types.split(","):
        for mu in MUS:
            for sigma in SIGMAS:
                for g in TARGETS:
                    goal = simulation.GoalSpec(goal_type=goal_type, target_return=g, days=args.days)
                    r = simulation.compare(
                        mu=mu, sigma=sigma, goal=goal, settings=settings, paths=args.paths, seed=args.seed
                    )
                    c, d, o = r["constant"], r["default"], r["optimal"]
                    ratio = d.p_reach / o.p_reach if o.p_reach else float("nan")
                    ok = ratio >= 0.97 and d.p_below_minus_10 <= o.p_below_minus_10
                    rows.append((goal_type, mu, sigma, g, c, d, o, ratio, ok))
                    if not ok:
                        misses.append(rows[-1])
    head = "| type | μ | σ | g | constant | default | optimal | default ÷ optimal | below −10 % (c / d / o) |"
    print(head)
    print("|" + " --- |" * 9)
    for goal_type, mu, sigma, g, c, d, o, ratio, ok in rows:
        flag = "" if ok else " **miss**"
        print(
            f"| {goal_type} | {mu} | {sigma} | {g:.0%} | {c.p_reach:.3f} | {d.p_reach:.3f} | {o.p_reach:.3f} | "
            f"{ratio:.3f}{flag} | {c.p_below_minus_10:.3f} / {d.p_below_minus_10:.3f} / {o.p_below_minus_10:.3f} |"
        )
    ratios = [r[7] for r in rows]
    print(
        f"\n{len(rows)} cells, {args.paths} paths each, seed {args.seed}: default ÷ optimal min {min(ratios):.3f}, "
        f"median {sorted(ratios)[len(ratios) // 2]:.3f}; {len(misses)} cell(s) miss the target; "
        f"{time.monotonic() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
