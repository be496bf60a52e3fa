"""Input and output shapes of the alerts API. Rules about values live in the models
and services; these only carry them."""

from rest_framework import serializers

from mastertrade.core.serializers import ModelSerializer, StrictSerializer, decimal_from_model
from mastertrade.core.validators import FullMatchValidator, has_visible_text, text_line

from ..http import URL_MESSAGE, URL_PATTERN
from ..kinds import ChannelKind, RuleKind, Severity, StatusThreshold
from ..models import TEMPLATE_FIELDS, TEMPLATE_MAX, Channel, Delivery, DeliveryAttempt, Notification, Rule
from ..services.channels import channel_secrets_masked, channel_signing_secret
from ..services.rules import RULE_FIELDS

# What the schema states is what the server checks (the contract stage holds both to it):
# names need a visible character; URLs have the one form of alerts.http.URL_PATTERN (which
# hosts a channel type takes, refused addresses and http off loopback answer
# `invalid_combination`);
# templates are text with `$$` or `$placeholder` from TEMPLATE_FIELDS, with something visible.
_PLACEHOLDER = "|".join(TEMPLATE_FIELDS)
_TOKEN = rf"(?:[^$]|\$\$|\$(?:{_PLACEHOLDER})(?![A-Za-z0-9_])|\$\{{(?:{_PLACEHOLDER})\}})"
TEMPLATE_PATTERN = rf"^\s*(?:[^\s$]|\$\$|\$(?:{_PLACEHOLDER})(?![A-Za-z0-9_])|\$\{{(?:{_PLACEHOLDER})\}}){_TOKEN}*$"
TEMPLATE_MESSAGE = f"Text with something visible; $$ for a dollar sign; placeholders: ${', $'.join(TEMPLATE_FIELDS)}."
SECRET_PATTERN = r"^(whsec_[A-Za-z0-9+/]{24,}={0,2})?$"  # noqa: S105 - a pattern, not a secret
BOT_TOKEN_PATTERN = r"^[A-Za-z0-9:_-]*$"  # noqa: S105 - a pattern


def _name(**kwargs):
    return serializers.CharField(max_length=100, trim_whitespace=False, validators=[text_line], **kwargs)


def _text(pattern: str, max_length: int, *, message: str = "Not in the form this field takes.", **kwargs):
    validator = FullMatchValidator(pattern, message=message)
    return serializers.CharField(max_length=max_length, trim_whitespace=False, validators=[validator], **kwargs)


class ChannelInput(StrictSerializer):
    name = _name()
    kind = serializers.ChoiceField(choices=ChannelKind.choices)
    url = _text(
        URL_PATTERN,
        2000,
        required=False,
        allow_blank=True,
        message=URL_MESSAGE,
        help_text="Slack, Discord, webhook.",
    )
    bot_token = _text(BOT_TOKEN_PATTERN, 100, required=False, allow_blank=True, help_text="Telegram.")
    address = serializers.CharField(
        max_length=254,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="E-mail address, or Telegram chat id.",
    )
    signing_secret = _text(
        SECRET_PATTERN, 200, required=False, allow_blank=True, help_text="Webhook: whsec_…; generated when omitted."
    )


class ChannelUpdateInput(StrictSerializer):
    name = _name(required=False)
    enabled = serializers.BooleanField(required=False)
    url = _text(URL_PATTERN, 2000, required=False, allow_blank=True, message=URL_MESSAGE)
    bot_token = _text(BOT_TOKEN_PATTERN, 100, required=False, allow_blank=True)
    address = serializers.CharField(max_length=254, required=False, allow_blank=True, trim_whitespace=False)
    signing_secret = _text(
        SECRET_PATTERN,
        200,
        required=False,
        allow_blank=True,
        help_text="Rotate: the previous secret stays valid until the next rotation.",
    )


class ChannelOutput(ModelSerializer):
    secrets = serializers.SerializerMethodField(help_text="The channel's secrets, masked.")

    class Meta:
        model = Channel
        fields = ["id", "name", "kind", "address", "enabled", "disabled_reason", "secrets", "created_at"]

    def get_secrets(self, channel) -> dict[str, str]:
        return channel_secrets_masked(channel)


class ChannelRevealOutput(ChannelOutput):
    """The answer to creating a channel and to rotating its signing secret: the only
    time the signing secret is shown in full."""

    signing_secret = serializers.SerializerMethodField(
        help_text="Webhook: the signing secret in full, shown only now (masked afterwards); blank for other types."
    )

    class Meta(ChannelOutput.Meta):
        fields = [*ChannelOutput.Meta.fields, "signing_secret"]

    def get_signing_secret(self, channel) -> str:
        return channel_signing_secret(channel)


class EscalationStepField(StrictSerializer):
    channel = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    delay_seconds = serializers.IntegerField(min_value=0, max_value=7 * 86400)


class RuleInput(StrictSerializer):
    name = _name()
    kind = serializers.ChoiceField(choices=RuleKind.choices)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    enabled = serializers.BooleanField(required=False)
    goal = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**63 - 1)
    status_threshold = serializers.ChoiceField(choices=StatusThreshold.choices, required=False)
    deadline_days = serializers.IntegerField(required=False, min_value=0, max_value=365)
    losing_streak = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**31 - 1)
    strategy_drawdown = decimal_from_model(Rule._meta.get_field("strategy_drawdown"), required=False, allow_null=True)
    event_kind = serializers.CharField(max_length=64, required=False, allow_blank=True, trim_whitespace=False)
    repeat_interval_seconds = serializers.IntegerField(required=False, min_value=0, max_value=30 * 86400)
    channels = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), required=False, max_length=20
    )
    escalation = serializers.ListField(child=EscalationStepField(), required=False, max_length=10)
    title_template = _text(TEMPLATE_PATTERN, 200, required=False, message=TEMPLATE_MESSAGE)
    body_template = _text(TEMPLATE_PATTERN, TEMPLATE_MAX, required=False, message=TEMPLATE_MESSAGE)


class EscalationOutput(serializers.Serializer):
    channel = serializers.IntegerField(source="channel_id")
    delay_seconds = serializers.IntegerField()


class RuleOutput(ModelSerializer):
    channels = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    escalation = EscalationOutput(many=True, read_only=True)

    class Meta:
        model = Rule
        fields = ["id", *RULE_FIELDS, "channels", "escalation", "created_at"]


class NotificationOutput(ModelSerializer):
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


class AttemptOutput(ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["at", "outcome", "status_code", "latency_ms", "error"]


class DeliveryOutput(ModelSerializer):
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
    subject = serializers.CharField(
        max_length=150, trim_whitespace=False, validators=[text_line], help_text="One line: no control characters."
    )
    message = serializers.CharField(max_length=2000, allow_blank=True, default="", trim_whitespace=False)
    dedup_key = serializers.CharField(max_length=200, trim_whitespace=False, validators=[has_visible_text])
    status = serializers.ChoiceField(
        choices=[("firing", "firing"), ("resolved", "resolved")],
        default="firing",
        help_text="`resolved` clears the alert opened with the same kind, subject and dedup_key.",
    )


class EventOutput(serializers.Serializer):
    notifications = NotificationOutput(many=True)
