"""Benchmark: how often each sizing policy reaches its goal (issues 16 and 25).

The grid μ ∈ {0, 0.2, 0.4}, σ ∈ {0.2, 0.4, 0.8}, g ∈ {5, 10, 20} % over 21 trading days,
for every goal type: P(reach) of constant (1.0), default, optimal (the DP, no guard) and
the optimum under the default's drawdown guard (`optimal_guarded`: the DP's map with the
same guard on top; the DP itself can't carry the guard's state), the default without its
guard (the guard's cost), the ratios, and P(ending below −10 %). All policies see the same
random numbers (common seed). Pure computation: no database.

    .venv/bin/python bench/decisions.py [--paths 50000] [--seed 1] [--types monthly_return,…] [--markdown]

Target: default ≥ 97 % of the optimum under the same guard in every cell and type, and
never more often below −10 % than that optimum (against the unguarded optimum: the table).
"""

import argparse
import os
import sys
import time
from dataclasses import replace
from decimal import Decimal
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
    parser.add_argument("--halt-days", type=int, help="try another GUARD_HALT_DAYS (the guard's cost by halt length)")
    args = parser.parse_args()
    if args.halt_days is not None:
        policies.GUARD_HALT_DAYS = args.halt_days
    settings = policies.SizingSettings()
    unguarded = replace(settings, max_drawdown_pct=Decimal(10**6))  # a limit no fall reaches
    names = (
        policies.POLICY_CONSTANT,
        policies.POLICY_DEFAULT,
        policies.POLICY_OPTIMAL,
        policies.POLICY_OPTIMAL_GUARDED,
    )
    started = time.monotonic()
    misses, rows = [], []
    for goal_type in args.types.split(","):
        for mu in MUS:
            for sigma in SIGMAS:
                for g in TARGETS:
                    goal = simulation.GoalSpec(goal_type=goal_type, target_return=g, days=args.days)
                    run = {"mu": mu, "sigma": sigma, "goal": goal, "paths": args.paths, "seed": args.seed}
                    r = simulation.compare(settings=settings, policy_names=names, **run)
                    free = simulation.compare(settings=unguarded, policy_names=(policies.POLICY_DEFAULT,), **run)
                    c, d, o, og = (r[n] for n in names)
                    ratio = d.p_reach / o.p_reach if o.p_reach else float("nan")
                    ratio_guarded = d.p_reach / og.p_reach if og.p_reach else float("nan")
                    ok = ratio_guarded >= 0.97 and d.p_below_minus_10 <= og.p_below_minus_10
                    rows.append((goal_type, mu, sigma, g, c, d, o, og, free["default"], ratio, ratio_guarded, ok))
                    if not ok:
                        misses.append(rows[-1])
    print(
        "| type | μ | σ | g | constant | default | optimal | optimal, guarded | default, no guard | "
        "default ÷ optimal | default ÷ guarded optimum | below −10 % (c / d / o / o guarded) |"
    )
    print("|" + " --- |" * 12)
    for goal_type, mu, sigma, g, c, d, o, og, free, ratio, ratio_guarded, ok in rows:
        flag = "" if ok else " **miss**"
        print(
            f"| {goal_type} | {mu} | {sigma} | {g:.0%} | {c.p_reach:.3f} | {d.p_reach:.3f} | {o.p_reach:.3f} | "
            f"{og.p_reach:.3f} | {free.p_reach:.3f} | {ratio:.3f} | {ratio_guarded:.3f}{flag} | "
            f"{c.p_below_minus_10:.3f} / {d.p_below_minus_10:.3f} / {o.p_below_minus_10:.3f} / "
            f"{og.p_below_minus_10:.3f} |"
        )
    ratios, guarded = [r[9] for r in rows], [r[10] for r in rows]
    cost = [r[8].p_reach - r[5].p_reach for r in rows]
    print(
        f"\n{len(rows)} cells, {args.paths} paths each, seed {args.seed}: default ÷ optimal min {min(ratios):.3f}, "
        f"median {sorted(ratios)[len(ratios) // 2]:.3f}; default ÷ guarded optimum min {min(guarded):.3f}, "
        f"median {sorted(guarded)[len(guarded) // 2]:.3f}; the guard costs the default at most "
        f"{max(cost) * 100:.1f} points of P(reach) (median {sorted(cost)[len(cost) // 2] * 100:.1f}); "
        f"{len(misses)} cell(s) miss the target; {time.monotonic() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
