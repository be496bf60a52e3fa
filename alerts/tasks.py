"""Thin, idempotent alert tasks. Evaluation and delivery happen here, in the worker,
after the commit that triggered them."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .services import delivery, evaluation, notifications

DB_DOWN = (OperationalError, InterfaceError)
RETRY = {"autoretry_for": DB_DOWN, "retry_backoff": True, "retry_backoff_max": 60, "max_retries": 10, "acks_late": True}


@shared_task(name="alerts.deliver", **RETRY)
def deliver(delivery_id: int) -> None:
    """One attempt; schedules the next one (backoff, Retry-After) when it should retry.
    A delivery already sent sends nothing, so a redelivered message is harmless."""
    delay = delivery.delivery_attempt(delivery_id=delivery_id)
    if delay is not None:
        deliver.apply_async((delivery_id,), countdown=delay)


@shared_task(name="alerts.escalate", **RETRY)
def escalate(notification_id: int, level: int) -> bool:
    return notifications.notification_escalate(notification_id=notification_id, level=level)


@shared_task(name="alerts.evaluate_goal", **RETRY)
def evaluate_goal(goal_id: int) -> int:
    return evaluation.goal_evaluate(goal_id=goal_id)


@shared_task(name="alerts.evaluate_strategy", **RETRY)
def evaluate_strategy(strategy_pk: int) -> int:
    return evaluation.strategy_evaluate(strategy_pk=strategy_pk)


@shared_task(name="alerts.tick", **RETRY)
def tick() -> dict:
    return evaluation.tick()
