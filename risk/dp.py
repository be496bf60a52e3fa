"""Dynamic programming for goal reaching (pure numpy, no database, no clock).

The reference model (issue 16): the goal's value X follows geometric Brownian motion
per unit of exposure; each trading day the policy picks a factor f and

    d ln X = (f μ − ½ f² σ²) dt + f σ dW,     dt = 1 / 252.

State: x = ln(X / X0) and k = trading days left. The goal is reached when
x ≥ x* = ln(1 + g) at the deadline. Reaching x* early and taking no more risk keeps
it reached, so V = 1 above x* (absorbing). Backward induction:

    V_0(x) = 1[x ≥ x*]
    V_k(x) = max_a  E[ V_{k−1}(x + Δ_a) ]          a ∈ actions

with Δ_a the day's log-increment under factor a. The expectation uses Gauss–Hermite
quadrature and linear interpolation on a uniform x grid. `solve` returns the values
and the best action per (k, x); the best action is refined between the discrete
action grid points by a parabola through the three best neighbours, so the factor
map is continuous where the optimum is interior.

`evaluate` runs the same recursion for a fixed policy (a factor for every (k, x)):
that is how the chance of reaching a goal under its own policy is computed.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import special

TRADING_DAYS = 252
DT = 1.0 / TRADING_DAYS
GRID_POINTS = 481
QUAD_NODES = 20
ACTION_STEPS = 17  # points in [min_factor, max_factor]
KEY_STEP = 0.05  # μ and σ are rounded to this in table keys (tables are cached by key)


@dataclass(frozen=True)
class ModelKey:
    """Everything a DP table depends on (rounded, so that tables can be cached)."""

    mu: float
    sigma: float
    target: float  # g: the goal as a return, e.g. 0.10 for +10 %
    days: int  # trading days to the deadline (the table covers k = 0 … days)
    min_factor: float
    max_factor: float
    allow_zero: bool = True  # the optimum may stand aside (factor 0); the default may not

    @classmethod
    def of(cls, *, mu, sigma, target, days, min_factor, max_factor, allow_zero=True) -> "ModelKey":
        return cls(
            round(round(float(mu) / KEY_STEP) * KEY_STEP, 4),
            max(round(round(float(sigma) / KEY_STEP) * KEY_STEP, 4), KEY_STEP),
            max(round(float(target), 4), 0.0001),
            max(int(days), 1),
            round(float(min_factor), 4),
            round(float(max_factor), 4),
            bool(allow_zero),
        )


@dataclass(frozen=True)
class Table:
    key: ModelKey
    x: np.ndarray  # the grid, ending at x* = ln(1 + g)
    value: np.ndarray  # (days + 1, len(x)): V_k on the grid
    action: np.ndarray  # (days + 1, len(x)): best factor with k days left (row 0 unused)

    @property
    def x_target(self) -> float:
        return float(self.x[-1])

    def value_at(self, k, x):
        """V_k(x) for arrays k (ints ≥ 0) and x (log values)."""
        return _interp_rows(self.value, self.x, np.asarray(k), np.asarray(x, dtype=float), right=1.0)

    def action_at(self, k, x):
        return _interp_rows(self.action, self.x, np.asarray(k), np.asarray(x, dtype=float), right=0.0)


def _interp_rows(rows: np.ndarray, grid: np.ndarray, k: np.ndarray, x: np.ndarray, *, right: float):
    """Linear interpolation of rows[k] at x, vectorised over k and x (uniform grid)."""
    k, x = np.broadcast_arrays(np.clip(k, 0, rows.shape[0] - 1), x)
    h = grid[1] - grid[0]
    pos = np.clip((x - grid[0]) / h, 0.0, len(grid) - 1.0)
    i = np.minimum(pos.astype(int), len(grid) - 2)
    w = pos - i
    out = rows[k, i] * (1 - w) + rows[k, i + 1] * w
    return np.where(x >= grid[-1], right if right is not None else rows[k, -1], out)


def gaussian_transitions(mu: float, sigma: float, factors: np.ndarray, nodes: int = QUAD_NODES):
    """Per factor: the day's log-increments at the quadrature nodes, and their weights."""
    z, w = np.polynomial.hermite_e.hermegauss(nodes)
    w = w / w.sum()
    f = np.asarray(factors, dtype=float)[:, None]
    deltas = (f * mu - 0.5 * f**2 * sigma**2) * DT + f * sigma * np.sqrt(DT) * z[None, :]
    return deltas, np.broadcast_to(w, deltas.shape)


def _grid(key: ModelKey) -> np.ndarray:
    x_target = np.log1p(key.target)
    spread = max(key.max_factor, 1.0) * key.sigma * np.sqrt(key.days * DT)
    drift = abs(key.mu) * max(key.max_factor, 1.0) * key.days * DT
    width = max(8.0 * spread + drift + key.target, 0.05)
    return np.linspace(x_target - width, x_target, GRID_POINTS)


def gaussian_last_day(mu: float, sigma: float):
    """P(x + Δ_f ≥ x*) for the last day, exactly (normal CDF): quadrature of a step is too coarse."""

    def last(x: np.ndarray, factors: np.ndarray) -> np.ndarray:
        f = np.asarray(factors, dtype=float)[:, None]
        gap = x[None, :] - x[-1] + (f * mu - 0.5 * f**2 * sigma**2) * DT
        with np.errstate(divide="ignore", invalid="ignore"):
            z = gap / (np.maximum(f, 1e-12) * sigma * np.sqrt(DT))
        reached_now = (x[None, :] >= x[-1] - 1e-12).astype(float)
        return np.where(f > 0, special.ndtr(z), reached_now)

    return last


def backward_induction(
    x: np.ndarray,
    days: int,
    factors: np.ndarray,
    deltas: np.ndarray,
    weights: np.ndarray,
    last_day: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """V and the best factor for k = 0 … days on the grid x (x[-1] is the target).

    deltas/weights: (len(factors), nodes) — any discrete day-distribution works (the
    tests use a two-point one and compare with exact enumeration)."""
    value = np.zeros((days + 1, len(x)))
    action = np.zeros((days + 1, len(x)))
    value[0, -1] = 1.0
    points = x[None, None, :] + deltas[:, :, None]  # (A, J, X)
    for k in range(1, days + 1):
        if k == 1 and last_day is not None:
            q = last_day(x, factors)
        else:
            q = (_next_value(value, k, points, x) * weights[:, :, None]).sum(axis=1)  # (A, X)
        best = np.argmax(q, axis=0)
        value[k] = q[best, np.arange(len(x))]
        value[k, -1] = 1.0
        action[k] = _refine(factors, q, best)
        action[k, -1] = action[k, -2]  # reached: the policy pauses; keep the map continuous below it
    return value, action


def _next_value(value: np.ndarray, k: int, points: np.ndarray, x: np.ndarray) -> np.ndarray:
    """V_{k−1} at arbitrary points: the exact step at the deadline (no partial credit for
    ending just below the target), linear interpolation before it."""
    if k == 1:
        return (points >= x[-1] - 1e-12).astype(float)
    prev = value[k - 1]
    return np.interp(points, x, prev, left=prev[0], right=1.0)


def _refine(factors: np.ndarray, q: np.ndarray, best: np.ndarray) -> np.ndarray:
    """The argmax between grid actions: a parabola through the best and its neighbours
    (only among the continuous part [min_factor, max_factor], never across 0)."""
    f = factors[best].astype(float)
    cont = factors > 0
    first = int(np.argmax(cont))
    idx = np.arange(q.shape[1])
    inner = (best > first) & (best < len(factors) - 1)
    b = np.clip(best, first + 1, len(factors) - 2)
    y0, y1, y2 = q[b - 1, idx], q[b, idx], q[b + 1, idx]
    denom = y0 - 2 * y1 + y2
    step = factors[b + 1] - factors[b]
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(denom < -1e-15, 0.5 * (y0 - y2) / denom, 0.0)
    shift = np.clip(shift, -0.5, 0.5)
    return np.where(inner, f + shift * step, f)


def action_set(key: ModelKey) -> np.ndarray:
    grid = np.linspace(key.min_factor, key.max_factor, ACTION_STEPS)
    if key.min_factor <= 0:
        grid = grid[grid > 0] if key.allow_zero else grid
    return np.concatenate([[0.0], grid]) if key.allow_zero else grid


@lru_cache(maxsize=256)
def solve(key: ModelKey) -> Table:
    """The P(reach)-maximising table for `key` (cached per process, keyed by its parameters)."""
    x = _grid(key)
    factors = action_set(key)
    deltas, weights = gaussian_transitions(key.mu, key.sigma, factors)
    last = gaussian_last_day(key.mu, key.sigma)
    value, action = backward_induction(x, key.days, factors, deltas, weights, last)
    value.setflags(write=False)
    action.setflags(write=False)
    return Table(key, x, value, action)


@lru_cache(maxsize=256)
def best_chance(key: ModelKey) -> float:
    """P*(reach) from the start (x = 0, every day left): the optimum's value at the start,
    on a coarser grid than `solve` (161 points, 9 actions, 12 nodes: within 1.5 points
    of it over the bench grid, at a tenth of the CPU). A weight for the default's loss term, not
    a decision."""
    fine = _grid(key)
    x = np.linspace(fine[0], fine[-1], 161)
    factors = np.linspace(key.min_factor, key.max_factor, 9)
    if key.allow_zero:
        factors = np.concatenate([[0.0], factors[factors > 0]])
    deltas, weights = gaussian_transitions(key.mu, key.sigma, factors, nodes=12)
    value, _ = backward_induction(x, key.days, factors, deltas, weights, gaussian_last_day(key.mu, key.sigma))
    return float(np.interp(0.0, x, value[key.days]))


def evaluate(
    key: ModelKey,
    policy: Callable[[int, np.ndarray], np.ndarray],
    *,
    mu: float | None = None,
    sigma: float | None = None,
) -> np.ndarray:
    """V^π_k on the grid of `key` for a fixed policy π(k, x) → factors, under the model
    (mu, sigma) (default: the key's). Returns (days + 1, len(x))."""
    x = _grid(key)
    mu = key.mu if mu is None else mu
    sigma = key.sigma if sigma is None else sigma
    z, w = np.polynomial.hermite_e.hermegauss(QUAD_NODES)
    w = w / w.sum()
    value = np.zeros((key.days + 1, len(x)))
    value[0, -1] = 1.0
    for k in range(1, key.days + 1):
        f = np.asarray(policy(k, x), dtype=float)[:, None]
        if k == 1:
            value[1] = _last_column(x, f[:, 0], mu, sigma)
            value[1, -1] = 1.0
            continue
        pts = x[:, None] + (f * mu - 0.5 * f**2 * sigma**2) * DT + f * sigma * np.sqrt(DT) * z[None, :]
        value[k] = (_next_value(value, k, pts, x) * w).sum(axis=1)
        value[k, -1] = 1.0
    return value


def _last_column(x: np.ndarray, f: np.ndarray, mu: float, sigma: float) -> np.ndarray:
    gap = x - x[-1] + (f * mu - 0.5 * f**2 * sigma**2) * DT
    with np.errstate(divide="ignore", invalid="ignore"):
        z = gap / (np.maximum(f, 1e-12) * sigma * np.sqrt(DT))
    return np.where(f > 0, special.ndtr(z), (x >= x[-1] - 1e-12).astype(float))


def smooth_policy(
    key: ModelKey,
    *,
    p_grid: np.ndarray,
    slope_per_point: float,
    loss_line: float,
    loss_penalty: float,
    lower: np.ndarray | None = None,
    upper: np.ndarray | None = None,
    level_step: float | None = None,
) -> np.ndarray:
    """The best factor map that is continuous in progress, by backward induction.

    Objective: P(reach) − `loss_penalty` × P(ending below `loss_line`), the return of the
    capital (e.g. −0.10). Constraint: with k days left the factor, as a function of
    progress on `p_grid` (1-point steps), changes by at most `slope_per_point` per point
    and lies within `lower[k]` … `upper[k]` (optional, arrays (days + 1, len(p_grid))).

    Each day the map is chosen among factor levels `slope_per_point` apart by a Viterbi
    pass along progress (each point moves at most one level from its neighbour), which
    maximises the sum over the progress points of the day's expected objective; its
    value then carries back on the `solve` grid. Returns (days + 1, len(p_grid)); row 0
    (no time left) is min_factor."""
    x = _grid(key)
    x_star = x[-1]
    x_loss = np.log1p(loss_line)
    step = float(p_grid[1] - p_grid[0])
    level_step = level_step or slope_per_point * step
    moves = int(np.floor(slope_per_point * step / level_step + 1e-9))
    levels = np.append(np.arange(key.min_factor, key.max_factor - 1e-9, level_step), key.max_factor)
    xp = np.log(np.maximum(1.0 + key.target * p_grid / 100.0, 1e-9))
    x_of_p = np.minimum(xp, x_star)
    z, w = np.polynomial.hermite_e.hermegauss(QUAD_NODES)
    w = w / w.sum()
    mu, sigma = key.mu, key.sigma
    maps = np.empty((key.days + 1, len(p_grid)))
    maps[0] = key.min_factor
    value = (x >= x_star - 1e-12) - loss_penalty * (x < x_loss)  # J_0 on the grid

    def day_objective(k: int, at: np.ndarray, f: np.ndarray) -> np.ndarray:
        """E[J_{k−1}] from log values `at` under factors `f` (broadcast)."""
        drift = (f * mu - 0.5 * f**2 * sigma**2) * DT
        sd = f * sigma * np.sqrt(DT)
        if k == 1:  # exact: the normal CDF of the last day's step (a factor of 0 stands still)
            with np.errstate(divide="ignore", invalid="ignore"):
                reach = np.where(f > 0, special.ndtr((at - x_star + drift) / sd), at >= x_star - 1e-12)
                loss = np.where(f > 0, special.ndtr((x_loss - at - drift) / sd), at < x_loss)
            return reach - loss_penalty * loss
        pts = at[..., None] + drift[..., None] + sd[..., None] * z
        return (np.interp(pts, x, value, left=value[0], right=1.0) * w).sum(axis=-1)

    for k in range(1, key.days + 1):
        q = day_objective(k, x_of_p[None, :], levels[:, None])  # (levels, points)
        if lower is not None:
            q = np.where(levels[:, None] < lower[k][None, :] - 1e-9, -np.inf, q)
        if upper is not None:
            q = np.where(levels[:, None] > upper[k][None, :] + 1e-9, -np.inf, q)
        maps[k] = levels[_viterbi(q, moves)]
        f_x = np.interp(x, xp, maps[k])
        new = day_objective(k, x, np.broadcast_to(f_x, x.shape))
        value = np.where(x >= x_star - 1e-12, 1.0, new)
    return maps


def _viterbi(q: np.ndarray, moves: int = 1) -> np.ndarray:
    """Level indices, one per column of q (levels, points), moving at most `moves`
    levels between neighbouring columns, that maximise the sum of q along the path.

    Forward: the best score ending at each level, through a running maximum over the
    reachable neighbours (padded with −inf); backward: from the best last level, the
    best reachable level of each previous column."""
    n_levels, n = q.shape
    scores = np.empty((n, n_levels))
    scores[0] = q[:, 0]
    padded = np.full(n_levels + 2 * moves, -np.inf)
    best = np.empty(n_levels)
    for i in range(1, n):
        padded[moves : moves + n_levels] = scores[i - 1]
        best[:] = padded[:n_levels]
        for shift in range(1, 2 * moves + 1):
            np.maximum(best, padded[shift : shift + n_levels], out=best)
        np.add(best, q[:, i], out=scores[i])
    path = np.empty(n, dtype=np.intp)
    path[-1] = int(np.argmax(scores[-1]))
    for i in range(n - 1, 0, -1):
        low = max(path[i] - moves, 0)
        path[i - 1] = low + int(np.argmax(scores[i - 1, low : path[i] + moves + 1]))
    return path
