"""Goal-oriented position sizing: a pure function of numbers (no ORM, no clock).

    factor = clamp(band factor, pace boost) → drawdown guard → [min_factor, max_factor] or 0

Band (goals.progress.band_for: level and pace together), with p = progress %,
m = min_factor, M = max_factor:

- behind (p < 40, or behind pace):  level  = 1 + (M − 1) × ½ × (40 − p) / 40   (p < 40)
                                    pace   = 1 + (M − 1) × min(1, gap / 50) × elapsed
  where gap = expected − p (percentage points) and elapsed = expected / 100. The
  factor is the larger of the two, so a goal that is behind its pace late in the
  period is sized up, up to M. Stance `aggressive`.
- on_track (40 ≤ p < 80):           1 − 0.1 × (p − 40) / 40 (1.0 at 40 %, 0.9 at 80 %). Stance `balanced`.
- near_goal (80 ≤ p < 100):         0.9 − (0.9 − m) × (p − 80) / 20 (0.9 at 80 %, m at 100 %). `conservative`.
- achieved (p ≥ 100):               on_achieved=reduce → m (`conservative`); pause → 0 (`paused`).

Drawdown guard (drawdown d and limit L in percent): d ≥ L → 0, stance `halted`. Within
the last third of the limit (d ≥ ⅔ L) the factor slides linearly from its value
down to m as d approaches L, stance `protective`.

Every factor is rounded to 4 decimals and, except halted/paused (exactly 0), lies in [m, M].
"""

from dataclasses import dataclass
from decimal import Decimal

from goals import progress
from mastertrade.core.money import FACTOR, quantize

ONE = Decimal(1)
LEVEL_WEIGHT = Decimal("0.5")
PACE_FULL_GAP = Decimal(50)  # percentage points behind pace that earn the full boost
ON_TRACK_TOP = Decimal("0.9")  # factor at NEAR_GOAL_PCT, where the near-goal slide starts
PROTECTIVE_FROM = Decimal(2) / Decimal(3)  # share of the drawdown limit where protection starts

STANCE_BY_BAND = {
    progress.BAND_BEHIND: "aggressive",
    progress.BAND_ON_TRACK: "balanced",
    progress.BAND_NEAR_GOAL: "conservative",
    progress.BAND_ACHIEVED: "conservative",
}


@dataclass(frozen=True)
class SizingSettings:
    min_factor: Decimal = Decimal("0.5")
    max_factor: Decimal = Decimal("1.3")
    max_drawdown_pct: Decimal = Decimal("15")
    on_achieved: str = "reduce"  # or "pause"


@dataclass(frozen=True)
class SizingDecision:
    factor: Decimal
    stance: str
    reason: str


def _band_factor(band: str, p: Decimal, expected: Decimal | None, s: SizingSettings) -> tuple[Decimal, str]:
    m, big_m = s.min_factor, s.max_factor
    if band == progress.BAND_NEAR_GOAL:
        span = progress.ACHIEVED_PCT - progress.NEAR_GOAL_PCT
        factor = ON_TRACK_TOP - (ON_TRACK_TOP - m) * (p - progress.NEAR_GOAL_PCT) / span
        return factor, "near the goal: reducing risk to protect what is won"
    on_track = ONE - (ONE - ON_TRACK_TOP) * (p - progress.BEHIND_BELOW_PCT) / (
        progress.NEAR_GOAL_PCT - progress.BEHIND_BELOW_PCT
    )
    if band == progress.BAND_ON_TRACK:
        return on_track, "on track: normal risk"
    # behind: by level, by pace, or both
    level = ONE + (big_m - ONE) * LEVEL_WEIGHT * (progress.BEHIND_BELOW_PCT - p) / progress.BEHIND_BELOW_PCT
    level = level if p < progress.BEHIND_BELOW_PCT else on_track
    pace = ONE
    if expected is not None and expected > p:
        gap = min(ONE, (expected - p) / PACE_FULL_GAP)
        pace = ONE + (big_m - ONE) * gap * expected / 100
    if pace > level:
        return pace, f"behind pace ({expected}% expected by now): sizing up to catch up"
    return level, "behind the goal: sizing up"


def decide(
    *, progress_pct: Decimal, expected_pct: Decimal | None, drawdown_pct: Decimal, settings: SizingSettings
) -> SizingDecision:
    """The sizing decision for a goal at `progress_pct` (pace `expected_pct`, None
    without a deadline) with `drawdown_pct` from its peak."""
    m, big_m, limit = settings.min_factor, settings.max_factor, settings.max_drawdown_pct
    facts = f"Progress {progress_pct}% of the goal" + (
        f" ({expected_pct}% expected by now)" if expected_pct is not None else " (no deadline)"
    )
    dd = f"drawdown {drawdown_pct}% of a {limit}% limit"
    if drawdown_pct >= limit:
        return SizingDecision(Decimal(0), "halted", f"{facts}; {dd}: limit passed, new risk halted (factor 0).")

    band = progress.band_for(progress_pct, expected_pct)
    if band == progress.BAND_ACHIEVED and settings.on_achieved == "pause":
        return SizingDecision(Decimal(0), "paused", f"{facts}: goal achieved and set to pause new risk (factor 0).")
    if band == progress.BAND_ACHIEVED:
        factor, why = m, "goal achieved: minimum risk"
    else:
        factor, why = _band_factor(band, progress_pct, expected_pct, settings)
    factor = min(max(factor, m), big_m)
    stance = STANCE_BY_BAND[band]

    protect_from = limit * PROTECTIVE_FROM
    if drawdown_pct >= protect_from:
        scale = (limit - drawdown_pct) / (limit - protect_from)
        factor = m + (factor - m) * scale
        stance, why = "protective", f"{why}; nearing the drawdown limit, risk reduced"
    factor = min(max(quantize(factor, FACTOR[1]), m), big_m)
    return SizingDecision(factor, stance, f"{facts}, {dd}. {why[0].upper()}{why[1:]}: factor ×{factor}.")
