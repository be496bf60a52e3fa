"""Input and output shapes of the alerts API. Rules about values live in the models
and services; these only carry them."""

from rest_framework import serializers

from mastertrade.core.serializers import StrictSerializer

from .. import services
from ..kinds import ChannelKind, RuleKind, Severity, StatusThreshold
from ..models import TEMPLATE_MAX, Channel, Delivery, DeliveryAttempt, Notification, Rule


class ChannelInput(StrictSerializer):
    name = serializers.CharField(max_length=100)
    kind = serializers.CharField(max_length=20, help_text=f"One of: {', '.join(ChannelKind.values)}.")
    url = serializers.CharField(max_length=2000, required=False, allow_blank=True, help_text="Slack, Discord, webhook.")
    bot_token = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text="Telegram.")
    address = serializers.CharField(
        max_length=254, required=False, allow_blank=True, help_text="E-mail address, or Telegram chat id."
    )
    signing_secret = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Webhook: whsec_…; generated when omitted."
    )


class ChannelUpdateInput(StrictSerializer):
    name = serializers.CharField(max_length=100, required=False)
    enabled = serializers.BooleanField(required=False)
    url = serializers.CharField(max_length=2000, required=False)
    bot_token = serializers.CharField(max_length=100, required=False)
    address = serializers.CharField(max_length=254, required=False)
    signing_secret = serializers.CharField(
        max_length=200, required=False, help_text="Rotate: the previous secret stays valid until the next rotation."
    )


class ChannelOutput(serializers.ModelSerializer):
    secrets = serializers.SerializerMethodField(help_text="The channel's secrets, masked.")

    class Meta:
        model = Channel
        fields = ["id", "name", "kind", "address", "enabled", "disabled_reason", "secrets", "created_at"]

    def get_secrets(self, channel) -> dict[str, str]:
        return services.channel_secrets_masked(channel)


class EscalationStepField(StrictSerializer):
    channel = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    delay_seconds = serializers.IntegerField(max_value=7 * 86400)


class RuleInput(StrictSerializer):
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=RuleKind.choices)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    enabled = serializers.BooleanField(required=False)
    goal = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**63 - 1)
    status_threshold = serializers.ChoiceField(choices=StatusThreshold.choices, required=False)
    deadline_days = serializers.IntegerField(required=False, max_value=2**31 - 1)
    losing_streak = serializers.IntegerField(required=False, allow_null=True, max_value=2**31 - 1)
    strategy_drawdown = serializers.DecimalField(max_digits=20, decimal_places=4, required=False, allow_null=True)
    event_kind = serializers.CharField(max_length=64, required=False, allow_blank=True)
    repeat_interval_seconds = serializers.IntegerField(required=False, max_value=2**31 - 1)
    channels = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), required=False, max_length=20
    )
    escalation = EscalationStepField(many=True, required=False, max_length=10)
    title_template = serializers.CharField(max_length=200, required=False, allow_blank=True)
    body_template = serializers.CharField(max_length=TEMPLATE_MAX, required=False, allow_blank=True)


class EscalationOutput(serializers.Serializer):
    channel = serializers.IntegerField(source="channel_id")
    delay_seconds = serializers.IntegerField()


class RuleOutput(serializers.ModelSerializer):
    channels = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    escalation = EscalationOutput(many=True, read_only=True)

    class Meta:
        model = Rule
        fields = [
            "id",
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
            "channels",
            "escalation",
            "title_template",
            "body_template",
            "created_at",
        ]


class NotificationOutput(serializers.ModelSerializer):
    rule_name = serializers.CharField(source="rule.name", read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "rule",
            "rule_name",
            "subject",
            "severity",
            "title",
            "detail",
            "state",
            "fired_at",
            "last_notified_at",
            "resolved_at",
            "acknowledged_at",
            "repeats",
            "escalation_level",
        ]


class AttemptOutput(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["at", "outcome", "status_code", "latency_ms", "error"]


class DeliveryOutput(serializers.ModelSerializer):
    channel_name = serializers.CharField(source="channel.name", read_only=True)
    attempt_log = AttemptOutput(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "notification",
            "channel",
            "channel_name",
            "event",
            "message_id",
            "status",
            "attempts",
            "created_at",
            "sent_at",
            "next_attempt_at",
            "last_error",
            "attempt_log",
        ]


class EventInput(StrictSerializer):
    kind = serializers.RegexField(r"^[a-z0-9_.\-]{1,64}$", help_text="e.g. whale_detected")
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.WARNING)
    subject = serializers.CharField(max_length=150)
    message = serializers.CharField(max_length=2000, allow_blank=True, default="")
    dedup_key = serializers.CharField(max_length=200)
    status = serializers.ChoiceField(
        choices=[("firing", "firing"), ("resolved", "resolved")],
        default="firing",
        help_text="`resolved` clears the alert opened with the same kind, subject and dedup_key.",
    )


class EventOutput(serializers.Serializer):
    notifications = NotificationOutput(many=True)
