"""Sizing that reaches goals, through the API: pace, the deadline, the peak reset, the
chance of reaching the goal, replayable decisions, query counts."""

import datetime as dt
import random
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from goals.factories import GoalFactory
from goals.models import FinancialGoal, PeakReset
from mastertrade.core import clock
from mastertrade.factories import token_client
from risk import policies, services
from risk.inputs import inputs_from_record, inputs_record, sizing_inputs
from risk.models import GoalAdjustment

pytestmark = pytest.mark.django_db

SIZE = "/api/v1/risk/position-size/"


def size(api, goal, base="1000"):
    response = api.post(SIZE, {"goal": goal.pk, "base_position_size": base}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def create(api, oncommit, **body):
    with oncommit(execute=True):
        response = api.post("/api/v1/goals/", body, format="json")
    assert response.status_code == 201, response.json()
    return FinancialGoal.objects.get(pk=response.json()["id"])


def test_goal_started_in_the_past_is_sized_by_pace(api, django_capture_on_commit_callbacks):
    """Same progress, more time gone: the goal behind pace is sized up more, and the reason says so."""
    today = clock.today()
    fresh = create(
        api,
        django_capture_on_commit_callbacks,
        name="fresh",
        goal_type="monthly_return",
        target_value="10",
        current_value="3",
        capital_base="100000",
        start_date=str(today),
        target_date=str(today + dt.timedelta(days=30)),
        calendar="24/7",
    )
    late = create(
        api,
        django_capture_on_commit_callbacks,
        name="late",
        goal_type="monthly_return",
        target_value="10",
        current_value="3",
        capital_base="100000",
        start_date=str(today - dt.timedelta(days=24)),
        target_date=str(today + dt.timedelta(days=6)),
        calendar="24/7",
    )
    a, b = size(api, fresh), size(api, late)
    assert D(b["adjustment_factor"]) > 1 and D(b["adjustment_factor"]) >= D(a["adjustment_factor"])
    assert "behind" in b["reason"] and "77.42% expected" in b["reason"]  # 24 of 31 days


@pytest.mark.parametrize("current", ["0", "30", "70", "95"])
def test_a_missed_goal_is_never_sized_up(api, user, current):
    today = clock.today()
    goal = GoalFactory(
        owner=user,
        target_value=D("1000"),
        current_value=D(current),
        start_date=today - dt.timedelta(days=40),
        target_date=today - dt.timedelta(days=10),
    )
    body = size(api, goal)
    assert D(body["adjustment_factor"]) <= 1 and "sizing up" not in body["reason"]


def test_reset_peak_unhalts_a_goal_halted_by_a_mistyped_value(api, user, django_capture_on_commit_callbacks):
    goal = create(
        api,
        django_capture_on_commit_callbacks,
        name="value",
        goal_type="portfolio_value",
        target_value="110000",
        current_value="100000",
        target_date=str(clock.today() + dt.timedelta(days=30)),
    )
    for typed in ("1000000", "100000"):  # one zero too many, then the right value
        with django_capture_on_commit_callbacks(execute=True):
            assert (
                api.post(f"/api/v1/goals/{goal.pk}/progress/", {"current_value": typed}, format="json").status_code
                == 200
            )
    assert size(api, goal)["stance"] == "halted"
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/v1/goals/{goal.pk}/reset-peak/", {"reason": "typed one zero too many"}, format="json"
        )
    assert response.status_code == 200 and D(response.json()["peak_value"]) == D("100000")
    body = size(api, goal)
    assert body["stance"] != "halted" and D(body["adjustment_factor"]) >= 1
    log = PeakReset.objects.get(goal=goal)
    assert log.old_peak == D("1000000") and log.new_peak == D("100000") and log.by == user


def test_reset_peak_needs_a_reason_and_your_own_goal(api, other_user):
    theirs = GoalFactory(owner=other_user)
    assert api.post(f"/api/v1/goals/{theirs.pk}/reset-peak/", {"reason": "x"}, format="json").status_code == 404
    mine = GoalFactory(owner=api.handler._force_user)
    response = api.post(f"/api/v1/goals/{mine.pk}/reset-peak/", {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    assert not PeakReset.objects.exists()


def test_reach_probability_rises_as_progress_rises(api, django_capture_on_commit_callbacks):
    goal = create(
        api,
        django_capture_on_commit_callbacks,
        name="r",
        goal_type="monthly_return",
        target_value="10",
        capital_base="100000",
        target_date=str(clock.today() + dt.timedelta(days=30)),
    )
    seen = []
    for value in ("0", "3", "6", "9"):
        with django_capture_on_commit_callbacks(execute=True):
            body = api.post(f"/api/v1/goals/{goal.pk}/progress/", {"current_value": value}, format="json").json()
        seen.append(D(body["reach_probability"]))
        assert body["reach_source"] == "prior" and body["reach_trades"] == 0 and body["reach_sigma"] == "0.4000"
    assert seen == sorted(seen) and seen[0] < seen[-1] and all(0 <= p <= 1 for p in seen)


def test_sizing_costs_at_most_three_queries_with_the_optimal_policy(user):
    client = token_client(user)
    goal = GoalFactory(owner=user, goal_type="monthly_return", target_value=D("10"), sizing_policy="optimal")
    for _ in range(2):  # the first request may build the DP table; neither may query more
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(SIZE, {"goal": goal.pk, "base_position_size": "100"}, format="json")
        assert response.status_code == 200 and len(ctx.captured_queries) <= 3, ctx.captured_queries
    row = GoalAdjustment.objects.filter(goal=goal).first()
    assert row.policy == "optimal" and row.policy_version and row.mu is not None


def test_goal_reads_cost_no_extra_query_for_the_reach_probability(api, user):
    GoalFactory.create_batch(3, owner=user)
    goal = GoalFactory(owner=user)
    with CaptureQueriesContext(connection) as one:
        assert api.get(f"/api/v1/goals/{goal.pk}/").status_code == 200
    with CaptureQueriesContext(connection) as many:
        assert api.get("/api/v1/goals/").status_code == 200
    assert len(one.captured_queries) == 1 and len(many.captured_queries) == 2


def test_a_thousand_random_logged_decisions_replay_to_identical_factors(user, monkeypatch):
    rng = random.Random(16)
    today = clock.today()
    goals = [
        GoalFactory(
            owner=user,
            goal_type=rng.choice(["monthly_return", "monthly_income", "portfolio_value"]),
            target_value=D("110000") if i % 3 == 2 else D(rng.choice(["5", "10", "1000"])),
            capital_base=D("100000"),
            start_value=D("100000"),
            start_date=today - dt.timedelta(days=rng.randint(0, 40)),
            target_date=today + dt.timedelta(days=rng.randint(1, 30)),
            sizing_policy=rng.choice(["default", "optimal"]),
            on_achieved=rng.choice(["pause", "reduce"]),
            min_factor=D(rng.choice(["0.3", "0.5", "0.8"])),
            max_factor=D(rng.choice(["1.1", "1.3", "2.0"])),
            reach_mu=D(rng.choice(["-0.2", "0", "0.3"])),
            reach_sigma=D(rng.choice(["0.2", "0.4", "0.8"])),
        )
        for i in range(12)
    ]
    for _ in range(1000):
        goal = rng.choice(goals)
        value = D(rng.uniform(-2, 1.2)) * (
            goal.target_value - (goal.start_value if goal.goal_type == "portfolio_value" else 0)
        )
        goal.current_value = (value + (goal.start_value if goal.goal_type == "portfolio_value" else 0)).quantize(
            D("0.0001")
        )
        goal.peak_value = max(goal.current_value, goal.current_value + D(rng.uniform(0, 0.3)) * 100000).quantize(
            D("0.0001")
        )
        services.position_size_decide(goal=goal, base_position_size=D("100"))
    # Settings change afterwards: replay must not depend on them.
    FinancialGoal.objects.update(min_factor=D("0.9"), max_factor=D("1.0"), sizing_policy="default")
    rows = list(GoalAdjustment.objects.all())
    assert len(rows) == 1000
    for row in rows:  # the process now remembers an answer for every row's inputs...
        policies.decide(inputs_from_record(row))
    computed = []
    real = policies.factors
    monkeypatch.setattr(policies, "factors", lambda inputs: computed.append(inputs) or real(inputs))
    for row in rows:
        replay = services.adjustment_replay(row)
        assert (replay.factor, replay.stance) == (row.adjustment_factor, row.stance)
    assert len(computed) == len(rows)  # ...and the replay computed each one all the same


def test_the_audit_row_records_every_input_of_the_decision(user):
    """The row's fields are the request, the decision, and the inputs' record: nothing
    else, nothing twice, so a new input cannot be left out of the audit log."""
    goal = GoalFactory(owner=user)
    recorded = set(inputs_record(sizing_inputs(goal=goal, now=clock.now())))
    request = {"id", "owner", "goal", "base_position_size", "portfolio_value", "symbol", "created_at"}
    decision = {"adjustment_factor", "adjusted_size", "stance", "reason"}
    assert not recorded & (request | decision)
    assert recorded | request | decision == {f.name for f in GoalAdjustment._meta.fields}


def test_a_decision_of_another_policy_version_is_not_replayed(user):
    goal = GoalFactory(owner=user)
    row = services.position_size_decide(goal=goal, base_position_size=D("100"))
    assert services.adjustment_replay(row).factor == row.adjustment_factor
    GoalAdjustment.objects.filter(pk=row.pk).update(policy_version="2")
    row.refresh_from_db()
    with pytest.raises(ValueError, match="cannot replay"):
        services.adjustment_replay(row)
