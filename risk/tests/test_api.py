import datetime as dt
from decimal import Decimal

import pytest

from goals.factories import GoalFactory
from mastertrade.factories import token_client
from risk.models import GoalAdjustment

pytestmark = pytest.mark.django_db

URL = "/api/v1/risk/position-size/"


def size(api, goal, base="1000", **extra):
    return api.post(URL, {"goal": goal.pk, "base_position_size": base} | extra, format="json")


def test_answer_has_exactly_the_contract_fields(api, user):
    goal = GoalFactory(owner=user, target_value=Decimal("100"))
    response = size(api, goal, symbol="BTCUSDT")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == {
        "goal",
        "base_position_size",
        "adjusted_size",
        "adjustment_factor",
        "stance",
        "reason",
        "progress_pct",
        "adjustment_id",
    }
    assert body["goal"] == goal.pk and body["stance"] == "aggressive"
    assert Decimal(body["adjustment_factor"]) >= 1 and Decimal(body["adjusted_size"]) >= 1000
    row = GoalAdjustment.objects.get(pk=body["adjustment_id"])
    assert row.symbol == "BTCUSDT" and row.reason == body["reason"] and row.owner == user
    assert row.adjusted_size == Decimal(body["adjusted_size"])


@pytest.mark.parametrize(
    ("current", "check"),
    [
        ("0", lambda f: f >= 1),
        ("25", lambda f: f >= 1),
        ("50", lambda f: Decimal("0.9") <= f <= Decimal("1.1")),
        ("80", lambda f: f <= 1),
        ("95", lambda f: f < 1),
    ],
)
def test_factor_by_progress(api, user, current, check):
    goal = GoalFactory(owner=user, target_value=Decimal("100"), current_value=Decimal(current))
    assert check(Decimal(size(api, goal).json()["adjustment_factor"]))


def test_drawdown_past_limit_halts(api, user):
    goal = GoalFactory(
        owner=user,
        goal_type="portfolio_value",
        target_value=Decimal("200000"),
        current_value=Decimal("80000"),
        peak_value=Decimal("100000"),
    )
    body = size(api, goal).json()
    assert body["adjustment_factor"] == "0.0000" and body["stance"] == "halted"
    assert Decimal(body["adjusted_size"]) == 0 and "halted" in body["reason"]


@pytest.mark.parametrize("state", ["paused", "archived"])
def test_paused_or_archived_goal_is_409_and_logs_nothing(api, user, state):
    goal = GoalFactory(owner=user, state=state)
    response = size(api, goal)
    assert response.status_code == 409 and response.json()["code"] == "goal_not_active"
    assert not GoalAdjustment.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"base_position_size": "NaN"}, "base_position_size"),
        ({"base_position_size": "-1"}, "base_position_size"),
        ({"base_position_size": "0"}, "base_position_size"),
        ({"base_position_size": "1e30"}, "base_position_size"),
        ({"base_position_size": "Infinity"}, "base_position_size"),
        ({"goal": "abc"}, "goal"),
        ({"goal": 99999999}, "goal"),
        ({"portfolio_value": "-5"}, "portfolio_value"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_input(api, user, body, field):
    goal = GoalFactory(owner=user)
    response = api.post(URL, {"goal": goal.pk, "base_position_size": "1000"} | body, format="json")
    assert response.status_code == 400 and field in response.json()["errors"]
    assert not GoalAdjustment.objects.exists()


def test_other_users_goal_is_rejected(api, other_user):
    response = size(api, GoalFactory(owner=other_user))
    assert response.status_code == 400 and response.json()["errors"]["goal"] == ["No such goal."]
    assert not GoalAdjustment.objects.exists()


def test_at_most_three_queries_with_token_auth(user, django_assert_max_num_queries):
    goal = GoalFactory(owner=user)
    client = token_client(user)
    with django_assert_max_num_queries(3):
        assert size(client, goal).status_code == 200


def test_audit_log_newest_first_filterable(api, user):
    a, b = GoalFactory(owner=user), GoalFactory(owner=user)
    for goal in (a, b, a):
        size(api, goal)
    body = api.get("/api/v1/risk/adjustments/").json()
    assert body["count"] == 3
    ids = [r["id"] for r in body["results"]]
    assert ids == sorted(ids, reverse=True)
    assert api.get(f"/api/v1/risk/adjustments/?goal={a.pk}").json()["count"] == 2
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert api.get("/api/v1/risk/adjustments/", {"since": future}).json()["count"] == 0
    assert api.get("/api/v1/risk/adjustments/", {"until": future}).json()["count"] == 3
    assert api.get("/api/v1/risk/adjustments/?goal=x").status_code == 400


def test_audit_log_is_append_only_over_the_api(api, user):
    size(api, GoalFactory(owner=user))
    adjustment = GoalAdjustment.objects.get()
    assert api.delete("/api/v1/risk/adjustments/").status_code == 405
    assert api.patch("/api/v1/risk/adjustments/", {}).status_code == 405
    assert api.delete(f"/api/v1/risk/adjustments/{adjustment.pk}/").status_code == 404
    assert GoalAdjustment.objects.count() == 1


def test_audit_log_only_mine(api, user, other_user):
    from risk.factories import AdjustmentFactory

    AdjustmentFactory(goal=GoalFactory(owner=other_user))
    assert api.get("/api/v1/risk/adjustments/").json()["count"] == 0


def test_goal_with_decisions_is_archived_not_deleted(api, user):
    goal = GoalFactory(owner=user)
    size(api, goal)
    response = api.delete(f"/api/v1/goals/{goal.pk}/")
    assert response.status_code == 409 and "archive" in response.json()["message"]
