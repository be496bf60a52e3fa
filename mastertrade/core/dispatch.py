"""Enqueue a Celery task after the caller's commit, and tolerate a broker outage.

The write is what matters: once it is committed, a broker that is down must not turn the
caller's request into an error. The task is then not sent (one warning in the log), and
whatever catches up periodically (the alerts tick for deliveries, escalations and
evaluations) finds the rows that are still pending and sends them."""

import logging

from celery import Task, current_app
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(task: Task | str, *args, countdown: float | None = None, **kwargs) -> None:
    """Publish `task(*args, **kwargs)` once the current transaction commits (at once
    outside one), `countdown` seconds later. `task` is a task or its registered name: by
    name, a service can enqueue a task without importing the module that defines it."""

    def publish():
        signature = current_app.signature(task) if isinstance(task, str) else task.s()
        try:
            signature.apply_async(args, kwargs, countdown=countdown, retry=False)
        except Exception:  # the broker is outside the system: the periodic catch-up sends it
            logger.warning("broker unreachable, %s%s not enqueued: left to the periodic catch-up", signature.task, args)

    transaction.on_commit(publish)
