"""Delivery: a notification's message to each channel, handed to the worker after commit,
sent one attempt at a time, every attempt recorded, retried with backoff (Retry-After
honoured), a stale claim taken over, a 410 disabling the channel."""

import datetime as dt
import random
import string

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse

from mastertrade.core import clock
from mastertrade.core.dispatch import enqueue_on_commit
from mastertrade.core.errors import Conflict

from .. import metrics, policies, senders
from ..kinds import AttemptOutcome, DeliveryEvent, DeliveryStatus
from ..models import Channel, Delivery, DeliveryAttempt, Notification
from .channels import channel_disable

# The signed link every message carries to acknowledge its notification;
# notifications.notification_from_ack_token reads it back.
ACK_SALT = "alerts.ack"


def claim_stale() -> dt.timedelta:
    """A delivery claimed longer ago than this is presumed lost with its worker."""
    return dt.timedelta(seconds=settings.ALERTS_CLAIM_STALE_SECONDS)


def ack_token(notification_id: int) -> str:
    return signing.dumps({"n": notification_id}, salt=ACK_SALT)


def ack_url(notification_id: int) -> str:
    path = reverse("alerts-ack-link", kwargs={"token": ack_token(notification_id)})
    return settings.ALERTS_PUBLIC_BASE_URL.rstrip("/") + path


def _render(template: str, notification: Notification, event: str) -> str:
    return string.Template(template).safe_substitute(
        title=notification.title,
        detail=notification.detail,
        severity=notification.severity,
        rule=notification.rule.name,
        subject=notification.subject,
        state="resolved" if event == DeliveryEvent.RESOLVE else notification.state,
        ack_url=ack_url(notification.pk),
    )


def _message(delivery: Delivery) -> senders.Message:
    n = delivery.notification
    if n is None:
        title = "[test] MasterTrade alerts test message"
        body = f"This is a test of the channel {delivery.channel.name!r}. If you can read it, it works."
        payload = {"test": True, "channel": delivery.channel.name}
        return senders.Message(str(delivery.message_id), DeliveryEvent.TEST, title, body, payload)
    title = _render(n.rule.title_template, n, delivery.event)
    if delivery.event == DeliveryEvent.RESOLVE:
        title = f"[resolved] {n.title}"
    body = _render(n.rule.body_template, n, delivery.event)
    payload = {
        "notification_id": n.pk,
        "event": delivery.event,
        "rule": n.rule.name,
        "rule_kind": n.rule.kind,
        "severity": n.severity,
        "subject": n.subject,
        "title": n.title,
        "detail": n.detail,
        "state": "resolved" if delivery.event == DeliveryEvent.RESOLVE else n.state,
        "fired_at": n.fired_at.isoformat(),
        "ack_url": ack_url(n.pk),
    }
    return senders.Message(str(delivery.message_id), delivery.event, title, body, payload)


def deliveries_create(notification: Notification, channels, event: str, sequence: int) -> list[int]:
    """One delivery of this event per enabled channel (made once: a second call finds it); their ids."""
    ids = []
    for channel in channels:
        if not channel.enabled:
            continue
        delivery, _ = Delivery.objects.get_or_create(
            notification=notification,
            channel=channel,
            event=event,
            sequence=sequence,
            defaults={"owner_id": notification.owner_id},
        )
        ids.append(delivery.pk)
    return ids


def deliveries_enqueue(delivery_ids: list[int]) -> None:
    """Hand deliveries to the worker after commit. If the broker is unreachable the rows
    stay pending and the periodic tick sends them."""
    for delivery_id in delivery_ids:
        enqueue_on_commit("alerts.deliver", delivery_id)


def _claim(delivery_id: int, now: dt.datetime) -> Delivery | None:
    """Take the delivery for this attempt (committed before anything is sent), or None
    when it is done, cancelled, not due, or another worker holds a fresh claim."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("channel", "notification__rule")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status in (
            DeliveryStatus.SENT,
            DeliveryStatus.FAILED,
            DeliveryStatus.CANCELLED,
        ):
            return None
        if delivery.status == DeliveryStatus.SENDING and delivery.claimed_at > now - claim_stale():
            return None
        if delivery.next_attempt_at and delivery.next_attempt_at > now + dt.timedelta(seconds=1):
            return None  # an early duplicate: the scheduled one will come
        if delivery.status == DeliveryStatus.SENDING:  # its worker died mid-send: say so, try again
            DeliveryAttempt.objects.create(
                delivery=delivery,
                at=delivery.claimed_at,
                outcome=AttemptOutcome.LOST,
                error="The worker stopped during this attempt; it is sent again with the same webhook-id.",
            )
        if not delivery.channel.enabled:
            delivery.status = DeliveryStatus.CANCELLED
            delivery.save(update_fields=["status"])
            return None
        delivery.status = DeliveryStatus.SENDING
        delivery.claimed_at = now
        delivery.attempts += 1
        delivery.save(update_fields=["status", "claimed_at", "attempts"])
        return delivery


def delivery_attempt(*, delivery_id: int, now: dt.datetime | None = None, retry: bool = True) -> float | None:
    """One attempt to send a delivery; every attempt is recorded. Returns the seconds
    until the next attempt when it should be retried, else None. A delivery already
    sent (a redelivered task) sends nothing."""
    now = now or clock.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    result = senders.send(delivery.channel, _message(delivery), now=now)
    outcome, delay = _outcome(delivery, result, retry=retry, now=now)
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=delivery,
            at=now,
            outcome=outcome,
            status_code=result.status_code,
            latency_ms=int(result.latency * 1000),
            error=result.error[:500],
        )
        delivery.status = {
            AttemptOutcome.SENT: DeliveryStatus.SENT,
            AttemptOutcome.RETRY: DeliveryStatus.PENDING,
        }.get(outcome, DeliveryStatus.FAILED)
        delivery.sent_at = now if outcome == AttemptOutcome.SENT else None
        delivery.next_attempt_at = now + dt.timedelta(seconds=delay) if delay is not None else None
        delivery.last_error = result.error[:500]
        delivery.save(update_fields=["status", "sent_at", "next_attempt_at", "last_error"])
        if outcome == AttemptOutcome.GONE:
            channel_disable(
                channel_id=delivery.channel_id,
                reason=f"Disabled {now:%Y-%m-%d %H:%M} UTC: the receiver answered 410 Gone (it no longer exists).",
            )
    metrics.record_delivery(channel=delivery.channel.kind, outcome=outcome, seconds=result.latency)
    return delay


def _outcome(delivery: Delivery, result: senders.Result, *, retry: bool, now: dt.datetime):
    if result.ok:
        return AttemptOutcome.SENT, None
    if result.refused:
        return AttemptOutcome.REFUSED, None
    if result.permanent:
        return AttemptOutcome.FAILED, None
    if result.gone:
        return AttemptOutcome.GONE, None
    if retry and result.retryable and delivery.attempts < settings.ALERTS_MAX_ATTEMPTS:
        delay = policies.retry_delay(
            attempt=delivery.attempts,
            base=settings.ALERTS_RETRY_BASE_SECONDS,
            cap=settings.ALERTS_RETRY_MAX_SECONDS,
            rng=random.random(),  # noqa: S311 (jitter, not security)
            retry_after=policies.parse_retry_after(result.retry_after, now=now),
        )
        return AttemptOutcome.RETRY, delay
    return AttemptOutcome.FAILED, None


def channel_send_test(*, channel: Channel, now: dt.datetime | None = None) -> Delivery:
    """Send a test message now (one attempt, in the caller's process) and return the delivery."""
    now = now or clock.now()
    if not channel.enabled:
        raise Conflict("This channel is disabled; enable it first.", code="channel_disabled")
    delivery = Delivery.objects.create(
        owner_id=channel.owner_id, channel=channel, event=DeliveryEvent.TEST, sequence=0, created_at=now
    )
    delivery_attempt(delivery_id=delivery.pk, now=now, retry=False)
    delivery.refresh_from_db()
    return delivery
