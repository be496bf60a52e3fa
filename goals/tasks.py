import time

from celery import shared_task
from django.db import InterfaceError, OperationalError

from observability import metrics

from . import services


@shared_task(
    name="goals.snapshot_goals",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=10,
)
def snapshot_goals() -> int:
    """Snapshot every active goal for the current period (idempotent per period)."""
    started = time.monotonic()
    try:
        rows = services.goals_snapshot()
    except Exception:
        metrics.record_snapshot_run(rows=0, seconds=time.monotonic() - started, ok=False)
        raise
    metrics.record_snapshot_run(rows=rows, seconds=time.monotonic() - started, ok=True)
    return rows
