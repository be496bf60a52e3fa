"""The progress-over-time chart on a goal's page, drawn server-side as SVG (no script, no CDN)."""

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from goals import selectors
from goals.models import FinancialGoal
from mastertrade.core.money import quantize

CHART_MAX_POINTS = 500  # the latest snapshots drawn on the detail page
CHART_MAX_MARKERS = 200  # beyond this, only the line (and the last point) is drawn


@dataclass
class ChartPoint:
    x: float
    y: float
    pct: Decimal
    at: dt.datetime
    source: str
    label: str
    marker: bool


@dataclass
class ProgressChart:
    width: int
    height: int
    left: int
    top: int
    right: float
    bottom: float
    points: list[ChartPoint]
    line: str
    total: int
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str, str]]
    target_y: float
    today_x: float
    pace: tuple[float, float, float, float] | None = None


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def _nice_step(span: float) -> int:
    for step in (10, 20, 25, 50, 100, 200, 250, 500, 1000, 2500, 5000):
        if span / step <= 6:
            return step
    return 10 ** math.ceil(math.log10(span / 6))


def progress_chart(*, goal: FinancialGoal, snapshots: list, total: int, now: dt.datetime) -> ProgressChart:
    """Geometry of the chart: history points (progress % over time), the pace line from
    (start_date, 0 %) to (target_date, 100 %) when there is a deadline, the 100 % target
    line and today's marker."""
    width, height, left, right_margin, top, bottom_margin = 800, 280, 56, 16, 14, 36
    right, bottom = width - right_margin, height - bottom_margin
    start = _midnight(goal.start_date)
    times = [s.snapshot_at for s in snapshots]
    t0 = min([start, *times])
    t1 = max([now, *times, *([_midnight(goal.target_date)] if goal.target_date else [])])
    if t1 <= t0:
        t1 = t0 + dt.timedelta(days=1)
    values = [float(s.progress_pct) for s in snapshots]
    low, high = min([0.0, *values]), max([100.0, *values])
    step = _nice_step(high - low)
    lo, hi = math.floor(low / step) * step, math.ceil(high / step) * step
    span = (t1 - t0).total_seconds()

    def x(t: dt.datetime) -> float:
        return round(left + (t - t0).total_seconds() / span * (right - left), 1)

    def y(v: float) -> float:
        return round(top + (hi - v) / (hi - lo) * (bottom - top), 1)

    points = []
    for i, s in enumerate(snapshots):
        pct = quantize(s.progress_pct, 2)
        points.append(
            ChartPoint(
                x=x(s.snapshot_at),
                y=y(float(pct)),
                pct=pct,
                at=s.snapshot_at,
                source=s.source,
                label=f"{s.snapshot_at:%Y-%m-%d %H:%M} UTC · {pct} % · {s.get_source_display().lower()}",
                marker=len(snapshots) <= CHART_MAX_MARKERS or i == len(snapshots) - 1,
            )
        )
    days = max((t1 - t0).days, 1)
    offsets = sorted({round(days * i / 4) for i in range(5)})
    x_ticks = []
    for i, offset in enumerate(offsets):
        tick = t0 + dt.timedelta(days=offset)
        first, last = i == 0, i == len(offsets) - 1
        label = f"{tick.day} {tick:%b}" + (f" {tick:%Y}" if first or last else "")
        x_ticks.append((x(tick), label, "start" if first else "end" if last else "middle"))
    pace = None
    if goal.target_date is not None:
        pace = (x(start), y(0), x(_midnight(goal.target_date)), y(100))
    return ProgressChart(
        width=width,
        height=height,
        left=left,
        top=top,
        right=right,
        bottom=bottom,
        points=points,
        line=" ".join(f"{p.x},{p.y}" for p in points),
        total=total,
        y_ticks=[(y(v), f"{v} %") for v in range(int(lo), int(hi) + 1, step)],
        x_ticks=x_ticks,
        target_y=y(100),
        today_x=x(now),
        pace=pace,
    )


def goal_chart_for(goal: FinancialGoal, *, now: dt.datetime) -> ProgressChart:
    latest = list(selectors.goal_history(goal=goal).reverse()[:CHART_MAX_POINTS])[::-1]
    total = len(latest) if len(latest) < CHART_MAX_POINTS else selectors.goal_history(goal=goal).count()
    return progress_chart(goal=goal, snapshots=latest, total=total, now=now)
