from decimal import Decimal

import pytest

from goals.factories import GoalFactory
from goals.models import GoalProgressSnapshot
from strategies.factories import StrategyFactory
from trades.factories import TradeFactory
from trades.models import Trade

pytestmark = pytest.mark.django_db

URL = "/api/v1/trades/"


def trade(**body):
    return {
        "symbol": "BTCUSDT",
        "side": "LONG",
        "quantity": "0.5",
        "entry_price": "40000",
        "entry_time": "2026-11-01T10:00:00Z",
    } | body


def closed(**body):
    return trade(status="closed", exit_price="40800", profit_loss="400", exit_time="2026-11-01T12:00:00Z") | body


def test_open_trade_recorded(api):
    response = api.post(URL, trade(), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "open" and response.json()["quantity"] == "0.50000000"


def test_closed_trade_moves_income_goal_and_writes_history(api, user):
    goal = GoalFactory(owner=user, goal_type="monthly_income", target_value=Decimal("1000"))
    strategy = StrategyFactory(owner=user, strategy_id="btc-momentum")
    response = api.post(URL, closed(goal=goal.pk, strategy="btc-momentum"), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["strategy"] == strategy.strategy_id
    goal.refresh_from_db()
    assert goal.current_value == Decimal("400")
    row = GoalProgressSnapshot.objects.get(goal=goal)
    assert row.source == "trade" and row.progress_pct == Decimal("40")


def test_closed_trade_moves_return_goal_by_capital_base(api, user):
    goal = GoalFactory(owner=user, goal_type="monthly_return", target_value=Decimal("5"), capital_base=Decimal("20000"))
    assert api.post(URL, closed(goal=goal.pk), format="json").status_code == 201
    goal.refresh_from_db()
    assert goal.current_value == Decimal("2")  # 400 / 20000 × 100


def test_return_goal_without_capital_base_is_400(api, user):
    goal = GoalFactory(owner=user, goal_type="monthly_return", target_value=Decimal("5"))
    response = api.post(URL, closed(goal=goal.pk), format="json")
    assert response.status_code == 400
    assert "capital_base" in response.json()["errors"]["goal"][0]
    assert not Trade.objects.exists()


def test_profit_loss_computed_when_missing(api, user):
    goal = GoalFactory(owner=user)
    body = closed(goal=goal.pk, side="SHORT")
    del body["profit_loss"]
    response = api.post(URL, body, format="json")
    assert response.json()["profit_loss"] == "-400.0000"  # (40000 − 40800) × 0.5
    goal.refresh_from_db()
    assert goal.current_value == Decimal("-400")


def test_open_trade_does_not_move_goal(api, user):
    goal = GoalFactory(owner=user)
    api.post(URL, trade(goal=goal.pk), format="json")
    goal.refresh_from_db()
    assert goal.current_value == 0


def test_repeated_external_id_returns_original_and_moves_nothing(api, user):
    goal = GoalFactory(owner=user)
    first = api.post(URL, closed(goal=goal.pk, external_id="e-1"), format="json")
    again = api.post(URL, closed(goal=goal.pk, external_id="e-1"), format="json")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    goal.refresh_from_db()
    assert goal.current_value == Decimal("400") and Trade.objects.count() == 1


def test_retry_without_derived_fields_is_recognised(api, user):
    body = closed(external_id="e-2")
    del body["exit_time"], body["profit_loss"]
    assert api.post(URL, body, format="json").status_code == 201
    assert api.post(URL, body, format="json").status_code == 200


def test_same_external_id_different_content_is_409(api, user):
    api.post(URL, closed(external_id="e-3"), format="json")
    response = api.post(URL, closed(external_id="e-3", quantity="2"), format="json")
    assert response.status_code == 409 and response.json()["code"] == "idempotency_conflict"
    assert Trade.objects.count() == 1


BAD = {
    "zero quantity": ({"quantity": "0"}, "quantity"),
    "negative price": ({"entry_price": "-1"}, "entry_price"),
    "NaN quantity": ({"quantity": "NaN"}, "quantity"),
    "Infinity price": ({"entry_price": "Infinity"}, "entry_price"),
    "bad side": ({"side": "UP"}, "side"),
    "bad status": ({"status": "maybe"}, "status"),
    "exit before entry": ({"status": "closed", "exit_price": "1", "exit_time": "2026-10-01T00:00:00Z"}, "exit_time"),
    "closed without exit price": ({"status": "closed"}, "exit_price"),
    "open with profit": ({"profit_loss": "5"}, "profit_loss"),
    "bad time": ({"entry_time": "yesterday"}, "entry_time"),
    "huge quantity": ({"quantity": "9" * 40}, "quantity"),
    "bad symbol": ({"symbol": "BTC USDT; DROP"}, "symbol"),
    "unknown goal": ({"goal": 999999}, "goal"),
    "unknown strategy": ({"strategy": "nope"}, "strategy"),
    "unknown field": ({"leverage": "100"}, "leverage"),
}


@pytest.mark.parametrize(("body", "field"), BAD.values(), ids=BAD.keys())
def test_bad_trade_is_400_and_writes_nothing(api, body, field):
    response = api.post(URL, trade(**body), format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert not Trade.objects.exists()


def test_other_users_goal_and_strategy_are_rejected(api, other_user):
    goal = GoalFactory(owner=other_user)
    StrategyFactory(owner=other_user, strategy_id="theirs")
    response = api.post(URL, closed(goal=goal.pk, strategy="theirs"), format="json")
    assert response.status_code == 400
    assert {"goal", "strategy"} <= set(response.json()["errors"])
    goal.refresh_from_db()
    assert goal.current_value == 0 and not Trade.objects.exists()


def test_list_and_detail_only_mine(api, user, other_user, django_assert_max_num_queries):
    TradeFactory.create_batch(20, owner=user, strategy=StrategyFactory(owner=user))
    theirs = TradeFactory(owner=other_user)
    with django_assert_max_num_queries(3):
        body = api.get(URL).json()
    assert body["count"] == 20
    assert api.get(f"{URL}{theirs.pk}/").status_code == 404
    mine = Trade.objects.filter(owner=user).first()
    assert api.get(f"{URL}{mine.pk}/").json()["id"] == mine.pk
