"""POST /api/v1/risk/simulate/ and the estimates refreshed by trades."""

import datetime as dt
from decimal import Decimal as D

import pytest

from goals.factories import GoalFactory
from goals.models import FinancialGoal
from mastertrade.core import clock

pytestmark = pytest.mark.django_db
URL = "/api/v1/risk/simulate/"


def deadline_goal(user, **extra):
    return GoalFactory(
        owner=user,
        goal_type="monthly_return",
        target_value=D("10"),
        capital_base=D("100000"),
        start_date=clock.today() - dt.timedelta(days=10),
        target_date=clock.today() + dt.timedelta(days=20),
        **extra,
    )


def test_simulate_answers_every_policy_for_the_goal_from_where_it_stands(api, user):
    goal = deadline_goal(user, current_value=D("4"), peak_value=D("4"))
    response = api.post(URL, {"goal": goal.pk, "mu": 0.4, "sigma": 0.4, "paths": 2000}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["days_left"] == 21 and body["paths"] == 2000 and body["source"] == "model"
    for key in ("p_reach", "p_drawdown_beyond_limit", "expected_shortfall_pct", "p_below_minus_10"):
        assert set(body[key]) == {"constant", "default", "optimal"}
    assert all(0 <= p <= 1 for p in body["p_reach"].values())
    assert body["p_reach"]["optimal"] >= body["p_reach"]["constant"]


@pytest.mark.parametrize(
    ("extra", "field"),
    [({"paths": 50000}, "paths"), ({"sigma": 0}, "sigma"), ({"source": "dice"}, "source"), ({"mu": "x"}, "mu")],
)
def test_bad_input_is_a_400_per_field(api, user, extra, field):
    goal = deadline_goal(user)
    response = api.post(URL, {"goal": goal.pk} | extra, format="json")
    assert response.status_code == 400 and field in response.json()["errors"]


def test_someone_elses_goal_is_404_and_unsimulable_goals_409(api, user, other_user):
    theirs = deadline_goal(other_user)
    assert api.post(URL, {"goal": theirs.pk}, format="json").status_code in (400, 404)
    no_deadline = GoalFactory(owner=user, target_date=None)
    assert api.post(URL, {"goal": no_deadline.pk}, format="json").status_code == 409
    assert api.post(URL, {"goal": deadline_goal(user).pk, "source": "my_trades"}, format="json").status_code == 409


def test_closed_trades_refresh_the_estimates_and_feed_my_trades(api, user, django_capture_on_commit_callbacks):
    goal = deadline_goal(user)
    for i in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(
                "/api/v1/trades/",
                {
                    "goal": goal.pk,
                    "symbol": "BTCUSDT",
                    "side": "LONG",
                    "quantity": "1",
                    "entry_price": "100",
                    "exit_price": "101",
                    "profit_loss": "500",
                    "entry_time": "2026-11-01T10:00:00Z",
                    "status": "closed",
                    "external_id": f"t{i}",
                },
                format="json",
            )
        assert response.status_code == 201, response.json()
    goal = FinancialGoal.objects.get(pk=goal.pk)
    assert goal.reach_source == "trades" and goal.reach_trades == 5 and goal.reach_mu > 0
    assert goal.reach_probability is not None
    response = api.post(URL, {"goal": goal.pk, "source": "my_trades", "paths": 500}, format="json")
    assert response.status_code == 200 and response.json()["source"] == "my_trades"
