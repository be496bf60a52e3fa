"""Reads of strategies: access by owner, and recorded performance from closed trades."""

import logging
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db.models import QuerySet
from django.http import Http404

from mastertrade.core.money import AMOUNT, FACTOR, quantize

from .models import StrategyInstance, StrategySelection

logger = logging.getLogger(__name__)
CACHE_TTL = 300


def strategy_list_for_user(*, user) -> QuerySet[StrategyInstance]:
    return StrategyInstance.objects.filter(owner=user).order_by("strategy_id")


def strategy_get_for_user(*, user, strategy_id: str) -> StrategyInstance:
    try:
        return StrategyInstance.objects.get(owner=user, strategy_id=str(strategy_id))
    except StrategyInstance.DoesNotExist:
        raise Http404("No such strategy.") from None


def selection_list_for_user(*, user, goal=None) -> QuerySet[StrategySelection]:
    qs = StrategySelection.objects.filter(owner=user).select_related("selected")
    if goal is not None:
        qs = qs.filter(goal=goal)
    return qs.order_by("-created_at", "-id")


@dataclass(frozen=True)
class Performance:
    """A strategy's record from its closed trades.

    risk_adjusted_ratio = mean / sample standard deviation of per-trade returns, a
    trade's return being profit_loss / (entry_price × quantity); null with fewer than
    two trades or no dispersion. max_drawdown = the largest fall of cumulative P&L
    from its running peak (starting at 0), in money."""

    trades: int = 0
    wins: int = 0
    win_rate: Decimal | None = None
    total_pnl: Decimal = Decimal("0")
    mean_pnl: Decimal | None = None
    risk_adjusted_ratio: Decimal | None = None
    max_drawdown: Decimal = Decimal("0")
    pnl_share: Decimal | None = None  # total P&L / Σ|P&L|


_closed_trade_stats = None


def closed_trade_stats_source(func):
    """Register `func(strategy_pks) -> rows` of (strategy pk, trades, wins, total P&L,
    mean P&L, mean return, sample standard deviation of returns, max drawdown, Σ|P&L|), one
    row per strategy with closed trades, in one query. The trades app (which depends
    on strategies) registers it; strategies imports no trades code."""
    global _closed_trade_stats
    _closed_trade_stats = func
    return func


def _compute(pks: list[int]) -> dict[int, Performance]:
    """All the strategies' performance in one aggregate query."""
    rows = _closed_trade_stats(pks) if _closed_trade_stats is not None else []
    result = {pk: Performance() for pk in pks}
    for pk, count, wins, total, mean, mean_ret, std_ret, drawdown, gross in rows:
        ratio = quantize(mean_ret / std_ret, FACTOR[1]) if std_ret else None
        result[pk] = Performance(
            trades=count,
            wins=wins,
            win_rate=quantize(Decimal(wins) / Decimal(count), FACTOR[1]),
            total_pnl=quantize(total, AMOUNT[1]),
            mean_pnl=quantize(mean, AMOUNT[1]),
            risk_adjusted_ratio=ratio,
            max_drawdown=quantize(drawdown or Decimal(0), AMOUNT[1]),
            pnl_share=quantize(total / gross, FACTOR[1]) if gross else None,
        )
    return result


def cache_key(pk: int) -> str:
    return f"strategy-performance:v2:{pk}"


def _cache_get_many(keys: list[str]) -> dict:
    try:
        return cache.get_many(keys) or {}
    except Exception:  # the cache is an optimisation, never a dependency
        logger.warning("cache unavailable: computing strategy performance without it", exc_info=True)
        return {}


def _cache_set_many(values: dict) -> None:
    try:
        cache.set_many(values, CACHE_TTL)
    except Exception:
        logger.warning("cache unavailable: performance not cached", exc_info=True)


def strategy_performance_many(*, strategies) -> dict[int, Performance]:
    """Performance of each strategy (by pk): cached in Redis, missing ones computed
    together in one query, whatever the number of strategies."""
    pks = [s.pk for s in strategies]
    if not pks:
        return {}
    cached = _cache_get_many([cache_key(pk) for pk in pks])
    result = {pk: Performance(**cached[cache_key(pk)]) for pk in pks if cache_key(pk) in cached}
    missing = [pk for pk in pks if pk not in result]
    if missing:
        fresh = _compute(missing)
        _cache_set_many({cache_key(pk): asdict(perf) for pk, perf in fresh.items()})
        result.update(fresh)
    return result


def strategy_performance_invalidate(*, strategy_pk: int) -> None:
    try:
        cache.delete(cache_key(strategy_pk))
    except Exception:
        logger.warning("cache unavailable: could not invalidate strategy %s", strategy_pk, exc_info=True)
