"""The contract's rules, each checked where a client meets it: exact numbers, one home
for each rule (the API and the admin refuse the same values), strict types, the one
error shape for every /api/ answer, and the trade lifecycle."""

import re
from decimal import Decimal

import pytest
from drf_spectacular.generators import SchemaGenerator

from goals.factories import GoalFactory
from goals.models import FinancialGoal, GoalState
from strategies.models import StrategyInstance
from trades.factories import TradeFactory
from trades.models import Trade

pytestmark = pytest.mark.django_db

GOALS, STRATEGIES = "/api/v1/goals/", "/api/v1/strategies/"
ADMIN_GOALS, ADMIN_STRATEGIES = "/admin/goals/financialgoal/", "/admin/strategies/strategyinstance/"
GOAL = {"name": "Exact", "goal_type": "portfolio_value", "target_value": "100"}


def schema_property(component: str, name: str) -> dict:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return schema["components"]["schemas"][component]["properties"][name]


# --- Exact numbers: decimals are strings; a JSON number is refused, not rounded.


def test_a_decimal_string_keeps_every_digit(api):
    body = GOAL | {"target_value": "12345678901234.5678", "current_value": "-98765432109876.5432"}
    goal = api.post(GOALS, body, format="json").json()
    assert goal["target_value"] == "12345678901234.5678" and goal["current_value"] == "-98765432109876.5432"
    stored = FinancialGoal.objects.get(pk=goal["id"])
    assert stored.target_value == Decimal("12345678901234.5678")


def test_a_json_number_for_a_decimal_is_a_400_and_writes_nothing(api):
    # 12345678901234.5678 has no exact binary float: as a float it reads 12345678901234.568.
    raw = '{"name": "N", "goal_type": "portfolio_value", "target_value": 12345678901234.5678}'
    response = api.post(GOALS, raw, content_type="application/json")
    assert response.status_code == 400
    assert "as a JSON string" in response.json()["errors"]["target_value"][0]
    assert not FinancialGoal.objects.exists()


def test_trade_quantities_and_prices_keep_every_digit(api):
    body = {
        "symbol": "BTCUSDT",
        "side": "LONG",
        "quantity": "0.12345678",
        "entry_price": "98765432109876543210.12345678",
        "entry_time": "2026-11-01T10:00:00Z",
    }
    trade = api.post("/api/v1/trades/", body, format="json").json()
    assert trade["quantity"] == "0.12345678" and trade["entry_price"] == "98765432109876543210.12345678"
    for number in ('"quantity": 0.1', '"quantity": 1'):
        raw = '{"symbol": "X", "side": "LONG", "entry_price": "1", "entry_time": "2026-11-01T10:00:00Z", ' + number
        response = api.post("/api/v1/trades/", raw + "}", content_type="application/json")
        assert response.status_code == 400 and "quantity" in response.json()["errors"]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused_as_literals_and_as_strings(api, literal):
    raw = f'{{"name": "N", "goal_type": "portfolio_value", "target_value": {literal}}}'
    assert api.post(GOALS, raw, content_type="application/json").status_code == 400
    assert api.post(GOALS, GOAL | {"target_value": literal}, format="json").status_code == 400
    assert not FinancialGoal.objects.exists()


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("target_value", ["1", "0.0001", "12345678901234.5678", "0", "-1", "1.00001", "01", " 1", "1e3", "", "."]),
        ("max_drawdown_pct", ["100", "100.0000", "0.0001", "99.9999", "100.0001", "0", "150"]),
        ("min_factor", ["0", "1", "1.0000", "0.5", "1.0001", "-0.1"]),
        ("max_factor", ["1", "3", "2.9999", "3.0001", "0.9999"]),
    ],
)
def test_the_schema_pattern_accepts_exactly_what_the_server_accepts(api, field, values):
    pattern = re.compile(schema_property("GoalRequest", field)["pattern"])
    for value in values:
        accepted = api.post(GOALS, GOAL | {field: value}, format="json").status_code == 201
        assert accepted == bool(pattern.fullmatch(value)), (field, value)


# --- Strict types and query parameters.


@pytest.mark.parametrize(
    ("body", "field"),
    [({"name": 0}, "name"), ({"goal_type": 1}, "goal_type"), ({"target_date": 20261231}, "target_date")],
)
def test_no_coercion_into_strings(api, body, field):
    response = api.post(GOALS, GOAL | body, format="json")
    assert response.status_code == 400 and field in response.json()["errors"]


def test_no_coercion_into_integers(api, user):
    goal = GoalFactory(owner=user)
    response = api.post("/api/v1/risk/position-size/", {"goal": str(goal.pk), "base_position_size": "1"}, format="json")
    assert response.status_code == 400 and response.json()["errors"]["goal"] == ["Must be an integer."]


@pytest.mark.parametrize("page", ["0", "", "-1", "abc", "1.0"])
def test_page_must_be_an_integer_from_one(api, page):
    response = api.get(GOALS, {"page": page})
    assert response.status_code == 400 and "page" in response.json()["errors"]
    assert schema_property_page_minimum() == 1


def schema_property_page_minimum() -> int:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    (page,) = [p for p in schema["paths"][GOALS]["get"]["parameters"] if p["name"] == "page"]
    return page["schema"]["minimum"]


def test_request_bodies_allow_no_other_properties():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    requests = {n: c for n, c in schema["components"]["schemas"].items() if n.endswith("Request")}
    assert requests and all(c.get("additionalProperties") is False for c in requests.values())


def test_creating_responses_link_to_the_operations_using_their_ids():
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    goal_links = paths[GOALS]["post"]["responses"]["201"]["links"]
    targets = {link["operationId"] for link in goal_links.values()}
    assert {
        "v1_goals_progress_create",
        "v1_goals_history_list",
        "v1_risk_position_size_create",
        "v1_strategies_select_create",
    } <= targets
    trade_links = paths["/api/v1/trades/"]["post"]["responses"]["201"]["links"]
    assert {"v1_trades_retrieve", "v1_trades_close_create"} <= {v["operationId"] for v in trade_links.values()}
    strategy_links = paths[STRATEGIES]["post"]["responses"]["201"]["links"]
    assert "v1_strategies_retrieve" in {v["operationId"] for v in strategy_links.values()}


# --- One error shape for every /api/ answer, with DEBUG on or off.


@pytest.mark.parametrize("debug", [False, True])
def test_unmatched_routes_and_wrong_methods_answer_the_json_error_shape(api, settings, debug):
    settings.DEBUG = debug
    missing = api.get("/api/v1/no-such-thing/")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"
    assert missing.json() == {"code": "not_found", "message": "Not found."}
    wrong = api.put(GOALS, {}, format="json")
    assert wrong.status_code == 405 and wrong["Content-Type"] == "application/json"
    assert wrong.json()["code"] == "method_not_allowed" and "POST" in wrong["Allow"]
    deep = api.get("/api/v2/goals/1/")
    assert deep.status_code == 404 and deep.json()["code"] == "not_found"


# --- One home for each rule: the API and the admin refuse the same values.

BAD_GOALS = {
    "target not above zero": {"target_value": "0"},
    "drawdown limit over 100": {"max_drawdown_pct": "150"},
    "minimum factor over 1": {"min_factor": "1.5"},
    "maximum factor under 1": {"max_factor": "0.5"},
    "deadline before start": {"start_date": "2026-02-01", "target_date": "2026-01-01"},
    "blank name": {"name": "   "},
    "progress beyond the limit": {"target_value": "0.0001", "current_value": "100000"},
}


def admin_goal_form(owner, **changes) -> dict:
    form = {
        "owner": owner.pk,
        "name": "Agreement",
        "goal_type": "portfolio_value",
        "target_value": "100",
        "current_value": "0",
        "capital_base": "",
        "start_date": "2026-01-01",
        "target_date": "",
        "state": "active",
        "max_drawdown_pct": "15",
        "min_factor": "0.5",
        "max_factor": "1.3",
        "on_achieved": "reduce",
    }
    return form | changes


@pytest.mark.parametrize("bad", BAD_GOALS.values(), ids=BAD_GOALS.keys())
def test_api_and_admin_refuse_the_same_goal(api, admin_client, admin_user, bad):
    api_answer = api.post(GOALS, GOAL | {"start_date": "2026-01-01"} | bad, format="json")
    assert api_answer.status_code == 400
    admin_answer = admin_client.post(f"{ADMIN_GOALS}add/", admin_goal_form(admin_user, **bad))
    assert admin_answer.status_code == 200  # the form again, with its errors
    form_errors = admin_answer.context["adminform"].form.errors
    assert set(api_answer.json()["errors"]) == set(form_errors), (api_answer.json(), form_errors)
    assert not FinancialGoal.objects.exists()


BAD_STRATEGIES = {
    "NUL in parameters": ({"parameters": {"a": "b\x00"}}, {"parameters": '{"a": "b\\u0000"}'}),
    "NUL in a parameter name": ({"parameters": {"a\x00": 1}}, {"parameters": '{"a\\u0000": 1}'}),
    "parameters not an object": ({"parameters": [1, 2]}, {"parameters": "[1, 2]"}),
    "NaN in parameters": (None, {"parameters": '{"a": NaN}'}),
    "oversized parameters": ({"parameters": {"a": "x" * 17000}}, {"parameters": '{"a": "' + "x" * 17000 + '"}'}),
    "reserved strategy_id": ({"strategy_id": "selections"}, {"strategy_id": "selections"}),
    "blank name": ({"name": " "}, {"name": " "}),
}


@pytest.mark.parametrize(("api_bad", "admin_bad"), BAD_STRATEGIES.values(), ids=BAD_STRATEGIES.keys())
def test_api_and_admin_refuse_the_same_strategy(api, admin_client, admin_user, api_bad, admin_bad):
    if api_bad is not None:  # a JSON body cannot carry NaN (the parser refuses it first)
        body = {"strategy_id": "s-1", "name": "S", "strategy_type": "momentum"} | api_bad
        assert api.post(STRATEGIES, body, format="json").status_code == 400
    form = {
        "owner": admin_user.pk,
        "strategy_id": "s-1",
        "name": "S",
        "strategy_type": "momentum",
        "risk_profile": "moderate",
        "parameters": "{}",
        "status": "active",
    } | admin_bad
    answer = admin_client.post(f"{ADMIN_STRATEGIES}add/", form)
    assert answer.status_code == 200 and answer.context["adminform"].form.errors
    assert not StrategyInstance.objects.exists()


def test_goal_state_moves_by_one_table_in_the_api_and_the_admin(api, admin_client, user):
    goal = GoalFactory(owner=user, state=GoalState.ARCHIVED)
    refused = api.patch(f"{GOALS}{goal.pk}/", {"state": "paused"}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "goal_state_transition"
    form = admin_goal_form(user, state="paused", name=goal.name, target_value=str(goal.target_value))
    for read_only in ("owner", "goal_type", "current_value"):
        form.pop(read_only)
    answer = admin_client.post(f"{ADMIN_GOALS}{goal.pk}/change/", form)
    assert answer.status_code == 200 and "state" in answer.context["adminform"].form.errors
    assert api.patch(f"{GOALS}{goal.pk}/", {"state": "active"}, format="json").json()["state"] == "active"
    assert api.patch(f"{GOALS}{goal.pk}/", {"state": "paused"}, format="json").json()["state"] == "paused"
    goal.refresh_from_db()
    assert goal.state == GoalState.PAUSED


# --- The trade lifecycle: open, then close once.


def open_trade(api, **body):
    payload = {
        "symbol": "ETHUSDT",
        "side": "SHORT",
        "quantity": "2",
        "entry_price": "100",
        "entry_time": "2026-11-01T10:00:00Z",
    } | body
    response = api.post("/api/v1/trades/", payload, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_closing_a_trade_moves_its_goal_once(api, user):
    goal = GoalFactory(owner=user, goal_type="monthly_income", target_value=Decimal("1000"))
    trade = open_trade(api, goal=goal.pk)
    url = f"/api/v1/trades/{trade['id']}/close/"
    closed = api.post(url, {"exit_price": "90"}, format="json").json()
    assert closed["status"] == "closed" and closed["profit_loss"] == "20.0000"  # SHORT: (100 − 90) × 2
    goal.refresh_from_db()
    assert goal.current_value == Decimal("20")
    assert api.post(url, {"exit_price": "90", "profit_loss": "20"}, format="json").json() == closed
    assert api.post(url, {"exit_price": "91"}, format="json").status_code == 409
    goal.refresh_from_db()
    assert goal.current_value == Decimal("20")


def test_close_refuses_bad_input_and_others_trades(api, user, other_user):
    trade = open_trade(api)
    url = f"/api/v1/trades/{trade['id']}/close/"
    early = api.post(url, {"exit_price": "90", "exit_time": "2026-10-01T00:00:00Z"}, format="json")
    assert early.status_code == 400 and early.json()["code"] == "invalid_combination"
    assert api.post(url, {}, format="json").status_code == 400
    assert api.post(url, {"exit_price": 90}, format="json").status_code == 400
    assert api.post(url, {"exit_price": "90", "status": "open"}, format="json").status_code == 400
    theirs = TradeFactory(owner=other_user, status="open", exit_price=None, exit_time=None, profit_loss=None)
    assert api.post(f"/api/v1/trades/{theirs.pk}/close/", {"exit_price": "1"}, format="json").status_code == 404
    assert Trade.objects.get(pk=trade["id"]).status == "open"


def test_an_open_trade_carries_no_exit_fields(api):
    body = {"symbol": "X", "side": "LONG", "quantity": "1", "entry_price": "1", "entry_time": "2026-11-01T10:00:00Z"}
    response = api.post("/api/v1/trades/", body | {"exit_price": "2"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_combination"
    assert not Trade.objects.exists()
