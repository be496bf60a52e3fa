import string
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from mastertrade.core import clock
from mastertrade.core.money import AMOUNT, decimal_kwargs
from mastertrade.core.validators import text_line

from .kinds import (
    AttemptOutcome,
    ChannelKind,
    DeliveryEvent,
    DeliveryStatus,
    NotificationState,
    RuleKind,
    Severity,
    StatusThreshold,
)

TEMPLATE_MAX = 1000
DEFAULT_TITLE = "[$severity] $title"
DEFAULT_BODY = "$detail\n\nRule: $rule\nAcknowledge: $ack_url"
TEMPLATE_FIELDS = ("title", "detail", "severity", "rule", "subject", "state", "ack_url")


def validate_template(value: str) -> None:
    """A message template: not blank, `$name` placeholders from TEMPLATE_FIELDS only."""
    if not value or not value.strip():
        raise ValidationError("A template cannot be empty.")
    template = string.Template(value)
    if not template.is_valid():
        raise ValidationError("Invalid template: write $$ for a dollar sign.")
    unknown = sorted(set(template.get_identifiers()) - set(TEMPLATE_FIELDS))
    if unknown:
        raise ValidationError(f"Unknown placeholder(s): {', '.join(unknown)}; use {', '.join(TEMPLATE_FIELDS)}.")


class Channel(models.Model):
    """Where notifications go. The secret parts (webhook URL, bot token, signing
    secrets) are encrypted in `secret` (alerts/crypto.py); `address` is not secret
    (an e-mail address, a Telegram chat id)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_channels")
    name = models.CharField(max_length=100, validators=[text_line])
    kind = models.CharField(max_length=10, choices=ChannelKind.choices)
    secret = models.TextField(blank=True, default="", editable=False)
    address = models.CharField(max_length=254, blank=True, default="")
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        db_table = "alert_channels"
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="alert_channel_name_unique"),
            models.CheckConstraint(condition=Q(kind__in=ChannelKind.values), name="alert_channel_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


class Rule(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_rules")
    name = models.CharField(max_length=100, validators=[text_line])
    kind = models.CharField(max_length=20, choices=RuleKind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.WARNING)
    enabled = models.BooleanField(default=True)
    # Goal rules: one goal, or (null) every goal of the owner.
    goal = models.ForeignKey("goals.FinancialGoal", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    status_threshold = models.CharField(max_length=10, choices=StatusThreshold.choices, default=StatusThreshold.AT_RISK)
    deadline_days = models.PositiveIntegerField(default=3, validators=[MaxValueValidator(365)])
    losing_streak = models.PositiveIntegerField(null=True, blank=True, validators=[MinValueValidator(1)])
    strategy_drawdown = models.DecimalField(
        **decimal_kwargs(AMOUNT), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    # External events: the event kind this rule matches (blank: every kind).
    event_kind = models.CharField(max_length=64, blank=True, default="")
    repeat_interval_seconds = models.PositiveIntegerField(default=0, validators=[MaxValueValidator(30 * 86400)])
    channels = models.ManyToManyField(Channel, related_name="rules", blank=True)
    title_template = models.CharField(max_length=200, default=DEFAULT_TITLE, validators=[validate_template])
    body_template = models.TextField(
        default=DEFAULT_BODY, validators=[MaxLengthValidator(TEMPLATE_MAX), validate_template]
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        db_table = "alert_rules"
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="alert_rule_name_unique"),
            models.CheckConstraint(condition=Q(kind__in=RuleKind.values), name="alert_rule_kind_valid"),
            models.CheckConstraint(condition=Q(severity__in=Severity.values), name="alert_rule_severity_valid"),
            models.CheckConstraint(condition=Q(repeat_interval_seconds__gte=0), name="alert_rule_repeat_non_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class EscalationStep(models.Model):
    """Unacknowledged `delay_seconds` after the previous step (or the firing): notify `channel`."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="escalation")
    position = models.PositiveSmallIntegerField()
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    delay_seconds = models.PositiveIntegerField(validators=[MaxValueValidator(7 * 86400)])

    class Meta:
        db_table = "alert_escalation_steps"
        ordering = ["rule", "position"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "position"], name="alert_escalation_position_unique"),
            models.CheckConstraint(condition=Q(delay_seconds__gte=0), name="alert_escalation_delay_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id}#{self.position} → {self.channel_id} after {self.delay_seconds}s"


class Notification(models.Model):
    """One firing of a rule for a subject, from fire to resolve (or acknowledgement)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_notifications")
    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="notifications")
    fingerprint = models.CharField(max_length=64)
    subject = models.CharField(max_length=200, validators=[text_line])
    severity = models.CharField(max_length=10, choices=Severity.choices)
    title = models.CharField(max_length=300)
    detail = models.TextField(blank=True, default="")
    state = models.CharField(max_length=10, choices=NotificationState.choices, default=NotificationState.FIRING)
    fired_at = models.DateTimeField(default=clock.now)
    last_notified_at = models.DateTimeField(default=clock.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    repeats = models.PositiveIntegerField(default=0)
    escalation_level = models.PositiveSmallIntegerField(default=0)

    class Meta:
        db_table = "alert_notifications"
        ordering = ["-fired_at", "-id"]
        indexes = [models.Index(fields=["owner", "state", "-fired_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "fingerprint"], condition=Q(state="firing"), name="alert_one_open_firing"
            ),
            models.CheckConstraint(condition=Q(state__in=NotificationState.values), name="alert_state_valid"),
        ]

    def __str__(self) -> str:
        return self.title


class Delivery(models.Model):
    """One message to one channel. Unique per (notification, channel, event, sequence):
    a redelivered task finds it sent and sends nothing. `message_id` is the stable
    `webhook-id` across retries."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=10, choices=DeliveryEvent.choices)
    sequence = models.PositiveIntegerField(default=0)
    message_id = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=clock.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        db_table = "alert_deliveries"
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel", "event", "sequence"], name="alert_delivery_once"
            ),
            models.CheckConstraint(condition=Q(status__in=DeliveryStatus.values), name="alert_delivery_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.channel_id} ({self.status})"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(default=clock.now)
    outcome = models.CharField(max_length=10, choices=AttemptOutcome.choices)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        db_table = "alert_delivery_attempts"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.outcome} {self.status_code or ''}"


class Heartbeat(models.Model):
    """Last time the worker ran a task sent by beat (the alerts tick)."""

    name = models.CharField(max_length=32, primary_key=True)
    seen_at = models.DateTimeField()

    class Meta:
        db_table = "alert_heartbeats"

    def __str__(self) -> str:
        return f"{self.name} @ {self.seen_at}"
