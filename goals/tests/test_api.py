import datetime as dt
from decimal import Decimal

import pytest

from goals.factories import GoalFactory
from goals.models import FinancialGoal, GoalProgressSnapshot
from mastertrade.core import clock

pytestmark = pytest.mark.django_db

URL = "/api/v1/goals/"


def create(api, **body):
    payload = {"name": "Income", "goal_type": "monthly_income", "target_value": "1000"} | body
    return api.post(URL, payload, format="json")


def test_create_goal_derives_progress_and_status(api):
    deadline = (clock.today() + dt.timedelta(days=30)).isoformat()
    response = create(
        api, goal_type="monthly_return", target_value="5", current_value="2", target_date=deadline, capital_base="10000"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["progress_pct"] == "40.00"
    assert body["expected_pct"] == "0.00"
    assert body["status"] == "on_track" and body["state"] == "active"
    assert body["start_date"] == clock.today().isoformat()
    assert body["target_value"] == "5.0000" and body["current_value"] == "2.0000"
    assert FinancialGoal.objects.get(pk=body["id"]).peak_value == Decimal("2")


def test_goal_without_deadline_has_no_pace(api):
    body = create(api).json()
    assert body["expected_pct"] is None and body["status"] == "on_track"


BAD_INPUT = {
    "NaN target": ({"target_value": "NaN"}, "target_value"),
    "Infinity target": ({"target_value": "Infinity"}, "target_value"),
    "negative target": ({"target_value": "-5"}, "target_value"),
    "zero target": ({"target_value": "0"}, "target_value"),
    "too many digits": ({"target_value": "1" * 30}, "target_value"),
    "too many places": ({"target_value": "1.123456"}, "target_value"),
    "wrong type": ({"target_value": [1]}, "target_value"),
    "bool target": ({"target_value": True}, "target_value"),
    "unknown type": ({"goal_type": "lottery"}, "goal_type"),
    "dates in wrong order": ({"start_date": "2026-02-01", "target_date": "2026-01-01"}, "target_date"),
    "bad date": ({"target_date": "tomorrow"}, "target_date"),
    "unknown field": ({"colour": "blue"}, "colour"),
    "read-only field": ({"status": "achieved"}, "status"),
    "min above max": (
        {"min_factor": "0.9", "max_factor": "1.0", "on_achieved": "reduce", "max_drawdown_pct": "200"},
        "max_drawdown_pct",
    ),
    "empty name": ({"name": ""}, "name"),
    "blank name": ({"name": "   "}, "name"),
    "integer name": ({"name": 0}, "name"),
    "number for a decimal": ({"target_value": 12345678901234.5678}, "target_value"),
    "leading space in a decimal": ({"target_value": " 5"}, "target_value"),
}


@pytest.mark.parametrize(("body", "field"), BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_is_400_per_field_and_writes_nothing(api, body, field):
    response = create(api, **body)
    assert response.status_code == 400
    payload = response.json()
    assert payload["code"] == (
        "invalid_combination" if field == "target_date" and "start_date" in body else "validation_error"
    )
    assert field in payload["errors"], payload
    assert FinancialGoal.objects.count() == 0


def test_nan_json_literal_is_400(api):
    response = api.post(
        URL, '{"name": "x", "goal_type": "monthly_income", "target_value": NaN}', content_type="application/json"
    )
    assert response.status_code == 400
    assert FinancialGoal.objects.count() == 0


def test_list_is_paginated_and_only_mine(api, user, other_user):
    GoalFactory.create_batch(3, owner=user)
    GoalFactory(owner=other_user)
    body = api.get(URL).json()
    assert body["count"] == 3 and len(body["results"]) == 3


def test_list_query_count_is_fixed(api, user, django_assert_max_num_queries):
    GoalFactory.create_batch(30, owner=user)
    with django_assert_max_num_queries(3):
        assert api.get(URL).status_code == 200


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", None),
        ("patch", "", {"name": "mine now"}),
        ("delete", "", None),
        ("post", "progress/", {"current_value": "1"}),
        ("get", "history/", None),
    ],
)
def test_someone_elses_goal_is_404(api, other_user, method, suffix, body):
    goal = GoalFactory(owner=other_user)
    response = getattr(api, method)(f"{URL}{goal.pk}/{suffix}", body, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    goal.refresh_from_db()
    assert goal.name != "mine now" and goal.current_value == 0


def test_patch_changes_settings_and_state(api, user):
    goal = GoalFactory(owner=user)
    response = api.patch(
        f"{URL}{goal.pk}/", {"state": "paused", "max_drawdown_pct": "10", "target_value": "2000"}, format="json"
    )
    assert response.status_code == 200, response.json()
    goal.refresh_from_db()
    assert goal.state == "paused" and goal.max_drawdown_pct == 10 and goal.target_value == 2000


@pytest.mark.parametrize(
    "body",
    [
        {"current_value": "5"},
        {"progress_pct": "50"},
        {"goal_type": "monthly_return"},
        {"state": "gone"},
        {"target_value": "-1"},
    ],
)
def test_patch_rejects_derived_and_invalid(api, user, body):
    goal = GoalFactory(owner=user)
    response = api.patch(f"{URL}{goal.pk}/", body, format="json")
    assert response.status_code == 400
    assert set(body) <= set(response.json()["errors"])


def test_progress_updates_goal_and_writes_history(api, user):
    goal = GoalFactory(owner=user, target_value=Decimal("5"))
    response = api.post(f"{URL}{goal.pk}/progress/", {"current_value": "2.0"}, format="json")
    assert response.status_code == 200
    assert response.json()["current_value"] == "2.0000" and response.json()["progress_pct"] == "40.00"
    row = GoalProgressSnapshot.objects.get(goal=goal)
    assert row.source == "update" and row.progress_pct == Decimal("40") and row.current_value == 2


def test_progress_rejects_bad_value(api, user):
    goal = GoalFactory(owner=user)
    for bad in ("NaN", "-Infinity", "abc", None, "1e400"):
        assert api.post(f"{URL}{goal.pk}/progress/", {"current_value": bad}, format="json").status_code == 400
    assert not GoalProgressSnapshot.objects.exists()


def test_history_oldest_first(api, user):
    goal = GoalFactory(owner=user, target_value=Decimal("5"))
    for value in ("1.0", "2.0", "3.0"):
        api.post(f"{URL}{goal.pk}/progress/", {"current_value": value}, format="json")
    body = api.get(f"{URL}{goal.pk}/history/").json()
    assert [r["progress_pct"] for r in body["results"]] == ["20.0000", "40.0000", "60.0000"]
    assert set(body["results"][0]) == {
        "snapshot_at",
        "current_value",
        "target_value",
        "progress_pct",
        "status",
        "source",
    }


def test_delete_goal(api, user):
    goal = GoalFactory(owner=user)
    assert api.delete(f"{URL}{goal.pk}/").status_code == 204
    assert not FinancialGoal.objects.filter(pk=goal.pk).exists()


def test_anonymous_is_401(anon):
    response = anon.get(URL)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
