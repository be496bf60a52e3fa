"""manage.py simulate_policy: the constant, default and optimal policies on one goal, same random numbers."""

import json
from decimal import Decimal

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from risk import policies, simulation


class Command(BaseCommand):
    help = "Monte Carlo of a +g goal over N trading days under the constant, default and optimal sizing policies."

    def add_arguments(self, parser):
        parser.add_argument("--mu", type=float, default=0.40, help="annual drift of the reference model")
        parser.add_argument("--sigma", type=float, default=0.40, help="annual volatility")
        parser.add_argument("--target-pct", type=float, default=10.0, help="the goal, percent gain")
        parser.add_argument("--days", type=int, default=21, help="trading days to the deadline")
        parser.add_argument("--min-factor", type=Decimal, default=Decimal("0.5"))
        parser.add_argument("--max-factor", type=Decimal, default=Decimal("1.3"))
        parser.add_argument("--max-drawdown-pct", type=Decimal, default=Decimal("15"))
        parser.add_argument("--goal-type", choices=simulation.GOAL_TYPES, default="monthly_return")
        parser.add_argument("--paths", type=int, default=200_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument("--plot", metavar="FILE.png", help="draw P(reach) and the factor maps")

    def handle(self, *args, **o):
        if not (
            0 < o["sigma"] <= 5
            and 0 < o["target_pct"] <= 500
            and 1 <= o["days"] <= 756
            and 1 <= o["paths"] <= 2_000_000
        ):
            raise CommandError(
                "Out of range: 0 < sigma ≤ 5, 0 < target-pct ≤ 500, 1 ≤ days ≤ 756, 1 ≤ paths ≤ 2,000,000."
            )
        if not (0 <= o["min_factor"] <= 1 <= o["max_factor"] <= 3):
            raise CommandError("Factors: 0 ≤ min-factor ≤ 1 ≤ max-factor ≤ 3.")
        settings = policies.SizingSettings(
            min_factor=o["min_factor"], max_factor=o["max_factor"], max_drawdown_pct=o["max_drawdown_pct"]
        )
        goal = simulation.GoalSpec(goal_type=o["goal_type"], target_return=o["target_pct"] / 100, days=o["days"])
        results = simulation.compare(
            mu=o["mu"], sigma=o["sigma"], goal=goal, settings=settings, paths=o["paths"], seed=o["seed"]
        )
        figures = {name: r.figures() for name, r in results.items()}
        out = {key: {name: figures[name][key] for name in figures} for key in next(iter(figures.values()))}
        out["inputs"] = {
            k: (str(v) if isinstance(v, Decimal) else v)
            for k, v in o.items()
            if k
            in {
                "mu",
                "sigma",
                "target_pct",
                "days",
                "min_factor",
                "max_factor",
                "max_drawdown_pct",
                "goal_type",
                "paths",
                "seed",
            }
        }
        if o["format"] == "json":
            self.stdout.write(json.dumps(out))
        else:
            self.stdout.write(
                f"+{o['target_pct']}% in {o['days']} trading days, mu {o['mu']}, sigma {o['sigma']}, "
                f"{o['paths']} paths, seed {o['seed']} ({o['goal_type']})"
            )
            self.stdout.write(f"{'policy':<10} {'P(reach)':>9} {'P(dd>limit)':>12} {'ES 5%':>8} {'P(<-10%)':>9}")
            for name, f in figures.items():
                self.stdout.write(
                    f"{name:<10} {f['p_reach']:>9.4f} {f['p_drawdown_beyond_limit']:>12.4f} "
                    f"{f['expected_shortfall_pct']:>7.2f}% {f['p_below_minus_10']:>9.4f}"
                )
        if o["plot"]:
            plot(o["plot"], figures, settings, goal, o["mu"], o["sigma"])


def plot(path, figures, settings, goal, mu, sigma):
    import matplotlib

    matplotlib.use("Agg")
    from dataclasses import replace

    import matplotlib.pyplot as plt

    outlook = policies.Outlook(mu=mu, sigma=sigma, target_return=goal.target_return, days=goal.days)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    names = list(figures)
    axes[0].bar(names, [figures[n]["p_reach"] for n in names], color=["grey", "tab:blue", "tab:green"])
    axes[0].set_title("P(reach)")
    p = np.linspace(-100, 99.9, 400)
    for ax, name in zip(axes[1:], (policies.POLICY_DEFAULT, policies.POLICY_OPTIMAL), strict=False):
        for e in (0, 25, 50, 75, 95):
            inputs = policies.SizingInputs(
                progress_pct=p, expected_pct=e, drawdown_pct=0, settings=replace(settings, policy=name), outlook=outlook
            )
            f, _ = policies.factors(inputs)
            ax.plot(p, f, label=f"{e}% of time gone")
        ax.set_title(f"{name} factor by progress")
        ax.set_xlabel("progress %")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
