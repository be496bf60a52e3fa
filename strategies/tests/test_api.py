import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache

from goals.factories import GoalFactory
from mastertrade.factories import token_client
from strategies.factories import StrategyFactory
from strategies.models import StrategyInstance, StrategySelection
from strategies.selectors import strategy_performance_many
from trades.factories import TradeFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/strategies/"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def test_create_and_get(api):
    body = {
        "strategy_id": "btc-momentum",
        "name": "BTC momentum",
        "strategy_type": "momentum",
        "risk_profile": "aggressive",
        "parameters": {"lookback": 20},
    }
    response = api.post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    got = api.get(f"{URL}btc-momentum/").json()
    assert got["status"] == "active" and got["parameters"] == {"lookback": 20}
    assert got["performance"]["trades"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"strategy_type": "astrology"}, "strategy_type"),
        ({"risk_profile": "yolo"}, "risk_profile"),
        ({"status": "zombie"}, "status"),
        ({"parameters": [1, 2]}, "parameters"),
        ({"parameters": "x"}, "parameters"),
        ({"parameters": {"blob": "x" * 20000}}, "parameters"),
        ({"strategy_id": "no spaces"}, "strategy_id"),
        ({"strategy_id": "select"}, "strategy_id"),
        ({"performance": {}}, "performance"),
    ],
)
def test_bad_input(api, body, field):
    payload = {"strategy_id": "s1", "name": "S", "strategy_type": "momentum"} | body
    response = api.post(URL, payload, format="json")
    assert response.status_code == 400 and field in response.json()["errors"]
    assert not StrategyInstance.objects.exists()


def test_duplicate_strategy_id_is_409(api, user, other_user):
    StrategyFactory(owner=other_user, strategy_id="dup")
    body = {"strategy_id": "dup", "name": "S", "strategy_type": "momentum"}
    assert api.post(URL, body, format="json").status_code == 201
    response = api.post(URL, body, format="json")
    assert response.status_code == 409 and response.json()["code"] == "strategy_id_taken"


def test_patch_and_404_for_others(api, user, other_user):
    StrategyFactory(owner=user, strategy_id="mine")
    StrategyFactory(owner=other_user, strategy_id="theirs")
    assert api.patch(f"{URL}mine/", {"status": "paused"}, format="json").json()["status"] == "paused"
    assert api.patch(f"{URL}mine/", {"strategy_id": "x"}, format="json").status_code == 400
    assert api.get(f"{URL}theirs/").status_code == 404
    assert api.patch(f"{URL}theirs/", {"status": "paused"}, format="json").status_code == 404
    assert StrategyInstance.objects.get(strategy_id="theirs").status == "active"


def closed_trade(strategy, pnl, minutes, quantity="1", entry="100"):
    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    return TradeFactory(
        owner=strategy.owner,
        strategy=strategy,
        closed=True,
        profit_loss=Decimal(pnl),
        quantity=Decimal(quantity),
        entry_price=Decimal(entry),
        entry_time=now,
        exit_time=now + dt.timedelta(minutes=minutes),
    )


def test_performance_numbers(user):
    s = StrategyFactory(owner=user)
    for i, pnl in enumerate(["10", "-30", "5", "20", "-5"]):
        closed_trade(s, pnl, i)
    TradeFactory(owner=user, strategy=s)  # open trades do not count
    perf = strategy_performance_many(strategies=[s])[s.pk]
    assert perf.trades == 5 and perf.wins == 3 and perf.win_rate == Decimal("0.6")
    assert perf.total_pnl == Decimal("0") and perf.mean_pnl == Decimal("0")
    # cumulative 10, -20, -15, 5, 0 → peak 10, deepest −20 → drawdown 30
    assert perf.max_drawdown == Decimal("30")
    # returns are pnl / (100 × 1); mean 0 → ratio 0
    assert perf.risk_adjusted_ratio == Decimal("0")


def test_performance_in_fixed_queries_and_cached(user, django_assert_max_num_queries):
    strategies = StrategyFactory.create_batch(15, owner=user)
    for s in strategies:
        closed_trade(s, "1", 1)
        closed_trade(s, "3", 2)
    with django_assert_max_num_queries(1):
        first = strategy_performance_many(strategies=strategies)
    with django_assert_max_num_queries(0):
        assert strategy_performance_many(strategies=strategies) == first
    assert first[strategies[0].pk].risk_adjusted_ratio == Decimal("1.4142")  # mean .02 / sd .01414


def test_recording_a_trade_invalidates_the_cache(api, user, django_capture_on_commit_callbacks):
    s = StrategyFactory(owner=user, strategy_id="inv")
    assert api.get(f"{URL}inv/").json()["performance"]["trades"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        api.post(
            "/api/v1/trades/",
            {
                "strategy": "inv",
                "symbol": "BTCUSDT",
                "side": "LONG",
                "quantity": "1",
                "entry_price": "100",
                "exit_price": "110",
                "status": "closed",
                "entry_time": "2026-11-01T10:00:00Z",
            },
            format="json",
        )
    assert api.get(f"{URL}inv/").json()["performance"]["trades"] == 1
    assert s.trades.count() == 1


def test_list_query_count_is_fixed(user, django_assert_max_num_queries):
    for s in StrategyFactory.create_batch(20, owner=user):
        closed_trade(s, "1", 1)
    client = token_client(user)
    with django_assert_max_num_queries(4):
        assert client.get(URL).json()["count"] == 20


SELECT = URL + "select/"


@pytest.fixture
def three(user):
    return [
        StrategyFactory(owner=user, strategy_id=f"s-{t}", strategy_type=t)
        for t in ("momentum", "mean_reversion", "breakout")
    ]


@pytest.mark.parametrize(
    ("current", "allowed"),
    [
        ("10", {"s-momentum", "s-breakout"}),
        ("50", {"s-momentum", "s-breakout", "s-mean_reversion"}),
        ("85", {"s-mean_reversion"}),
    ],
)
def test_select_by_progress(api, user, three, current, allowed):
    goal = GoalFactory(owner=user, target_value=Decimal("100"), current_value=Decimal(current))
    response = api.post(SELECT, {"goal": goal.pk}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["selected_strategy"] in allowed
    assert set(body) >= {"selected_strategy", "stance", "reason", "progress_pct", "ranking"}
    assert len(body["ranking"]) == 3 and body["ranking"][0]["strategy_id"] == body["selected_strategy"]
    assert StrategySelection.objects.get().selected.strategy_id == body["selected_strategy"]


def test_ineligible_candidate_listed_and_409_when_none(api, user, three):
    goal = GoalFactory(owner=user)
    StrategyFactory(owner=user, strategy_id="old", status="retired")
    body = api.post(SELECT, {"goal": goal.pk, "candidates": ["old", "s-momentum"]}, format="json").json()
    assert body["selected_strategy"] == "s-momentum"
    old = next(r for r in body["ranking"] if r["strategy_id"] == "old")
    assert old["eligible"] is False and old["score"] is None
    response = api.post(SELECT, {"goal": goal.pk, "candidates": ["old"]}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "no_eligible_strategy"


@pytest.mark.parametrize(
    "candidates", [[], ["nope"], ["s-momentum", "s-momentum"], [f"c{i}" for i in range(101)], "s-momentum", [1]]
)
def test_bad_candidates(api, user, three, candidates):
    goal = GoalFactory(owner=user)
    response = api.post(SELECT, {"goal": goal.pk, "candidates": candidates}, format="json")
    assert response.status_code == 400 and "candidates" in response.json()["errors"]
    assert not StrategySelection.objects.exists()


def test_other_users_goal_and_strategies(api, user, other_user, three):
    response = api.post(SELECT, {"goal": GoalFactory(owner=other_user).pk}, format="json")
    assert response.status_code == 400 and "goal" in response.json()["errors"]
    StrategyFactory(owner=other_user, strategy_id="theirs")
    response = api.post(SELECT, {"goal": GoalFactory(owner=user).pk, "candidates": ["theirs"]}, format="json")
    assert response.status_code == 400


def test_select_fixed_queries(user, django_assert_max_num_queries):
    goal = GoalFactory(owner=user)
    StrategyFactory.create_batch(25, owner=user)
    client = token_client(user)
    with django_assert_max_num_queries(5):
        assert client.post(SELECT, {"goal": goal.pk}, format="json").status_code == 200


def test_selections_listed(api, user, three):
    goal = GoalFactory(owner=user)
    api.post(SELECT, {"goal": goal.pk}, format="json")
    api.post(SELECT, {"goal": GoalFactory(owner=user).pk}, format="json")
    assert api.get(URL + "selections/").json()["count"] == 2
    body = api.get(URL + "selections/", {"goal": goal.pk}).json()
    assert body["count"] == 1 and body["results"][0]["ranking"]
