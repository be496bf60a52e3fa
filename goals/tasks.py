from celery import shared_task

from . import services


@shared_task(name="goals.snapshot_goals", acks_late=True)
def snapshot_goals() -> int:
    """Snapshot every active goal for the current period (idempotent per period)."""
    return services.goals_snapshot()
