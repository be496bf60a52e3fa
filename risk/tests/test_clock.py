"""One clock (issue 25): the API and the simulator count the same trading days, from the
calendar the goal names; the deadline day is a trading day still open."""

import datetime as dt
from decimal import Decimal as D

import pytest

from goals.models import FinancialGoal
from mastertrade.core import clock
from risk import estimates, policies, simulation
from risk.services import position_size_decide

pytestmark = pytest.mark.django_db

GOALS = "/api/v1/goals/"


def create(api, oncommit, **body):
    with oncommit(execute=True):  # the chance of reaching the goal is computed after commit
        response = api.post(
            GOALS, {"name": "g", "goal_type": "monthly_return", "capital_base": "100000"} | body, format="json"
        )
    assert response.status_code == 201, response.json()
    return FinancialGoal.objects.get(pk=response.json()["id"])


@pytest.mark.parametrize(("days_gone", "current"), [(0, "0"), (10, "4"), (20, "6")])
def test_the_apis_chance_of_reaching_the_goal_is_the_simulators(
    api, django_capture_on_commit_callbacks, days_gone, current
):
    """A 24/7 goal of +10 % whose period is 21 trading days (the deadline day counts), seen
    `days_gone` days in (20: on the deadline date, one trading day left) against the
    simulator's goal of 21 days with as many gone. Both are Monte Carlo runs of the same
    paths (same seed and count), so they differ only if the two count days differently
    (one day more or less moves the figure by about a point); the tolerance covers the
    last-bit float differences of two computations, nothing more."""
    today = clock.today()
    goal = create(
        api,
        django_capture_on_commit_callbacks,
        target_value="10",
        current_value=current,
        start_date=str(today - dt.timedelta(days=days_gone)),
        target_date=str(today + dt.timedelta(days=20 - days_gone)),
        calendar="24/7",
    )
    spec = simulation.GoalSpec(
        goal_type="monthly_return",
        target_return=0.10,
        days=21,
        start_day=days_gone,
        start_ratio=1 + float(current) / 100,
    )
    prior = estimates.estimate([])  # no trades yet: the prior, as the API's goal
    expected = estimates.reach_probability(est=prior, goal=spec, settings=policies.SizingSettings())
    assert goal.status() != "missed"
    assert abs(float(goal.reach_probability) - expected) <= 0.0005  # 4 decimals stored


def test_on_the_deadline_date_the_goal_is_open_and_missed_only_the_day_after(
    api, user, django_capture_on_commit_callbacks
):
    today = clock.today()
    goal = create(
        api,
        django_capture_on_commit_callbacks,
        target_value="10",
        current_value="3",
        start_date=str(today - dt.timedelta(days=20)),
        target_date=str(today),
        calendar="24/7",
    )
    now = clock.now()
    on_the_day = position_size_decide(goal=goal, base_position_size=D("100"), now=now)
    assert goal.status(today) == "behind" and on_the_day.expected_pct == D("95.24")  # 20 of 21 days over
    assert on_the_day.adjustment_factor > goal.min_factor and "deadline" not in on_the_day.reason
    assert "1 trading day(s) left" in on_the_day.reason and "missed" not in on_the_day.reason
    after = position_size_decide(goal=goal, base_position_size=D("100"), now=now + dt.timedelta(days=1))
    assert goal.status(today + dt.timedelta(days=1)) == "missed" and after.expected_pct == 100
    assert after.adjustment_factor == goal.min_factor and "missed (the deadline has passed)" in after.reason


def test_the_period_follows_the_goals_calendar(api, django_capture_on_commit_callbacks):
    """Monday 2 March 2026 to Friday 27 March: 20 weekdays, and 26 days on a 24/7 calendar."""
    dates = {"start_date": "2026-03-02", "target_date": "2026-03-27", "target_value": "10"}
    from risk.inputs import goal_trading_days

    weekdays = create(api, django_capture_on_commit_callbacks, calendar="weekdays", **dates)
    crypto = create(api, django_capture_on_commit_callbacks, calendar="24/7", **dates)
    assert goal_trading_days(weekdays) == 20 and goal_trading_days(crypto) == 26


@pytest.mark.parametrize("calendar", ["MOON", "xnys", "XNAS", "", 7])
def test_an_unknown_calendar_is_a_400_naming_the_field_and_writes_nothing(api, calendar):
    body = {"name": "g", "goal_type": "monthly_income", "target_value": "10", "calendar": calendar}
    response = api.post(GOALS, body, format="json")
    assert response.status_code == 400 and "calendar" in response.json()["errors"]
    assert not FinancialGoal.objects.exists()


def test_a_new_goal_counts_weekdays_unless_it_names_a_calendar(api, django_capture_on_commit_callbacks):
    goal = create(api, django_capture_on_commit_callbacks, target_value="10")
    assert goal.calendar == "weekdays"
