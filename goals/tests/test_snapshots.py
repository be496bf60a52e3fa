import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from goals import progress
from goals.factories import GoalFactory
from goals.models import GoalProgressSnapshot
from goals.services import calendar_holidays_store, goals_snapshot, snapshot_period_start

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 15, 10, 30, tzinfo=dt.UTC)


def test_one_periodic_row_per_active_goal():
    active = GoalFactory.create_batch(3)
    GoalFactory(state="paused")
    GoalFactory(state="archived")
    assert goals_snapshot(now=NOW) == 3
    rows = GoalProgressSnapshot.objects.filter(source="periodic")
    assert sorted(r.goal_id for r in rows) == sorted(g.pk for g in active)
    assert {r.period_start for r in rows} == {snapshot_period_start(NOW)}


def test_twice_in_one_period_adds_nothing_next_period_adds_again():
    GoalFactory.create_batch(2)
    assert goals_snapshot(now=NOW) == 2
    assert goals_snapshot(now=NOW + dt.timedelta(minutes=20)) == 0
    assert goals_snapshot(now=NOW + dt.timedelta(hours=1)) == 2
    assert GoalProgressSnapshot.objects.count() == 4


def test_query_count_does_not_grow_with_goals(django_assert_max_num_queries):
    # One INSERT … SELECT (plus the savepoint pair of the atomic block inside the test transaction).
    GoalFactory.create_batch(5)
    with django_assert_max_num_queries(3):
        goals_snapshot(now=NOW)
    GoalFactory.create_batch(50)
    with django_assert_max_num_queries(3):
        goals_snapshot(now=NOW + dt.timedelta(hours=1))


@pytest.mark.parametrize("calendar", ["24/7", "weekdays", "XNYS"])
def test_sql_status_matches_python_status(calendar):
    """The set-based snapshot computes status in SQL from the same thresholds and the same
    trading days (the goal's calendar; the deadline day is still open)."""
    calendar_holidays_store(calendar)
    start = NOW.date() - dt.timedelta(days=20)
    goals = []
    for current in ("0", "5", "30", "45", "60", "66.66", "99.99", "100", "120", "-3"):
        for deadline_days in (None, 1, 10, 19, 20, 21, 30, 60, 200):
            deadline = None if deadline_days is None else start + dt.timedelta(days=deadline_days)
            goals.append(
                GoalFactory(
                    current_value=Decimal(current),
                    target_value=Decimal("100"),
                    start_date=start,
                    target_date=deadline,
                    calendar=calendar,
                )
            )
    goals_snapshot(now=NOW)
    for goal in goals:
        row = GoalProgressSnapshot.objects.get(goal=goal, source="periodic")
        assert row.progress_pct == goal.progress_pct()
        assert row.status == goal.status(NOW.date()), (goal.current_value, goal.target_date)


def test_management_command(capsys):
    GoalFactory()
    call_command("snapshot_goals")
    assert "1 snapshot(s) written." in capsys.readouterr().out


def test_period_start_floors_to_interval():
    assert snapshot_period_start(NOW, 3600) == dt.datetime(2026, 11, 15, 10, 0, tzinfo=dt.UTC)
    assert snapshot_period_start(NOW, 86400) == dt.datetime(2026, 11, 15, tzinfo=dt.UTC)
    assert progress.ACHIEVED_PCT == 100


def test_snapshot_only_some_goals():
    a, b = GoalFactory(), GoalFactory()
    assert goals_snapshot(now=NOW, goal_ids=[a.pk]) == 1
    assert goals_snapshot(now=NOW) == 1  # b only: a already has this period's row
    assert {r.goal_id for r in GoalProgressSnapshot.objects.all()} == {a.pk, b.pk}
