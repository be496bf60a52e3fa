"""Every write and decision of the alerts app: channels, rules, firing and resolving,
delivery with retries, escalation and acknowledgement."""

import datetime as dt
import logging
import random
import string

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse

from mastertrade.core import clock
from mastertrade.core.errors import INVALID_COMBINATION, UNKNOWN_REFERENCE, ApplicationError, Conflict

from . import crypto, http, metrics, policies, senders
from .kinds import (
    ONE_SHOT_KINDS,
    AttemptOutcome,
    ChannelKind,
    DeliveryEvent,
    DeliveryStatus,
    NotificationState,
    RuleKind,
)
from .models import Channel, Delivery, DeliveryAttempt, EscalationStep, Heartbeat, Notification, Rule

logger = logging.getLogger(__name__)

ACK_SALT = "alerts.ack"


def _claim_stale() -> dt.timedelta:
    """A delivery claimed longer ago than this is presumed lost with its worker."""
    return dt.timedelta(seconds=settings.ALERTS_CLAIM_STALE_SECONDS)


def invalid(field: str, message: str, *, code: str = "validation_error") -> ApplicationError:
    return ApplicationError("Invalid input.", code=code, errors={field: [message]})


def mismatch(field: str, message: str) -> ApplicationError:
    """A value that is fine alone but not for this channel type or this deployment (a
    Slack URL on another host, an e-mail address for a Telegram channel, http in
    production): a rule no schema can state, so its own code."""
    return invalid(field, message, code=INVALID_COMBINATION)


def unknown(field: str, message: str) -> ApplicationError:
    """An id in the body that names nothing of the caller's."""
    return invalid(field, message, code=UNKNOWN_REFERENCE)


def name_taken(what: str) -> ApplicationError:
    message = f"You already have {what} with this name."
    return ApplicationError(message, code="name_taken", status_code=409, errors={"name": [message]})


def _full_clean(obj, **kwargs) -> None:
    from django.core.exceptions import ValidationError

    from mastertrade.core.errors import validation_errors

    try:
        obj.full_clean(**kwargs)
    except ValidationError as exc:
        raise ApplicationError("Invalid input.", code="validation_error", errors=validation_errors(exc)) from None


# --- Channels


def _channel_secret(*, kind: str, url: str, bot_token: str, address: str, signing_secret: str, previous: dict) -> dict:
    """Validate a channel's configuration; return the secret values to encrypt."""
    if kind not in ChannelKind.values:
        raise invalid("kind", f"Unknown channel type {kind!r}; use one of {', '.join(ChannelKind.values)}.")
    if kind in (ChannelKind.SLACK, ChannelKind.DISCORD, ChannelKind.WEBHOOK):
        url = url or previous.get("url", "")
        if not url:
            raise mismatch("url", "This channel type needs a URL.")
        base = {
            ChannelKind.SLACK: settings.ALERTS_SLACK_BASE_URL,
            ChannelKind.DISCORD: settings.ALERTS_DISCORD_BASE_URL,
        }
        problem = http.url_problem(url, base=base.get(kind))
        if problem:
            raise mismatch("url", problem)
        values = {"url": url}
        if kind == ChannelKind.WEBHOOK:
            if signing_secret and signing_secret != previous.get("secret"):
                if not signing_secret.startswith("whsec_") or len(signing_secret) < 30:
                    raise mismatch("signing_secret", "A signing secret is whsec_ followed by base64 (24+ bytes).")
                values["secret"] = signing_secret
                if previous.get("secret"):
                    values["previous_secret"] = previous["secret"]  # valid during the rotation overlap
            else:
                values["secret"] = previous.get("secret") or crypto.new_webhook_secret()
                if previous.get("previous_secret"):
                    values["previous_secret"] = previous["previous_secret"]
        return values
    if kind == ChannelKind.TELEGRAM:
        token = bot_token or previous.get("bot_token", "")
        if not token or len(token) > 100 or not all(c.isalnum() or c in ":_-" for c in token):
            raise mismatch("bot_token", "Enter the bot token BotFather gave you (digits:letters).")
        if not address or not address.lstrip("-@").replace("_", "").isalnum():
            raise mismatch("address", "Enter the chat id (a number, or @channelname).")
        return {"bot_token": token}
    from django.core.validators import validate_email

    try:
        validate_email(address)
    except Exception:
        raise mismatch("address", "Enter a valid e-mail address.") from None
    return {}


def channel_create(
    *,
    owner,
    name: str,
    kind: str,
    url: str = "",
    bot_token: str = "",
    address: str = "",
    signing_secret: str = "",
) -> Channel:
    values = _channel_secret(
        kind=kind, url=url, bot_token=bot_token, address=address, signing_secret=signing_secret, previous={}
    )
    channel = Channel(owner=owner, name=name, kind=kind, address=address or "", secret=crypto.encrypt(values))
    _full_clean(channel, exclude=["owner"], validate_constraints=False, validate_unique=False)
    try:
        with transaction.atomic():
            channel.save()
    except IntegrityError:
        raise name_taken("a channel") from None
    return channel


def channel_update(*, channel: Channel, **fields) -> Channel:
    """Change name, enabled, address or the secrets (a new signing secret keeps the old
    one valid as `previous` until the next rotation)."""
    allowed = {"name", "enabled", "address", "url", "bot_token", "signing_secret"}
    unknown = set(fields) - allowed
    if unknown:
        raise invalid(sorted(unknown)[0], "This field cannot be changed.")
    with transaction.atomic():
        channel = Channel.objects.select_for_update().get(pk=channel.pk)
        if {"address", "url", "bot_token", "signing_secret"} & set(fields):
            values = _channel_secret(
                kind=channel.kind,
                url=fields.get("url", ""),
                bot_token=fields.get("bot_token", ""),
                address=fields.get("address", channel.address),
                signing_secret=fields.get("signing_secret", ""),
                previous=crypto.decrypt(channel.secret),
            )
            channel.secret = crypto.encrypt(values)
        for name in ("name", "enabled", "address"):
            if name in fields:
                setattr(channel, name, fields[name])
        if fields.get("enabled"):
            channel.disabled_reason = ""
        _full_clean(channel, exclude=["owner"], validate_constraints=False, validate_unique=False)
        try:
            with transaction.atomic():
                channel.save()
        except IntegrityError:
            raise name_taken("a channel") from None
    return channel


@transaction.atomic
def channel_delete(*, channel: Channel) -> None:
    """Delete a channel no rule uses; one that rules send or escalate to is refused
    (409 `channel_in_use`, naming the rules): remove it from them first."""
    channel = Channel.objects.select_for_update().get(pk=channel.pk)
    users = Rule.objects.filter(Q(channels=channel) | Q(escalation__channel=channel)).distinct().order_by("name")
    names = list(users.values_list("name", flat=True))
    if names:
        raise Conflict(
            f"Rules use this channel: {', '.join(repr(n) for n in names)}. Remove it from them first.",
            code="channel_in_use",
        )
    channel.delete()


def channel_signing_secret(channel: Channel) -> str:
    """A webhook channel's signing secret in full: shown only right after it is created or
    rotated (the API response, the page after the redirect); masked everywhere else."""
    return crypto.decrypt(channel.secret).get("secret", "")


def channel_rotate_secret(*, channel: Channel) -> Channel:
    """A new generated signing secret for a webhook channel; the previous one stays valid
    until the next rotation (receivers verify either during the overlap)."""
    if channel.kind != ChannelKind.WEBHOOK:
        raise Conflict("Only webhook channels have a signing secret.", code="no_signing_secret")
    return channel_update(channel=channel, signing_secret=crypto.new_webhook_secret())


def channel_secrets_masked(channel: Channel) -> dict:
    return {key: crypto.mask(value) for key, value in crypto.decrypt(channel.secret).items()}


def channel_disable(*, channel_id: int, reason: str) -> None:
    """Disable a channel the receiver says is gone; the reason shows on the page and in
    the API, and the owner is told by e-mail (when they have an address)."""
    Channel.objects.filter(pk=channel_id).update(enabled=False, disabled_reason=reason[:300])
    Delivery.objects.filter(channel_id=channel_id, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.CANCELLED
    )
    transaction.on_commit(lambda: _tell_owner_disabled(channel_id, reason))


def _tell_owner_disabled(channel_id: int, reason: str) -> None:
    from django.core.mail import send_mail

    channel = Channel.objects.select_related("owner").filter(pk=channel_id).first()
    if channel is None or not channel.owner.email:
        return
    try:
        send_mail(
            subject=f"[MasterTrade alerts] Channel {channel.name!r} disabled",
            message=f"{reason}\n\nAlerts no longer go to this channel. Fix it, then enable it again on "
            f"{settings.ALERTS_PUBLIC_BASE_URL.rstrip('/')}{reverse('alerts-page')}.",
            from_email=None,
            recipient_list=[channel.owner.email],
            fail_silently=False,
        )
    except Exception:  # the mail server is outside the system; the page still shows the reason
        logger.warning("alerts: could not e-mail the owner of channel %s about its disabling", channel_id)


# --- Rules


RULE_FIELDS = {
    "name",
    "kind",
    "severity",
    "enabled",
    "goal",
    "status_threshold",
    "deadline_days",
    "losing_streak",
    "strategy_drawdown",
    "event_kind",
    "repeat_interval_seconds",
    "title_template",
    "body_template",
}


def _check_owned(owner, channels, escalation) -> None:
    for channel in channels:
        if channel.owner_id != owner.pk:
            raise unknown("channels", "No such channel.")
    if len(escalation) > 10:
        raise invalid("escalation", "At most 10 escalation steps.")
    for i, (channel, delay) in enumerate(escalation):
        if channel.owner_id != owner.pk:
            raise unknown("escalation", f"Step {i + 1}: no such channel.")
        if delay is None or delay < 0:
            raise invalid("escalation", f"Step {i + 1}: the delay cannot be negative.")


@transaction.atomic
def rule_save(
    *, owner, rule: Rule | None = None, channels=None, escalation: list[tuple[Channel, int]] | None = None, **fields
) -> Rule:
    """Create (rule=None) or change a rule, its channels and its escalation chain
    (a list of (channel, delay_seconds)), in one transaction."""
    unknown = set(fields) - RULE_FIELDS
    if unknown:
        raise invalid(sorted(unknown)[0], "Unknown field.")
    goal = fields.get("goal")
    if goal is not None and goal.owner_id != owner.pk:
        raise unknown("goal", "No such goal.")
    _check_owned(owner, channels or [], escalation or [])
    rule = Rule(owner=owner) if rule is None else Rule.objects.select_for_update().get(pk=rule.pk)
    for name, value in fields.items():
        setattr(rule, name, value)
    _full_clean(rule, exclude=["owner"], validate_constraints=False, validate_unique=False)
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError:
        raise name_taken("a rule") from None
    if channels is not None:
        rule.channels.set(channels)
    if escalation is not None:
        rule.escalation.all().delete()
        EscalationStep.objects.bulk_create(
            EscalationStep(rule=rule, position=i, channel=channel, delay_seconds=delay)
            for i, (channel, delay) in enumerate(escalation)
        )
    return rule


def rule_delete(*, rule: Rule) -> None:
    rule.delete()


# --- Firing, repeating, resolving


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


def _enqueue(delivery_ids: list[int], countdown: float = 0) -> None:
    """Hand deliveries to the worker after commit. If the broker is unreachable the rows
    stay pending and the periodic tick sends them."""
    from . import tasks

    def send():
        for delivery_id in delivery_ids:
            try:
                tasks.deliver.apply_async((delivery_id,), countdown=countdown, retry=False)
            except Exception:
                logger.warning("alerts: broker unreachable, delivery %s left to the tick", delivery_id)

    if delivery_ids:
        transaction.on_commit(send)


def _schedule_escalation(notification: Notification, level: int) -> None:
    from . import tasks

    step = notification.rule.escalation.filter(position=level).first()
    if step is None:
        return
    args = (notification.pk, level)

    def send():
        try:
            tasks.escalate.apply_async(args, countdown=step.delay_seconds, retry=False)
        except Exception:
            logger.warning("alerts: broker unreachable, escalation of %s left to the tick", notification.pk)

    transaction.on_commit(send)


def _deliveries(notification: Notification, channels, event: str, sequence: int) -> list[int]:
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
        _enqueue(_deliveries(notification, rule.channels.all(), DeliveryEvent.FIRE, 0))
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
        _enqueue(_deliveries(open_, rule.channels.all(), DeliveryEvent.REPEAT, open_.repeats))
        return open_
    if not firing and open_ is not None and not one_shot:
        return _resolve(open_, now=now, detail=detail)
    return None


def _resolve(notification: Notification, *, now: dt.datetime, detail: str = "") -> Notification:
    notification.state = NotificationState.RESOLVED
    notification.resolved_at = now
    notification.save(update_fields=["state", "resolved_at"])
    # Tell whoever was told that it fired (the rule's channels and escalations reached).
    channels = set(notification.rule.channels.all()) | {
        d.channel for d in notification.deliveries.select_related("channel") if d.event == DeliveryEvent.ESCALATE
    }
    _enqueue(_deliveries(notification, channels, DeliveryEvent.RESOLVE, 0))
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
    _enqueue(_deliveries(notification, [step.channel], DeliveryEvent.ESCALATE, level))
    _schedule_escalation(notification, level + 1)
    return True


# --- Delivery


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
        if delivery.status == DeliveryStatus.SENDING and delivery.claimed_at > now - _claim_stale():
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


# --- External events


@transaction.atomic
def event_post(
    *, owner, kind: str, severity: str, subject: str, message: str, dedup_key: str, status: str = "firing"
) -> list[Notification]:
    """An event from the trading engine (e.g. whale_detected): every enabled external-event
    rule of the owner that matches `kind` fires (or, status=resolved, resolves) it."""
    rules = Rule.objects.filter(owner=owner, kind=RuleKind.EXTERNAL_EVENT, enabled=True).filter(
        Q(event_kind="") | Q(event_kind=kind)
    )
    touched = []
    for rule in rules:
        n = alert_report(
            rule=rule,
            subject=f"event:{kind}:{subject}",
            condition=dedup_key,
            firing=status == "firing",
            title=f"{kind}: {subject}",
            detail=message,
            severity=severity,
        )
        if n is not None:
            touched.append(n)
    return touched


def heartbeat_beat(*, now: dt.datetime | None = None) -> dt.datetime | None:
    """Record the worker/beat heartbeat; return the previous one."""
    now = now or clock.now()
    previous = Heartbeat.objects.filter(name="tick").values_list("seen_at", flat=True).first()
    Heartbeat.objects.update_or_create(name="tick", defaults={"seen_at": now})
    return previous


# --- Evaluation (in the worker, after the commit that changed something)


def _rules(owner_id: int, kinds) -> list[Rule]:
    return list(Rule.objects.filter(owner_id=owner_id, kind__in=kinds, enabled=True).prefetch_related("channels"))


def goal_evaluate(*, goal_id: int, now: dt.datetime | None = None) -> int:
    """Evaluate every goal rule of the goal's owner for this goal. Returns the
    notifications touched."""
    from goals.models import FinancialGoal
    from risk.inputs import goal_guard_drawdown_pct

    from .kinds import GOAL_RULE_KINDS

    now = now or clock.now()
    goal = FinancialGoal.objects.filter(pk=goal_id).first()
    if goal is None:
        return 0
    today = clock.today(now)
    status = goal.status(today)
    days_left = (goal.target_date - today).days if goal.target_date else None
    touched = 0
    for rule in _rules(goal.owner_id, GOAL_RULE_KINDS):
        if rule.goal_id not in (None, goal.pk):
            continue
        active = goal.state == "active"
        condition = policies.goal_condition(
            kind=rule.kind,
            status=status,
            progress_pct=goal.progress_pct(),
            expected_pct=goal.expected_pct(today),
            days_left=days_left,
            drawdown_pct=goal_guard_drawdown_pct(goal, now),  # what the sizing guard acts on
            max_drawdown_pct=goal.max_drawdown_pct,
            threshold=rule.status_threshold,
            deadline_days=rule.deadline_days,
            goal_name=goal.name,
        )
        if not condition.applies:
            continue
        touched += (
            alert_report(
                rule=rule,
                subject=f"goal:{goal.pk}",
                condition=rule.kind,
                firing=condition.firing and active,
                title=condition.title,
                detail=condition.detail,
                now=now,
            )
            is not None
        )
    return touched


def strategy_evaluate(*, strategy_pk: int, now: dt.datetime | None = None) -> int:
    from strategies.models import StrategyInstance
    from strategies.selectors import strategy_performance_many

    from . import selectors

    strategy = StrategyInstance.objects.filter(pk=strategy_pk).first()
    if strategy is None:
        return 0
    rules = _rules(strategy.owner_id, [RuleKind.STRATEGY_FAILURE])
    if not rules:
        return 0
    performance = strategy_performance_many(strategies=[strategy])[strategy.pk]
    streak = selectors.losing_streak(strategy_pk=strategy.pk)
    touched = 0
    for rule in rules:
        condition = policies.strategy_condition(
            status=strategy.status,
            losing_streak=streak,
            max_drawdown=getattr(performance, "max_drawdown", None),
            streak_threshold=rule.losing_streak,
            drawdown_threshold=rule.strategy_drawdown,
            name=strategy.name,
        )
        touched += (
            alert_report(
                rule=rule,
                subject=f"strategy:{strategy.strategy_id}",
                condition=rule.kind,
                firing=condition.firing,
                title=condition.title,
                detail=condition.detail,
                now=now,
            )
            is not None
        )
    return touched


def data_down_evaluate(*, now: dt.datetime | None = None, previous_heartbeat: dt.datetime | None = None) -> int:
    """Data down: a goal without a snapshot for more than 2 periods, a stale worker/beat
    heartbeat (the previous tick is too old), or the cache Redis not answering."""
    from mastertrade.core.health import check_redis

    from . import selectors

    now = now or clock.now()
    rules = list(Rule.objects.filter(kind=RuleKind.DATA_DOWN, enabled=True).prefetch_related("channels"))
    if not rules:
        return 0
    stale_goals = selectors.goals_without_recent_snapshot(
        owner_ids={r.owner_id for r in rules},
        older_than=now - dt.timedelta(seconds=2 * settings.GOAL_SNAPSHOT_INTERVAL_SECONDS),
    )
    heartbeat_stale = previous_heartbeat is not None and now - previous_heartbeat > dt.timedelta(
        seconds=settings.ALERTS_HEARTBEAT_STALE_SECONDS
    )
    cache_up = check_redis(settings.REDIS_CACHE_URL)
    touched = 0
    for rule in rules:
        checks = [
            (
                "heartbeat",
                heartbeat_stale,
                "Worker/beat heartbeat was stale",
                f"the previous alerts tick ran at {previous_heartbeat:%Y-%m-%d %H:%M:%S} UTC"
                if previous_heartbeat
                else "",
            ),
            ("dependency:cache", not cache_up, "The cache Redis is down", "the cache Redis does not answer a ping"),
        ]
        for goal in stale_goals.get(rule.owner_id, []):
            if rule.goal_id in (None, goal.pk):
                checks.append((f"goal:{goal.pk}", True, f"No snapshot of goal {goal.name!r} for 2 periods", ""))
        firing_subjects = {c[0] for c in checks if c[1]}
        for subject, firing, title, detail in checks:
            touched += (
                alert_report(
                    rule=rule,
                    subject=subject,
                    condition="data_down",
                    firing=firing,
                    title=title,
                    detail=detail,
                    now=now,
                )
                is not None
            )
        # Goals whose snapshots flow again: resolve.
        for n in Notification.objects.filter(rule=rule, state="firing", subject__startswith="goal:"):
            if n.subject not in firing_subjects:
                with transaction.atomic():
                    _resolve(n, now=now)
                touched += 1
    return touched


def tick(*, now: dt.datetime | None = None) -> dict:
    """The periodic pass (beat): heartbeat, data down, time-based goal rules (missed,
    deadline near), escalations due, deliveries left pending (broker down, worker lost)."""
    from goals.models import FinancialGoal

    from .kinds import GOAL_RULE_KINDS

    now = now or clock.now()
    previous = heartbeat_beat(now=now)
    done = {"data_down": data_down_evaluate(now=now, previous_heartbeat=previous)}
    owners = Rule.objects.filter(kind__in=GOAL_RULE_KINDS, enabled=True).values("owner_id")
    done["goals"] = sum(
        goal_evaluate(goal_id=pk, now=now)
        for pk in FinancialGoal.objects.filter(owner_id__in=owners, state="active").values_list("pk", flat=True)
    )
    escalated = 0
    for n in Notification.objects.filter(state="firing", acknowledged_at__isnull=True).select_related("rule"):
        escalated += notification_escalate(notification_id=n.pk, level=n.escalation_level, now=now)
    done["escalated"] = escalated
    stuck = Delivery.objects.filter(
        Q(status=DeliveryStatus.PENDING, next_attempt_at__isnull=True, created_at__lt=now - dt.timedelta(seconds=30))
        | Q(status=DeliveryStatus.PENDING, next_attempt_at__lt=now - dt.timedelta(seconds=30))
        | Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - _claim_stale())
    ).values_list("pk", flat=True)
    done["resent"] = len(stuck := list(stuck))
    with transaction.atomic():
        _enqueue(stuck)
    return done
