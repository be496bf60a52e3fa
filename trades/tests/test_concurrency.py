"""No lost update: concurrent writers on one goal, real threads, real database via PgBouncer."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from goals.factories import GoalFactory
from trades.models import Trade
from trades.services import trade_record

WRITERS = 20


@pytest.mark.django_db(transaction=True)
def test_concurrent_closed_trades_sum_exactly(user):
    goal = GoalFactory(owner=user, target_value=Decimal("100000"))
    barrier = threading.Barrier(WRITERS)
    errors = []

    def writer(i: int) -> None:
        try:
            barrier.wait()
            for j in range(3):
                trade_record(
                    owner=user,
                    goal=goal,
                    symbol="ETHUSDT",
                    side="LONG",
                    quantity=Decimal("1"),
                    entry_price=Decimal("100"),
                    exit_price=Decimal("101"),
                    profit_loss=Decimal(f"{i}.{j}1"),
                    entry_time=goal.created_at,
                    status="closed",
                )
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    goal.refresh_from_db()
    expected = sum(Decimal(f"{i}.{j}1") for i in range(WRITERS) for j in range(3))
    assert goal.current_value == expected
    assert Trade.objects.filter(goal=goal).count() == WRITERS * 3
    assert goal.snapshots.filter(source="trade").count() == WRITERS * 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_of_one_external_id_record_once(user):
    goal = GoalFactory(owner=user)
    barrier = threading.Barrier(10)
    results = []

    def writer() -> None:
        try:
            barrier.wait()
            results.append(
                trade_record(
                    owner=user,
                    goal=goal,
                    symbol="ETHUSDT",
                    side="LONG",
                    quantity=Decimal("1"),
                    entry_price=Decimal("100"),
                    exit_price=Decimal("110"),
                    profit_loss=Decimal("10"),
                    entry_time=goal.created_at,
                    exit_time=goal.created_at,
                    status="closed",
                    external_id="same",
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=writer) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(created for _, created in results) == 1 and len(results) == 10
    goal.refresh_from_db()
    assert goal.current_value == Decimal("10") and Trade.objects.count() == 1
