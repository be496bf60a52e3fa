"""Every single-row invariant is a database constraint: bad rows are refused by
PostgreSQL itself, whatever code writes them."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from goals.factories import GoalFactory
from goals.models import FinancialGoal, GoalProgressSnapshot
from risk.models import GoalAdjustment
from strategies.factories import StrategyFactory
from strategies.models import StrategyInstance
from trades.factories import TradeFactory
from trades.models import Trade


def _rejects(model, **changes):
    def attempt(instance):
        for key, value in changes.items():
            setattr(instance, key, value)
        with pytest.raises(IntegrityError), transaction.atomic():
            instance.save()

    return attempt


GOAL_CASES = {
    "zero target": {"target_value": Decimal("0")},
    "negative target": {"target_value": Decimal("-1")},
    "unknown type": {"goal_type": "lottery"},
    "unknown state": {"state": "deleted"},
    "deadline before start": {"target_date": dt.date(2020, 1, 1)},
    "zero capital base": {"capital_base": Decimal("0")},
    "drawdown over 100": {"max_drawdown_pct": Decimal("150")},
    "min factor above 1": {"min_factor": Decimal("1.5")},
    "max factor below 1": {"max_factor": Decimal("0.9")},
    "peak below current": {"current_value": Decimal("10"), "peak_value": Decimal("5")},
    "unknown on_achieved": {"on_achieved": "explode"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("changes", GOAL_CASES.values(), ids=GOAL_CASES.keys())
def test_goal_constraints(changes):
    _rejects(FinancialGoal, **changes)(GoalFactory.build(owner=GoalFactory().owner))


TRADE_CASES = {
    "zero quantity": {"quantity": Decimal("0")},
    "negative price": {"entry_price": Decimal("-1")},
    "zero exit price": {"exit_price": Decimal("0")},
    "unknown side": {"side": "UP"},
    "unknown status": {"status": "maybe"},
    "exit before entry": {"exit_time": dt.datetime(2000, 1, 1, tzinfo=dt.UTC)},
    "closed without exit": {"status": "closed", "exit_price": None},
}


@pytest.mark.django_db
@pytest.mark.parametrize("changes", TRADE_CASES.values(), ids=TRADE_CASES.keys())
def test_trade_constraints(changes, user):
    _rejects(Trade, **changes)(TradeFactory.build(owner=user, closed=True))


@pytest.mark.django_db
def test_trade_external_id_unique_per_owner(user, other_user):
    TradeFactory(owner=user, external_id="x-1")
    TradeFactory(owner=other_user, external_id="x-1")  # another owner may reuse it
    TradeFactory(owner=user, external_id=None)
    TradeFactory(owner=user, external_id=None)  # many trades without one
    with pytest.raises(IntegrityError), transaction.atomic():
        TradeFactory(owner=user, external_id="x-1")


STRATEGY_CASES = {
    "unknown type": {"strategy_type": "astrology"},
    "unknown profile": {"risk_profile": "reckless"},
    "unknown status": {"status": "zombie"},
    "not a slug": {"strategy_id": "has spaces"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("changes", STRATEGY_CASES.values(), ids=STRATEGY_CASES.keys())
def test_strategy_constraints(changes, user):
    _rejects(StrategyInstance, **changes)(StrategyFactory.build(owner=user))


@pytest.mark.django_db
def test_strategy_id_unique_per_owner(user, other_user):
    StrategyFactory(owner=user, strategy_id="alpha")
    StrategyFactory(owner=other_user, strategy_id="alpha")
    with pytest.raises(IntegrityError), transaction.atomic():
        StrategyFactory(owner=user, strategy_id="alpha")


@pytest.mark.django_db
def test_one_periodic_snapshot_per_goal_and_period():
    goal = GoalFactory()
    period = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    row = dict(goal=goal, current_value=0, target_value=1, progress_pct=0, status="on_track")
    GoalProgressSnapshot.objects.create(source="periodic", period_start=period, **row)
    GoalProgressSnapshot.objects.create(source="update", **row)
    GoalProgressSnapshot.objects.create(source="update", **row)
    with pytest.raises(IntegrityError), transaction.atomic():
        GoalProgressSnapshot.objects.create(source="periodic", period_start=period, **row)
    with pytest.raises(IntegrityError), transaction.atomic():
        GoalProgressSnapshot.objects.create(source="bogus", **row)


ADJUSTMENT_CASES = {
    "zero base": {"base_position_size": Decimal("0")},
    "negative factor": {"adjustment_factor": Decimal("-0.1")},
    "negative size": {"adjusted_size": Decimal("-1")},
    "unknown stance": {"stance": "yolo"},
    "empty reason": {"reason": ""},
}


@pytest.mark.django_db
@pytest.mark.parametrize("changes", ADJUSTMENT_CASES.values(), ids=ADJUSTMENT_CASES.keys())
def test_adjustment_constraints(changes):
    from risk.factories import AdjustmentFactory

    _rejects(GoalAdjustment, **changes)(AdjustmentFactory.build(goal=GoalFactory()))
