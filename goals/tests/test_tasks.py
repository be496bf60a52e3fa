"""The snapshot task through a real worker and the real broker, as beat sends it."""

import pytest

from goals.factories import GoalFactory
from goals.models import GoalProgressSnapshot
from goals.tasks import snapshot_goals
from mastertrade.celery import app, snapshot_tick_seconds
from mastertrade.testing import wait_for


@pytest.mark.django_db(transaction=True)
def test_worker_writes_periodic_snapshots_once_per_period(celery_worker_process):
    active = GoalFactory.create_batch(3)
    GoalFactory(state="paused")
    app.send_task("goals.snapshot_goals")  # exactly what beat sends
    assert wait_for(lambda: GoalProgressSnapshot.objects.filter(source="periodic").count() == 3)
    snapshot_goals.delay()
    snapshot_goals.delay()
    # Completion is observed, not slept on: a goal created after those sends gets its row
    # from one of them or from the next send, and the solo worker runs them in order.
    marker = GoalFactory()
    snapshot_goals.delay()
    assert wait_for(lambda: GoalProgressSnapshot.objects.filter(goal=marker, source="periodic").exists())
    active.append(marker)
    # Once per goal and period: the period may turn during the test (the later sends
    # then write a new period's rows), so rows are compared per period.
    rows = list(GoalProgressSnapshot.objects.values_list("period_start", "goal_id"))
    assert len(rows) == len(set(rows))
    assert {goal for _, goal in rows} == {g.pk for g in active}


def test_beat_schedule_follows_the_interval_setting(settings):
    app.loader.import_default_modules()
    entry = app.conf.beat_schedule["snapshot goals (GOAL_SNAPSHOT_INTERVAL_SECONDS)"]
    assert entry["task"] == "goals.snapshot_goals"
    assert (
        float(entry["schedule"]) == settings.GOAL_SNAPSHOT_INTERVAL_SECONDS / settings.GOAL_SNAPSHOT_CHECKS_PER_PERIOD
    )
    settings.GOAL_SNAPSHOT_INTERVAL_SECONDS = 60
    assert snapshot_tick_seconds(settings) == 10
