"""One regression test per failure the schemathesis fuzzing found."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from goals.factories import GoalFactory

pytestmark = pytest.mark.django_db


def test_item_errors_in_a_list_are_flat_strings(api, user):
    """Found: errors for list items came back as {"3": [...]}, not the documented list of strings."""
    response = api.post(
        "/api/v1/strategies/select/",
        {"goal": GoalFactory(owner=user).pk, "candidates": ["ok", "not a slug", None]},
        format="json",
    )
    assert response.status_code == 400
    messages = response.json()["errors"]["candidates"]
    assert all(isinstance(m, str) for m in messages) and any(m.startswith("1: ") for m in messages)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/goals/",
        "/api/v1/strategies/selections/",
        "/api/v1/risk/adjustments/",
        "/api/v1/trades/",
        "/api/v1/strategies/",
    ],
)
def test_a_page_past_the_end_is_a_documented_404(api, path):
    """Found: ?page=413 answered a 404 the schema did not document."""
    response = api.get(path, {"page": 413})
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "404" in schema["paths"][path]["get"]["responses"]


def test_trade_without_goal_or_strategy_matches_the_schema(api):
    """Found: a trade without goal/strategy answered nulls the schema declared non-nullable."""
    response = api.post(
        "/api/v1/trades/",
        {
            "symbol": "BTCUSDT",
            "side": "LONG",
            "quantity": "1",
            "entry_price": "10",
            "entry_time": "2026-11-01T10:00:00Z",
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["goal"] is None and response.json()["strategy"] is None
    trade = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]["Trade"]["properties"]
    assert trade["goal"].get("nullable") and trade["strategy"].get("nullable")


def test_nul_character_in_strategy_parameters_is_a_400(api):
    """Found by hand after fuzzing: jsonb refuses \\u0000, which answered a 500."""
    body = {"strategy_id": "nul", "name": "N", "strategy_type": "momentum", "parameters": {"a\x00": "b\x00"}}
    response = api.post("/api/v1/strategies/", body, format="json")
    assert response.status_code == 400 and "parameters" in response.json()["errors"]


def test_deeply_nested_json_is_a_400(api):
    """Found by hand after fuzzing: 50,000 nested arrays raised RecursionError, a 500."""
    body = '{"strategy_id": "deep", "name": "D", "strategy_type": "momentum", "parameters": {"a": '
    body += "[" * 50000 + "]" * 50000 + "}}"
    response = api.post("/api/v1/strategies/", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "parse_error"
