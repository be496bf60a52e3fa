"""Reads of the alerts app. Access is checked here once: someone else's object is a 404."""

import datetime as dt
from collections import defaultdict

from django.db.models import Max, Prefetch, QuerySet
from django.http import Http404

from .models import Channel, Delivery, DeliveryAttempt, EscalationStep, Notification, Rule


def _get(qs: QuerySet, pk, what: str):
    try:
        return qs.get(pk=int(pk))
    except (qs.model.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Http404(f"No such {what}.") from None


def channel_list_for_user(*, user) -> QuerySet[Channel]:
    return Channel.objects.filter(owner=user).order_by("name", "id")


def channel_get_for_user(*, user, channel_id) -> Channel:
    return _get(channel_list_for_user(user=user), channel_id, "channel")


def rule_list_for_user(*, user) -> QuerySet[Rule]:
    return (
        Rule.objects.filter(owner=user)
        .select_related("goal")
        .prefetch_related("channels", Prefetch("escalation", EscalationStep.objects.select_related("channel")))
        .order_by("name", "id")
    )


def rule_get_for_user(*, user, rule_id) -> Rule:
    return _get(rule_list_for_user(user=user), rule_id, "rule")


def notification_list_for_user(*, user, state: str | None = None) -> QuerySet[Notification]:
    qs = Notification.objects.filter(owner=user).select_related("rule").order_by("-fired_at", "-id")
    return qs.filter(state=state) if state else qs


def notification_get_for_user(*, user, notification_id) -> Notification:
    return _get(notification_list_for_user(user=user), notification_id, "notification")


def delivery_list_for_user(*, user) -> QuerySet[Delivery]:
    return (
        Delivery.objects.filter(owner=user)
        .select_related("channel", "notification")
        .prefetch_related(Prefetch("attempt_log", DeliveryAttempt.objects.order_by("at", "id")))
        .order_by("-created_at", "-id")
    )


def losing_streak(*, strategy_pk: int, window: int = 50) -> int:
    """Closed losing trades in a row, most recent first."""
    from trades.models import Trade

    streak = 0
    pnl = (
        Trade.objects.filter(strategy_id=strategy_pk, status="closed")
        .order_by("-exit_time", "-id")
        .values_list("profit_loss", flat=True)[:window]
    )
    for value in pnl:
        if value is None or value >= 0:
            break
        streak += 1
    return streak


def goals_without_recent_snapshot(*, owner_ids, older_than: dt.datetime) -> dict[int, list]:
    """Active goals (of these owners, created before `older_than`) whose newest snapshot
    is older than `older_than`, by owner."""
    from goals.models import FinancialGoal

    goals = (
        FinancialGoal.objects.filter(owner_id__in=owner_ids, state="active", created_at__lt=older_than)
        .annotate(last=Max("snapshots__snapshot_at"))
        .only("pk", "name", "owner_id")
    )
    by_owner = defaultdict(list)
    for goal in goals:
        if goal.last is None or goal.last < older_than:
            by_owner[goal.owner_id].append(goal)
    return by_owner
