"""The goals' admin, without a browser: the list's progress, status and days left, the add and
change forms through the services, the goal page (chart, pace, audit trail) and its actions."""

import datetime as dt
from decimal import Decimal

import pytest

from goals.admin.display import status_reason
from goals.factories import GoalFactory, SnapshotFactory
from goals.models import FinancialGoal, GoalProgressSnapshot
from mastertrade.core import clock
from mastertrade.testing import admin_action
from risk.factories import AdjustmentFactory
from strategies.factories import StrategyFactory, selection_for
from trades.factories import TradeFactory

pytestmark = pytest.mark.django_db

GOALS = "/admin/goals/financialgoal/"


def test_goal_list_shows_progress_bar_status_and_days_left(admin_client):
    today = clock.today()
    goal = GoalFactory(
        name="Rent money",
        target_value=Decimal("1000"),
        current_value=Decimal("400"),
        start_date=today - dt.timedelta(days=10),
        target_date=today + dt.timedelta(days=20),
    )
    html = admin_client.get(GOALS).content.decode()
    assert "Rent money" in html and goal.owner.username in html
    assert 'class="mt-progress"' in html and 'data-pct="40.00"' in html and "width: 40.00%" in html
    assert "mt-status--on_track" in html and "On track" in html
    assert "20 days" in html
    assert "progress 40.00% vs 32.26% expected by now (on track: within 10 points)" in html
    assert "/static/admin_mt/admin.css" in html


def test_status_reason_names_the_numbers_and_thresholds():
    today = dt.date(2026, 1, 11)
    start, deadline = dt.date(2026, 1, 1), dt.date(2026, 1, 31)

    def goal(current, **kw):
        return FinancialGoal(
            target_value=Decimal("100"),
            current_value=Decimal(current),
            start_date=start,
            target_date=kw.get("target_date", deadline),
            calendar="24/7",
        )

    assert status_reason(goal("40"), today) == "progress 40.00% vs 32.26% expected by now (on track: within 10 points)"
    assert status_reason(goal("20"), today) == (
        "progress 20.00% vs 32.26% expected by now (at risk: 12.26 points behind, within 25)"
    )
    assert status_reason(goal("5"), today) == (
        "progress 5.00% vs 32.26% expected by now (behind: 27.26 points behind, more than 25)"
    )
    assert "reached the target" in status_reason(goal("100"), today)
    assert "no deadline" in status_reason(goal("5", target_date=None), today)
    assert "passed" in status_reason(goal("5"), dt.date(2026, 2, 2))


def test_status_filter_matches_the_derived_status(admin_client):
    today = clock.today()
    past = today - dt.timedelta(days=40)
    cases = {
        "achieved": GoalFactory(current_value=Decimal("1000")),
        "missed": GoalFactory(current_value=Decimal("100"), start_date=past, target_date=today - dt.timedelta(days=1)),
        "no_deadline": GoalFactory(current_value=Decimal("0"), target_date=None),
        "on_track": GoalFactory(
            current_value=Decimal("300"), start_date=today - dt.timedelta(days=10), target_date=today + dt.timedelta(20)
        ),
        "at_risk": GoalFactory(
            current_value=Decimal("150"), start_date=today - dt.timedelta(days=10), target_date=today + dt.timedelta(20)
        ),
        "behind": GoalFactory(
            current_value=Decimal("10"), start_date=today - dt.timedelta(days=10), target_date=today + dt.timedelta(20)
        ),
        "edge": GoalFactory(  # exactly expected − 10 points: on track
            current_value=Decimal("222.6"), start_date=today - dt.timedelta(10), target_date=today + dt.timedelta(20)
        ),
    }
    expected_status = {name: goal.status() for name, goal in cases.items()}
    assert expected_status["achieved"] == "achieved" and expected_status["missed"] == "missed"
    assert expected_status["at_risk"] == "at_risk" and expected_status["behind"] == "behind"
    for status, _label in (("on_track", ""), ("at_risk", ""), ("behind", ""), ("achieved", ""), ("missed", "")):
        response = admin_client.get(f"{GOALS}?status={status}")
        shown = {g.pk for g in response.context["cl"].result_list}
        assert shown == {goal.pk for name, goal in cases.items() if expected_status[name] == status}, status


def test_add_goal_through_the_admin_form_uses_the_service(admin_client, admin_user):
    deadline = clock.today() + dt.timedelta(days=30)
    response = admin_client.post(
        f"{GOALS}add/",
        {
            "owner": admin_user.pk,
            "name": "Income",
            "goal_type": "monthly_income",
            "target_value": "1000",
            "current_value": "250",
            "start_date": clock.today().isoformat(),
            "target_date": deadline.isoformat(),
            "state": "active",
            "max_drawdown_pct": "15",
            "min_factor": "0.5",
            "max_factor": "1.3",
            "on_achieved": "reduce",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    goal = FinancialGoal.objects.get(name="Income")
    assert goal.owner == admin_user and goal.peak_value == Decimal("250")  # goal_create sets the peak


def test_invalid_target_shows_a_clear_error_and_writes_nothing(admin_client, admin_user):
    response = admin_client.post(
        f"{GOALS}add/",
        {
            "owner": admin_user.pk,
            "name": "Bad",
            "goal_type": "monthly_income",
            "target_value": "0",
            "current_value": "0",
            "start_date": "2026-01-10",
            "target_date": "2026-01-01",
            "state": "active",
            "max_drawdown_pct": "15",
            "min_factor": "0.5",
            "max_factor": "1.3",
            "on_achieved": "reduce",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["target_value"] == ["Must be greater than zero."]
    assert errors["target_date"] == ["Must be after the start date."]
    assert not FinancialGoal.objects.exists()


def test_change_goal_and_record_progress(admin_client):
    goal = GoalFactory(target_value=Decimal("1000"), current_value=Decimal("100"))
    url = f"{GOALS}{goal.pk}/change/"
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(name="Renamed", record_progress="400")
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    goal.refresh_from_db()
    assert goal.name == "Renamed" and goal.current_value == Decimal("400") and goal.peak_value == Decimal("400")
    snapshot = GoalProgressSnapshot.objects.get(goal=goal)
    assert snapshot.source == "update" and snapshot.progress_pct == Decimal("40")


def test_goal_detail_shows_chart_pace_and_the_audit_trail(admin_client):
    today = clock.today()
    goal = GoalFactory(start_date=today - dt.timedelta(days=5), target_date=today + dt.timedelta(days=25))
    SnapshotFactory(goal=goal, current_value=Decimal("100"), progress_pct=Decimal("10"))
    SnapshotFactory(goal=goal, current_value=Decimal("250"), progress_pct=Decimal("25"))
    strategy = StrategyFactory(owner=goal.owner, strategy_id="breakout-1")
    TradeFactory(owner=goal.owner, goal=goal, strategy=strategy, closed=True, symbol="ETHUSDT")
    AdjustmentFactory(goal=goal, reason="Behind the goal: size up.")
    selection_for(goal, strategy)
    html = admin_client.get(f"{GOALS}{goal.pk}/change/").content.decode()
    assert 'data-points="2"' in html
    assert 'data-pct="10.00"' in html and 'data-pct="25.00"' in html
    assert 'class="mt-chart__pace"' in html
    for text in (
        "Linked trades",
        "ETHUSDT",
        "Latest sizing decisions",
        "Behind the goal: size up.",
        "Latest strategy selections",
        "breakout-1",
    ):
        assert text in html
    assert "Pause" in html and "Snapshot now" in html and "Resume" not in html


def test_goal_without_deadline_has_no_pace_line(admin_client):
    goal = GoalFactory(target_date=None)
    html = admin_client.get(f"{GOALS}{goal.pk}/change/").content.decode()
    assert 'class="mt-chart__pace"' not in html and "No history yet" in html


def test_goal_actions_pause_resume_archive_and_snapshot(admin_client):
    active, paused = GoalFactory(), GoalFactory(state="paused")
    response = admin_action(admin_client, GOALS, "snapshot_goals", [active, paused])
    text = response.content.decode()
    assert "Wrote 1 periodic snapshot." in text and "1 goal not snapshotted" in text
    assert GoalProgressSnapshot.objects.filter(goal=active, source="periodic").count() == 1
    admin_action(admin_client, GOALS, "snapshot_goals", [active])  # same period: nothing more
    assert GoalProgressSnapshot.objects.filter(goal=active, source="periodic").count() == 1

    response = admin_action(admin_client, GOALS, "pause_goals", [active, paused])
    assert "Paused 1 goal." in response.content.decode() and "Skipped 1 goal" in response.content.decode()
    active.refresh_from_db()
    assert active.state == "paused"
    admin_action(admin_client, GOALS, "resume_goals", [active, paused])
    assert set(FinancialGoal.objects.values_list("state", flat=True)) == {"active"}
    admin_action(admin_client, GOALS, "archive_goals", [active])
    active.refresh_from_db()
    assert active.state == "archived"


def test_goal_page_buttons_run_the_actions(admin_client):
    goal = GoalFactory()
    run = f"{GOALS}{goal.pk}/run/"
    assert admin_client.get(f"{run}pause/").status_code == 405
    response = admin_client.post(f"{run}snapshot/", follow=True)
    assert "Wrote 1 periodic snapshot." in response.content.decode()
    response = admin_client.post(f"{run}pause/", follow=True)
    goal.refresh_from_db()
    assert goal.state == "paused" and "Paused 1 goal." in response.content.decode()
    assert admin_client.post(f"{run}explode/").status_code == 403
