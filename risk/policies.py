"""Goal-oriented position sizing: pure functions of numbers (no ORM, no clock, no randomness).

(One module of about 430 lines: every policy, the contract's bands and the memo run through
the one vectorised core below, and are read together with it.)

One vectorised core, `factors`, takes numpy arrays (or scalars) and is what both the
API (`decide`, the scalar Decimal entry point) and the simulator (`risk.simulation`,
thousands of paths at once) call. Policies (`settings.policy`):

- `constant`: 1.0 always (a yardstick for the simulator; never offered to goals).
- `optimal`:  the dynamic-programming optimum (`risk.dp`): the factor in
  {0} ∪ [min_factor, max_factor] that maximises P(reach) under the reference model with
  the goal's μ, σ estimates. No drawdown guard (the DP maximises P(reach) only); it may
  stand aside (factor 0, stance `paused`). Opt-in per goal (`sizing_policy = optimal`).
- `default`:  the contract-keeping policy, built on the same DP (reasoning in docs/decisions.md,
  "Position sizing"):
    1. base: the best factor map that is continuous in progress (no two progress values
       one point apart more than SLOPE_PER_POINT apart) over the default's own action
       set [min_factor, max_factor] (no 0), for the goal's μ, σ, target return g and
       trading days left (`dp.smooth_policy`, backward induction with a Viterbi pass
       along progress each day). Its objective is the chance of reaching the goal, with
       a deep loss (ending more than 10 % below the start) weighed at LOSS_WEIGHT × the
       goal's best chance P*(reach): so a goal with a fair chance is not traded for a
       deep loss, and one that can no longer be reached is sized to stay above the loss
       line (or, below it, to get back above it, within the drawdown guard);
       without a deadline (or without a usable g): the fixed band shape below;
    2. the contract table (docs/architecture.md, "The sizing contract") for a goal just
       created: bounds by progress that fade
       out linearly over the first CONTRACT_FADE_PCT % of the period;
    3. the deadline: once it has passed (expected = 100 %: the deadline day is a trading
       day still open, goals.calendars) the factor is min_factor — nothing sizes up;
    4. achieved (progress ≥ 100 %): `on_achieved = pause` (the default) → 0, stance
       `paused`; `reduce` → min_factor;
    5. the drawdown guard on the drawdown against the capital at stake (`drawdown_pct`):
       from ⅔ of the limit the factor slides to min_factor (`protective`, only where that
       lowers it), at the limit it is 0 (`halted`). The caller passes the *guard* drawdown
       (`guard_drawdown`): the fall from the guard's peak, halting new risk on the day of a
       fall to the limit and the next GUARD_HALT_DAYS trading day(s), however old the peak;
       then the guard measures from the value at that time (docs/adr/0001-drawdown-guard.md).
       The same guard on top of the optimum (`optimal_guarded`) is the bench's yardstick.

Fixed band shape (no deadline), p = progress %, m = min_factor, M = max_factor:
p < 40: 1 + (M − 1) × ½ × (40 − p) / 40; 40–80: 1 − 0.1 × (p − 40) / 40; 80–100:
0.9 − (0.9 − m) × (p − 80) / 20.

Every factor is rounded to 4 decimals and lies in [m, M] except 0 for halted/paused.
Stance says what the factor does: `aggressive` > 1.05, `conservative` < 0.95, else
`balanced`; `protective`, `halted`, `paused` as above. The reason names the goal's
status (goals.progress.status_for), so it always tells the truth about the band.
"""

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import numpy as np

from goals import progress
from mastertrade.core.money import FACTOR, quantize

from . import dp

POLICY_DEFAULT = "default"
POLICY_OPTIMAL = "optimal"
POLICY_CONSTANT = "constant"
POLICY_OPTIMAL_GUARDED = "optimal_guarded"  # the optimum under the default's drawdown guard (the bench's yardstick)
POLICY_VERSIONS = {POLICY_DEFAULT: "4", POLICY_OPTIMAL: "2", POLICY_CONSTANT: "1", POLICY_OPTIMAL_GUARDED: "1"}

SLOPE_PER_POINT = 0.045  # largest factor change per point of progress (the rule: ≤ 0.05)
CONTRACT_FADE_PCT = 10.0  # the contract bounds fade out over the first 10 % of the period
PROTECTIVE_FROM = 2.0 / 3.0  # share of the drawdown limit where protection starts
GUARD_HALT_DAYS = 1  # a fall to the drawdown limit halts new risk that day and this many trading days after it
LOSS_LINE = -0.10  # a deep loss: the capital ends more than 10 % below its start
LOSS_WEIGHT = 0.5  # the default weighs a deep loss at half the goal's best chance (P*(reach))
P_GRID = np.arange(-600.0, 100.0 + 1e-9, 1.0)  # progress points where the default's curves are tabulated
P_COARSE = P_GRID[::2]  # where they are optimised (factor levels 0.045 apart, at most 2 per step)

# Why each factor is what it is (vectorised codes; `decide` turns them into words).
HALTED, PAUSED, ACHIEVED_MIN, TIME_UP, PROTECTIVE, MODEL, BANDS, CONSTANT, STAND_ASIDE = range(9)


@dataclass(frozen=True)
class SizingSettings:
    min_factor: Decimal = Decimal("0.5")
    max_factor: Decimal = Decimal("1.3")
    max_drawdown_pct: Decimal = Decimal("15")
    on_achieved: str = "pause"  # or "reduce"
    policy: str = POLICY_DEFAULT  # or "optimal" (or "constant" in the simulator)


@dataclass(frozen=True)
class Outlook:
    """The model inputs of a goal with a deadline: annual drift and volatility
    estimates of its capital, the goal as a return g (0.10 = +10 %), trading days from
    start to deadline."""

    mu: float
    sigma: float
    target_return: float
    days: int

    def key(self, settings: SizingSettings, *, allow_zero: bool) -> dp.ModelKey:
        return dp.ModelKey.of(
            mu=self.mu,
            sigma=self.sigma,
            target=self.target_return,
            days=self.days,
            min_factor=settings.min_factor,
            max_factor=settings.max_factor,
            allow_zero=allow_zero,
        )


@dataclass(frozen=True)
class SizingInputs:
    """Everything a sizing decision depends on, gathered once (`risk.inputs.sizing_inputs`)
    or read back from its audit row (`risk.inputs.inputs_from_record`). The policy reads
    the first five; the goal's values after them explain those and are recorded with the
    decision.

    Numbers are Decimals for one decision (`decide`), or float arrays with one value per
    path in the simulator (`factors`)."""

    progress_pct: Decimal
    expected_pct: Decimal | None  # None without a deadline
    drawdown_pct: Decimal  # what the guard acts on (`guard_drawdown`): the fall from its peak, 0 once a halt is over
    settings: SizingSettings
    outlook: Outlook | None = None
    current_value: Decimal | None = None
    target_value: Decimal | None = None
    peak_value: Decimal | None = None
    days_since_peak: Decimal | None = None
    days_since_fall: Decimal | None = None  # the guard's clock (`guard_drawdown`); None: no fall to the limit
    reach_probability: Decimal | None = None


@dataclass(frozen=True)
class SizingDecision:
    factor: Decimal
    stance: str
    reason: str


# ---------------------------------------------------------------- inputs shared with the simulator


def guard_drawdown(fall_pct, days_since_fall):
    """The drawdown the guard acts on: the fall from the guard's peak, until the halt is
    over. `days_since_fall` counts trading days since that fall reached the limit (None or
    NaN: it has not); from GUARD_HALT_DAYS on, the guard's peak moves to the value now, so
    the guard acts on 0 (and a new fall is measured from there). Two floats (one sizing
    decision) are computed without numpy; arrays (the simulator) with it."""
    if type(fall_pct) is float and (days_since_fall is None or type(days_since_fall) is float):
        return 0.0 if days_since_fall is not None and days_since_fall >= GUARD_HALT_DAYS else fall_pct
    days = np.asarray(np.nan if days_since_fall is None else days_since_fall, dtype=float)
    return np.where(days >= GUARD_HALT_DAYS, 0.0, np.asarray(fall_pct, dtype=float))


def capital_drawdown_pct(goal_type: str, current, peak, capital):
    """The fall from the peak as a share of the capital at stake at the peak, in percent
    (plain arithmetic: Decimals or numpy arrays):

    - portfolio_value: the portfolio is the capital: (peak − current) / peak × 100;
    - monthly_return:  values are percent of the capital base: (peak − current) / (100 + peak) × 100;
    - monthly_income:  income on a capital C: (peak − current) / (C + peak) × 100.
    """
    if goal_type == "portfolio_value":
        base = peak
    elif goal_type == "monthly_return":
        base = 100 + peak
    else:
        base = capital + peak
    return (peak - current) / base * 100


def days_left(expected_pct, days: int):
    """Trading days left from the expected (elapsed) share of the period."""
    return np.rint(days * (1.0 - np.asarray(expected_pct, dtype=float) / 100.0)).astype(int)


def log_value(progress_pct, target_return: float):
    """x = ln(X / X0) of a goal at `progress_pct` of a +g goal (progress measured from the start)."""
    ratio = 1.0 + target_return * np.asarray(progress_pct, dtype=float) / 100.0
    return np.log(np.maximum(ratio, 1e-9))


# ---------------------------------------------------------------- the vectorised core


def _band_shape(p, m, big_m):
    behind = 1 + (big_m - 1) * 0.5 * (40 - p) / 40
    on_track = 1 - 0.1 * (p - 40) / 40
    near = 0.9 - (0.9 - m) * (p - 80) / 20
    return np.where(p < 40, behind, np.where(p < 80, on_track, near))


def _contract_bounds(p, m, big_m):
    """Lower/upper bounds for a goal just created (the contract table, docs/architecture.md
    "The sizing contract"), Lipschitz in p (≤ SLOPE_PER_POINT per point): ≥ 1 up to 25 %,
    0.9–1.1 at 40–50 %, ≤ 1 at 80 %, < 1 from 85 %."""
    s = SLOPE_PER_POINT * 0.9
    lo_end = 50 + max(0.9 - m, 0) / s
    lo = np.interp(p, [25, 40, 50, max(lo_end, 50.001)], [1.0, 0.9, 0.9, min(m, 0.9)])
    hi_start = 40 - max(big_m - 1.1, 0) / s
    hi = np.interp(p, [min(hi_start, 39.999), 40, 50, 80, 85], [max(big_m, 1.1), 1.1, 1.1, 1.0, 0.94])
    return lo, hi


@lru_cache(maxsize=256)
def default_curves(key: dp.ModelKey) -> np.ndarray:
    """The default's base factor for every (days left, progress point of P_GRID): the
    continuous map that maximises P(reach) − LOSS_WEIGHT × P*(reach) × P(ending below
    LOSS_LINE), within the contract bounds of each day (`dp.smooth_policy`)."""
    best_chance = dp.best_chance(key)  # P*(reach) from the start
    m, big_m = key.min_factor, key.max_factor
    lo, hi = _contract_bounds(P_COARSE, m, big_m)
    w = _contract_weight((1.0 - np.arange(key.days + 1) / key.days) * 100.0)[:, None]
    coarse = dp.smooth_policy(
        key,
        p_grid=P_COARSE,
        slope_per_point=SLOPE_PER_POINT,
        level_step=SLOPE_PER_POINT,
        loss_line=LOSS_LINE,
        loss_penalty=LOSS_WEIGHT * best_chance,
        lower=lo[None, :] * w + m * (1 - w),
        upper=hi[None, :] * w + big_m * (1 - w),
    )
    curves = np.stack([np.interp(P_GRID, P_COARSE, row) for row in coarse])  # piecewise linear: same slopes
    curves.setflags(write=False)
    return curves


def _contract_weight(expected_pct):
    """1 for a goal just created, fading linearly to 0 at CONTRACT_FADE_PCT % of the period."""
    return np.clip(1.0 - expected_pct / CONTRACT_FADE_PCT, 0.0, 1.0)


def _curve_at(curves: np.ndarray, k, p):
    k = np.clip(k, 0, curves.shape[0] - 1)
    pos = np.clip(p - P_GRID[0], 0.0, len(P_GRID) - 1.0)
    i = np.minimum(pos.astype(int), len(P_GRID) - 2)
    w = pos - i
    return curves[k, i] * (1 - w) + curves[k, i + 1] * w


def factors(inputs: SizingInputs):
    """Factors and reason codes for arrays of (progress %, expected % or NaN, guard
    drawdown %). The one implementation of every sizing policy."""
    settings, outlook = inputs.settings, inputs.outlook
    p, e, dd = np.broadcast_arrays(
        np.asarray(inputs.progress_pct, dtype=float),
        np.asarray(np.nan if inputs.expected_pct is None else inputs.expected_pct, dtype=float),
        np.asarray(inputs.drawdown_pct, dtype=float),
    )
    m, big_m, limit = float(settings.min_factor), float(settings.max_factor), float(settings.max_drawdown_pct)
    if settings.policy == POLICY_CONSTANT:
        return np.ones(p.shape), np.full(p.shape, CONSTANT)
    modelled = outlook is not None and outlook.target_return > 0 and outlook.days > 0
    timed = np.isfinite(e)
    time_up = timed & (e >= 100)
    if settings.policy in (POLICY_OPTIMAL, POLICY_OPTIMAL_GUARDED):
        f, code = _optimal(p, e, settings, outlook, modelled, timed, time_up)
        if settings.policy == POLICY_OPTIMAL:
            return f, code
        return _guarded(f, code, dd, m, limit, exempt=code == PAUSED)

    code = np.full(p.shape, BANDS)
    f = _band_shape(p, m, big_m)
    if modelled:
        curves = default_curves(outlook.key(settings, allow_zero=False))
        k = days_left(np.where(timed, e, 0.0), outlook.days)
        f = np.where(timed, _curve_at(curves, k, p), f)
        code = np.where(timed, MODEL, code)
    lo, hi = _contract_bounds(p, m, big_m)
    w = _contract_weight(np.where(timed, e, 0.0))
    f = np.clip(f, lo * w + m * (1 - w), hi * w + big_m * (1 - w))
    f = np.where(time_up, m, f)
    code = np.where(time_up, TIME_UP, code)
    achieved = p >= float(progress.ACHIEVED_PCT)
    pause = settings.on_achieved == "pause"
    f = np.where(achieved, 0.0 if pause else m, f)
    code = np.where(achieved, PAUSED if pause else ACHIEVED_MIN, code)
    f = np.where(achieved & pause, 0.0, np.clip(f, m, big_m))
    return _guarded(f, code, dd, m, limit, exempt=achieved & pause)


def _guarded(f, code, dd, m, limit, *, exempt):
    """The drawdown guard on top of a policy's factors: from PROTECTIVE_FROM × the limit
    the factor slides to m, at the limit it is 0 (halted). `exempt`: paused (factor 0) anyway."""
    protect_from = limit * PROTECTIVE_FROM
    scale = np.clip((limit - dd) / (limit - protect_from), 0.0, 1.0)
    reduced = np.round(m + (f - m) * scale, 4)
    protective = (dd < limit) & ~exempt & (reduced < np.round(f, 4))  # only where it reduces the factor
    f = np.where(protective, reduced, f)
    code = np.where(protective, PROTECTIVE, code)
    halted = dd >= limit
    f = np.where(halted, 0.0, f)
    code = np.where(halted, HALTED, code)
    return np.round(f, 4), code


def _optimal(p, e, settings, outlook, modelled, timed, time_up):
    m = float(settings.min_factor)
    achieved = p >= float(progress.ACHIEVED_PCT)
    if not modelled:
        f = np.where(
            achieved, 0.0, np.clip(_band_shape(p, m, float(settings.max_factor)), m, float(settings.max_factor))
        )
        f = np.where(time_up & ~achieved, m, f)
        code = np.where(achieved, PAUSED, np.where(time_up, TIME_UP, BANDS))
        return np.round(f, 4), code
    table = dp.solve(outlook.key(settings, allow_zero=True))
    k = np.maximum(days_left(np.where(timed, e, 0.0), outlook.days), 1)
    f = table.action_at(k, log_value(p, outlook.target_return))
    hopeless = table.value_at(k, log_value(p, outlook.target_return)) < 1e-6
    f = np.where(hopeless, float(settings.max_factor), f)
    f = np.where(f < m / 2, 0.0, np.clip(f, m, float(settings.max_factor)))  # the action set: {0} ∪ [m, M]
    code = np.where(f == 0, STAND_ASIDE, MODEL)
    f = np.where(time_up, m, f)
    code = np.where(time_up, TIME_UP, code)
    f = np.where(achieved, 0.0, f)
    code = np.where(achieved, PAUSED, code)
    return np.round(f, 4), code


# ---------------------------------------------------------------- the scalar entry point (the API)

STATUS_WORDS = {
    progress.STATUS_ON_TRACK: "on track (at most 10 points behind pace)",
    progress.STATUS_AT_RISK: "at risk (10 to 25 points behind pace)",
    progress.STATUS_BEHIND: "behind (more than 25 points behind pace)",
    progress.STATUS_ACHIEVED: "achieved",
    progress.STATUS_MISSED: "missed (the deadline has passed)",
}


def status_of(progress_pct: Decimal, expected_pct: Decimal | None) -> str:
    """The goal's status as the policy sees it: expected ≥ 100 % only once the deadline has
    passed (the deadline day is a trading day still open, goals.calendars), as for the goal."""
    passed = expected_pct is not None and expected_pct >= 100
    return progress.status_for(progress_pct, expected_pct, passed)


def _stance(factor: Decimal, code: int) -> str:
    if code == HALTED:
        return "halted"
    if code in (PAUSED, STAND_ASIDE):
        return "paused"
    if code == PROTECTIVE:
        return "protective"
    if factor > Decimal("1.05"):
        return "aggressive"
    if factor < Decimal("0.95"):
        return "conservative"
    return "balanced"


def _why(code: int, factor: Decimal, settings: SizingSettings, outlook: Outlook | None, k: int | None) -> str:
    move = "sizing up" if factor > 1 else "normal size" if factor == 1 else "sizing down"
    if code == HALTED:
        return "drawdown at its limit, new risk halted (factor 0)"
    if code == PAUSED:
        return "goal achieved and set to pause new risk (factor 0)"
    if code == ACHIEVED_MIN:
        return "goal achieved and set to reduce risk to the minimum"
    if code == TIME_UP:
        return "the deadline has passed: nothing sizes up, minimum risk"
    if code == STAND_ASIDE:
        return f"optimal policy: with {k} trading day(s) left standing aside gives the best chance (factor 0)"
    if code == CONSTANT:
        return "constant sizing"
    if code == BANDS:
        return f"no deadline to pace against: factor by progress, {move}"
    name = "optimal policy" if settings.policy == POLICY_OPTIMAL else "best chance of reaching the goal"
    model = f"μ {outlook.mu:.2f}, σ {outlook.sigma:.2f}" if outlook else ""
    text = f"{name} with {k} trading day(s) left ({model}): {move}"
    if code == PROTECTIVE:
        text += "; nearing the drawdown limit, risk reduced"
    return text


def decide(inputs: SizingInputs, *, remembered: bool = True) -> SizingDecision:
    """The sizing decision for a goal at `inputs.progress_pct` (pace `expected_pct`, None
    without a deadline) with the guard drawdown `drawdown_pct` (see `guard_drawdown`).

    A pure function of its inputs, so each process remembers the last DECISIONS_KEPT
    answers: between two fills a trading engine asks again and again with the same
    inputs (they are quantized: progress, pace and drawdown to the cent of a percent,
    days since the peak to a hundredth of a day), and the numpy core costs more for one
    point than everything else the decision does. The key is each input's repr, so
    equal numbers written differently (1.0, 1.00) keep their own wording. The goal's
    values recorded beside the inputs are not part of the key. `remembered=False`
    computes afresh (the replay checks the computation, not the memory)."""
    args = (inputs.progress_pct, inputs.expected_pct, inputs.drawdown_pct, inputs.settings, inputs.outlook)
    if not remembered:
        return _compute(*args)
    return _remembered(tuple(map(repr, args)), *args)


DECISIONS_KEPT = 4096


@lru_cache(maxsize=DECISIONS_KEPT)
def _remembered(_exact, *args) -> SizingDecision:
    return _compute(*args)


def _compute(progress_pct, expected_pct, drawdown_pct, settings, outlook) -> SizingDecision:
    f, code = factors(
        SizingInputs(
            progress_pct=float(progress_pct),
            expected_pct=None if expected_pct is None else float(expected_pct),
            drawdown_pct=float(drawdown_pct),
            settings=settings,
            outlook=outlook,
        )
    )
    factor = quantize(Decimal(repr(float(f))), FACTOR[1])
    code = int(code)
    k = None
    if outlook is not None and expected_pct is not None:
        k = max(int(days_left(float(expected_pct), outlook.days)), 0)
    status = status_of(progress_pct, expected_pct)
    facts = f"Progress {progress_pct}% of the goal" + (
        f" ({expected_pct}% expected by now)" if expected_pct is not None else " (no deadline)"
    )
    dd = f"drawdown {drawdown_pct}% of a {settings.max_drawdown_pct}% limit"
    why = _why(code, factor, settings, outlook, k)
    reason = f"{facts}, {dd}. Status: {STATUS_WORDS[status]}. {why[0].upper()}{why[1:]}: factor ×{factor}."
    return SizingDecision(factor, _stance(factor, code), reason)
