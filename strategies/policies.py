"""Goal-based strategy selection: a pure function of numbers (no ORM, no clock).

Stance comes from the goal's band (goals.progress — the same thresholds as the goal
status): behind → `aggressive`, on track → `balanced`, near or past the goal →
`conservative`.

Score of an eligible (active) candidate, in [0, 1], 4 decimals:

    score = w × fit + (1 − w) × performance      w = 0.7 aggressive/conservative, 0.3 balanced

- fit: 1 when the strategy suits the stance, ½ when neutral, 0 when it opposes it.
  aggressive suits momentum / breakout / trend_following or an aggressive profile;
  conservative suits mean_reversion / market_making / arbitrage or a conservative
  profile; a moderate profile (or type `other`) is neutral; balanced: a moderate
  profile fits (1), anything else is neutral (½).
- performance: the record, shrunk towards neutral (½) by the amount of evidence:

      raw = ⅓ × win rate + ⅓ × (1 + r / (1 + |r|)) / 2 + ⅓ × (1 + net / gross) / 2
      performance = ½ + (raw − ½) × n / (n + PRIOR_TRADES)

  r is the risk-adjusted ratio (mean / standard deviation of per-trade returns), net /
  gross the P&L share (total P&L / Σ|P&L| in [−1, 1]: the money counts, not just the
  count of wins), n the number of closed trades. The prior is a neutral strategy worth
  PRIOR_TRADES = 20 trades: one winning trade moves performance from 0.5 to 0.52, a
  200-trade record keeps 91 % of its distance from neutral. A missing part counts ½.

Ties go to the better performance, then to the smaller strategy_id. Paused, retired
and failed strategies are listed as ineligible and never selected.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from goals import progress
from mastertrade.core.money import FACTOR, quantize

HALF = Decimal("0.5")
PRIOR_TRADES = 20  # a neutral prior worth this many closed trades
FIT_WEIGHT = {"aggressive": Decimal("0.7"), "balanced": Decimal("0.3"), "conservative": Decimal("0.7")}
SUITS = {
    "aggressive": ({"momentum", "breakout", "trend_following"}, "aggressive"),
    "conservative": ({"mean_reversion", "market_making", "arbitrage"}, "conservative"),
}
STANCE_BY_BAND = {
    progress.BAND_BEHIND: "aggressive",
    progress.BAND_ON_TRACK: "balanced",
    progress.BAND_NEAR_GOAL: "conservative",
    progress.BAND_ACHIEVED: "conservative",
}


@dataclass(frozen=True)
class Candidate:
    strategy_id: str
    strategy_type: str
    risk_profile: str
    status: str = "active"
    trades: int = 0
    win_rate: Decimal | None = None
    risk_adjusted_ratio: Decimal | None = None
    pnl_share: Decimal | None = None  # total P&L / Σ|P&L|, in [−1, 1]


@dataclass(frozen=True)
class Ranked:
    strategy_id: str
    eligible: bool
    score: Decimal | None
    fit: Decimal | None
    performance: Decimal | None
    note: str


@dataclass(frozen=True)
class Selection:
    stance: str
    selected: str | None
    reason: str
    ranking: list[Ranked] = field(default_factory=list)


def stance_for(progress_pct: Decimal, expected_pct: Decimal | None) -> str:
    return STANCE_BY_BAND[progress.band_for(progress_pct, expected_pct)]


def fit(stance: str, candidate: Candidate) -> Decimal:
    if stance == "balanced":
        return Decimal(1) if candidate.risk_profile == "moderate" else HALF
    types, profile = SUITS[stance]
    if candidate.strategy_type in types or candidate.risk_profile == profile:
        return Decimal(1)
    if candidate.risk_profile == "moderate" or candidate.strategy_type == "other":
        return HALF
    return Decimal(0)


def performance(candidate: Candidate) -> Decimal:
    n = candidate.trades
    if not n:
        return HALF
    win = candidate.win_rate if candidate.win_rate is not None else HALF
    r = candidate.risk_adjusted_ratio
    ratio = HALF if r is None else (1 + r / (1 + abs(r))) / 2
    pnl = HALF if candidate.pnl_share is None else (1 + candidate.pnl_share) / 2
    raw = (win + ratio + pnl) / 3
    return HALF + (raw - HALF) * Decimal(n) / Decimal(n + PRIOR_TRADES)


def select(*, progress_pct: Decimal, expected_pct: Decimal | None, candidates: list[Candidate]) -> Selection:
    stance = stance_for(progress_pct, expected_pct)
    weight = FIT_WEIGHT[stance]
    scored, ineligible = [], []
    for c in candidates:
        if c.status != "active":
            ineligible.append(Ranked(c.strategy_id, False, None, None, None, f"{c.status}: never selected"))
            continue
        f, p = fit(stance, c), performance(c)
        score = quantize(weight * f + (1 - weight) * p, FACTOR[1])
        note = f"{c.strategy_type}/{c.risk_profile}: fit {f} for {stance}" + (
            f", {c.trades} closed trade(s)" if c.trades else ", no closed trades (neutral performance)"
        )
        scored.append(Ranked(c.strategy_id, True, score, f, quantize(p, FACTOR[1]), note))
    scored.sort(key=lambda r: (-r.score, -r.performance, r.strategy_id))
    ranking = scored + sorted(ineligible, key=lambda r: r.strategy_id)
    facts = f"Progress {progress_pct}%" + (f" ({expected_pct}% expected by now)" if expected_pct is not None else "")
    if not scored:
        return Selection(stance, None, f"{facts}: stance {stance}, but no eligible (active) strategy.", ranking)
    best = scored[0]
    reason = f"{facts}: stance {stance}. Selected {best.strategy_id} (score {best.score}; {best.note})."
    return Selection(stance, best.strategy_id, reason, ranking)
