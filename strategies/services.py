"""Writes to the strategy registry, and goal-based selection."""

import datetime as dt

from django.db import IntegrityError, transaction

from goals.models import FinancialGoal, GoalState
from mastertrade.core import clock
from mastertrade.core.errors import UNKNOWN_REFERENCE, ApplicationError, Conflict
from mastertrade.core.services import instance_update_locked
from observability import metrics

from . import policies, selectors
from .models import StrategyInstance, StrategySelection

_status_hooks = []


def on_strategy_status_changed(hook):
    """Register `hook(strategy_pk, status)`, called after commit when a strategy's status is set."""
    _status_hooks.append(hook)
    return hook


def _status_changed(pks, status: str) -> None:
    transaction.on_commit(lambda: [hook(pk, status) for pk in pks for hook in _status_hooks])


UPDATABLE_FIELDS = {"name", "strategy_type", "risk_profile", "parameters", "status"}


def _duplicate(strategy_id: str) -> Conflict:
    return Conflict(f"You already have a strategy {strategy_id!r}.", code="strategy_id_taken")


def strategy_create(*, owner, strategy_id: str, name: str, strategy_type: str, **fields) -> StrategyInstance:
    """Register a strategy; a strategy_id you already have is a Conflict (409)."""
    strategy = StrategyInstance(owner=owner, strategy_id=strategy_id, name=name, strategy_type=strategy_type, **fields)
    strategy.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            strategy.save()
    except IntegrityError:
        if StrategyInstance.objects.filter(owner=owner, strategy_id=strategy_id).exists():
            raise _duplicate(strategy_id) from None
        raise
    return strategy


def strategy_update(*, strategy: StrategyInstance, **fields) -> StrategyInstance:
    strategy = instance_update_locked(
        instance=strategy, fields=fields, allowed=UPDATABLE_FIELDS, validate_unique=False, validate_constraints=False
    )
    if "status" in fields:
        _status_changed([strategy.pk], strategy.status)
    return strategy


def strategies_set_status(*, strategies, status: str) -> int:
    """Bulk status change (admin pause/resume)."""
    pks = [s.pk for s in strategies]
    changed = StrategyInstance.objects.filter(pk__in=pks).update(status=status)
    _status_changed(pks, status)
    return changed


def strategy_select(
    *, owner, goal: FinancialGoal, candidates: list[str] | None = None, now: dt.datetime | None = None
) -> tuple[StrategySelection, policies.Selection]:
    """Pick the strategy that should run now for `goal`, record the answer, return it.

    Without `candidates` all of the owner's active strategies compete. A fixed number
    of queries however many candidates."""
    now = now or clock.now()
    if goal.state != GoalState.ACTIVE:
        raise Conflict(f"The goal is {goal.state}: select strategies for active goals only.", code="goal_not_active")
    qs = selectors.strategy_list_for_user(user=owner)
    if candidates is None:
        strategies = list(qs.filter(status="active"))
    else:
        strategies = list(qs.filter(strategy_id__in=candidates))
        unknown = sorted(set(candidates) - {s.strategy_id for s in strategies})
        if unknown:
            raise ApplicationError(
                "Invalid input.",
                code=UNKNOWN_REFERENCE,
                errors={"candidates": [f"No such strategy: {', '.join(unknown)}."]},
            )
    performance = selectors.strategy_performance_many(strategies=strategies)
    progress_pct = goal.progress_pct()
    expected_pct = goal.expected_pct(clock.today(now))
    decision = policies.select(
        progress_pct=progress_pct,
        expected_pct=expected_pct,
        candidates=[
            policies.Candidate(
                strategy_id=s.strategy_id,
                strategy_type=s.strategy_type,
                risk_profile=s.risk_profile,
                status=s.status,
                trades=performance[s.pk].trades,
                win_rate=performance[s.pk].win_rate,
                risk_adjusted_ratio=performance[s.pk].risk_adjusted_ratio,
                pnl_share=performance[s.pk].pnl_share,
            )
            for s in strategies
        ],
    )
    if decision.selected is None:
        raise Conflict(
            "No eligible strategy: every candidate is paused, retired or failed (or there are none).",
            code="no_eligible_strategy",
        )
    by_id = {s.strategy_id: s for s in strategies}
    selection = StrategySelection.objects.create(
        owner=owner,
        goal=goal,
        selected=by_id[decision.selected],
        stance=decision.stance,
        progress_pct=progress_pct,
        reason=decision.reason,
        ranking=ranking_json(decision, by_id, performance),
        created_at=now,
    )
    metrics.record_selection(stance=decision.stance)
    return selection, decision


def ranking_json(decision: policies.Selection, by_id: dict, performance: dict) -> list[dict]:
    def s(value):
        return None if value is None else str(value)

    rows = []
    for r in decision.ranking:
        strategy = by_id[r.strategy_id]
        perf = performance[strategy.pk]
        rows.append(
            {
                "strategy_id": r.strategy_id,
                "score": s(r.score),
                "eligible": r.eligible,
                "fit": s(r.fit),
                "performance_score": s(r.performance),
                "strategy_type": strategy.strategy_type,
                "risk_profile": strategy.risk_profile,
                "status": strategy.status,
                "trades": perf.trades,
                "win_rate": s(perf.win_rate),
                "risk_adjusted_ratio": s(perf.risk_adjusted_ratio),
                "note": r.note,
            }
        )
    return rows
