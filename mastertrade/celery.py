"""The Celery app. Every periodic schedule is defined here, in one place."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mastertrade.settings.local")

app = Celery("mastertrade")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def setup_periodic_tasks(sender, **kwargs):
    from django.conf import settings

    # The snapshot is idempotent per period (a unique row per goal and period), so beat
    # sends it several times per period: a run missed while the broker, the database or
    # the worker was down happens at the next tick once they are back, and the extra
    # sends write nothing.
    sender.add_periodic_task(
        snapshot_tick_seconds(settings),
        sender.signature("goals.snapshot_goals"),
        name="snapshot goals (GOAL_SNAPSHOT_INTERVAL_SECONDS)",
    )
    # Beat → worker heartbeat: the "worker or beat silent" alert watches it.
    sender.add_periodic_task(
        60.0, sender.signature("observability.heartbeat"), name="heartbeat (beat and workers alive)"
    )
    # Expired API tokens no longer authenticate; the purge deletes their rows.
    sender.add_periodic_task(
        crontab(minute=17), sender.signature("tokens.purge_expired"), name="purge expired API tokens (hourly)"
    )
    if settings.BACKUP_SCHEDULE_ENABLED:
        # The local stack: the worker shares the host with PostgreSQL, so it runs
        # scripts/backup.py (pgBackRest's lock and the script's own lock keep overlapping
        # runs apart). In compose the `backup` service beside the database does this.
        hour, minute = (int(part) for part in settings.BACKUP_FULL_TIME.split(":"))
        sender.add_periodic_task(
            crontab(hour=hour, minute=minute),
            sender.signature("observability.backup", args=("full",)),
            name="full backup (daily)",
        )
        sender.add_periodic_task(
            crontab(minute=settings.BACKUP_INCR_MINUTE),
            sender.signature("observability.backup", args=("incr",)),
            name="incremental backup (hourly)",
        )
    # Alerts: heartbeat, data down, time-based goal rules, escalations due, stuck deliveries.
    sender.add_periodic_task(
        float(settings.ALERTS_TICK_SECONDS), sender.signature("alerts.tick"), name="alerts tick (ALERTS_TICK_SECONDS)"
    )


def snapshot_tick_seconds(settings) -> float:
    return max(1.0, settings.GOAL_SNAPSHOT_INTERVAL_SECONDS / settings.GOAL_SNAPSHOT_CHECKS_PER_PERIOD)
