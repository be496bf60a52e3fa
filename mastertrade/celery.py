"""The Celery app. Every periodic schedule is defined here, in one place."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mastertrade.settings.local")

app = Celery("mastertrade")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def setup_periodic_tasks(sender, **kwargs):
    from django.conf import settings

    sender.add_periodic_task(
        float(settings.GOAL_SNAPSHOT_INTERVAL_SECONDS),
        sender.signature("goals.snapshot_goals"),
        name="snapshot goals every GOAL_SNAPSHOT_INTERVAL_SECONDS",
    )
