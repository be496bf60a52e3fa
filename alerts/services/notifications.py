"""Notifications: the one entry point every rule kind reports to (`alert_report`), and
what follows: firing, repeating, resolving, escalating and acknowledging."""

import datetime as dt

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction

from mastertrade.core import clock
from mastertrade.core.dispatch import enqueue_on_commit

from .. import metrics, policies
from ..kinds import ONE_SHOT_KINDS, DeliveryEvent, NotificationState
from ..models import Notification, Rule
from .delivery import ACK_SALT, deliveries_create, deliveries_enqueue


def _schedule_escalation(notification: Notification, level: int) -> None:
    """Step `level` of the chain is due after its delay; the tick sends it when the broker could not."""
    step = notification.rule.escalation.filter(position=level).first()
    if step is not None:
        enqueue_on_commit("alerts.escalate", notification.pk, level, countdown=step.delay_seconds)


@transaction.atomic
def alert_report(
    *,
    rule: Rule,
    subject: str,
    condition: str,
    firing: bool,
    title: str,
    detail: str,
    severity: str | None = None,
    now: dt.datetime | None = None,
) -> Notification | None:
    """The one entry point of every rule kind: the condition (rule, subject) is firing or
    not now. Opens a notification (and delivers it) on the first report, repeats after
    the repeat interval, resolves (and delivers the resolve) when it clears. Returns
    the notification touched, or None when nothing happened."""
    now = now or clock.now()
    fp = policies.fingerprint(rule_id=rule.pk, subject=subject, condition=condition)
    open_ = Notification.objects.select_for_update().filter(rule=rule, fingerprint=fp, state="firing").first()
    one_shot = rule.kind in ONE_SHOT_KINDS
    if firing and open_ is None:
        if one_shot:
            Rule.objects.select_for_update().filter(pk=rule.pk).first()  # serialise: one notification, ever
            if Notification.objects.filter(rule=rule, fingerprint=fp).exists():
                return None
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    owner_id=rule.owner_id,
                    rule=rule,
                    fingerprint=fp,
                    subject=subject[:200],
                    severity=severity or rule.severity,
                    title=title[:300],
                    detail=detail,
                    fired_at=now,
                    last_notified_at=now,
                )
        except IntegrityError:
            return None  # a concurrent evaluation opened it
        deliveries_enqueue(deliveries_create(notification, rule.channels.all(), DeliveryEvent.FIRE, 0))
        if one_shot:  # a moment, not a state: told once, closed at once (no repeat, escalation or resolve)
            notification.state, notification.resolved_at = NotificationState.RESOLVED, now
            notification.save(update_fields=["state", "resolved_at"])
        else:
            _schedule_escalation(notification, 0)
        transaction.on_commit(lambda: metrics.record_notification(rule=rule.kind, severity=notification.severity))
        return notification
    if firing and open_ is not None:
        if not policies.repeat_due(
            last_notified_at=open_.last_notified_at, repeat_interval_seconds=rule.repeat_interval_seconds, now=now
        ):
            return None
        open_.repeats += 1
        open_.last_notified_at = now
        open_.detail = detail
        open_.save(update_fields=["repeats", "last_notified_at", "detail"])
        deliveries_enqueue(deliveries_create(open_, rule.channels.all(), DeliveryEvent.REPEAT, open_.repeats))
        return open_
    if not firing and open_ is not None and not one_shot:
        return notification_resolve(open_, now=now, detail=detail)
    return None


def notification_resolve(notification: Notification, *, now: dt.datetime, detail: str = "") -> Notification:
    """Resolve a firing notification, in the caller's transaction, and tell it to whoever was told it fired."""
    notification.state = NotificationState.RESOLVED
    notification.resolved_at = now
    notification.save(update_fields=["state", "resolved_at"])
    # Tell whoever was told that it fired (the rule's channels and escalations reached).
    channels = set(notification.rule.channels.all()) | {
        d.channel for d in notification.deliveries.select_related("channel") if d.event == DeliveryEvent.ESCALATE
    }
    deliveries_enqueue(deliveries_create(notification, channels, DeliveryEvent.RESOLVE, 0))
    return notification


def notification_ack(*, notification: Notification, user=None, now: dt.datetime | None = None) -> Notification:
    """Acknowledge: nothing escalates afterwards. Idempotent."""
    now = now or clock.now()
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=notification.pk)
        if notification.acknowledged_at is None:
            notification.acknowledged_at = now
            notification.acknowledged_by = user
            notification.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return notification


def notification_from_ack_token(token: str) -> Notification | None:
    try:
        data = signing.loads(token, salt=ACK_SALT, max_age=settings.ALERTS_ACK_LINK_MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    return Notification.objects.filter(pk=data.get("n")).first()


@transaction.atomic
def notification_escalate(*, notification_id: int, level: int, now: dt.datetime | None = None) -> bool:
    """Escalation step `level` is due: if the notification is still firing, not
    acknowledged and not already escalated this far, deliver to that step's channel and
    schedule the next step. Safe to run twice."""
    now = now or clock.now()
    notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
    if notification is None or notification.state != "firing" or notification.acknowledged_at is not None:
        return False
    if notification.escalation_level != level:
        return False
    step = notification.rule.escalation.select_related("channel").filter(position=level).first()
    if step is None:
        return False
    if now < notification.fired_at + dt.timedelta(
        seconds=sum(s.delay_seconds for s in notification.rule.escalation.filter(position__lte=level))
    ):
        return False
    notification.escalation_level = level + 1
    notification.save(update_fields=["escalation_level"])
    deliveries_enqueue(deliveries_create(notification, [step.channel], DeliveryEvent.ESCALATE, level))
    _schedule_escalation(notification, level + 1)
    return True
