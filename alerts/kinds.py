"""The alerts vocabularies, outside the models so the pure policies and the metrics
use the same names."""

from django.db import models


class ChannelKind(models.TextChoices):
    SLACK = "slack", "Slack (incoming webhook)"
    DISCORD = "discord", "Discord (webhook)"
    TELEGRAM = "telegram", "Telegram (bot)"
    EMAIL = "email", "E-mail"
    WEBHOOK = "webhook", "Webhook (Standard Webhooks, signed)"


class RuleKind(models.TextChoices):
    GOAL_AT_RISK = "goal_at_risk", "Goal at risk / behind"
    GOAL_MISSED = "goal_missed", "Goal missed"
    GOAL_ACHIEVED = "goal_achieved", "Goal achieved"
    DEADLINE_NEAR = "deadline_near", "Deadline near (below pace)"
    DRAWDOWN = "drawdown", "Drawdown (protective / halted)"
    STRATEGY_FAILURE = "strategy_failure", "Strategy failure"
    DATA_DOWN = "data_down", "Data down"
    EXTERNAL_EVENT = "external_event", "External event"


GOAL_RULE_KINDS = (
    RuleKind.GOAL_AT_RISK,
    RuleKind.GOAL_MISSED,
    RuleKind.GOAL_ACHIEVED,
    RuleKind.DEADLINE_NEAR,
    RuleKind.DRAWDOWN,
)
# Rules that fire once per subject and never resolve.
ONE_SHOT_KINDS = (RuleKind.GOAL_MISSED, RuleKind.GOAL_ACHIEVED, RuleKind.DEADLINE_NEAR)


class Severity(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"


class StatusThreshold(models.TextChoices):
    AT_RISK = "at_risk", "At risk or behind"
    BEHIND = "behind", "Behind only"


class NotificationState(models.TextChoices):
    FIRING = "firing", "Firing"
    RESOLVED = "resolved", "Resolved"


class DeliveryEvent(models.TextChoices):
    FIRE = "fire", "Fired"
    REPEAT = "repeat", "Repeat"
    RESOLVE = "resolve", "Resolved"
    ESCALATE = "escalate", "Escalation"
    TEST = "test", "Test"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled (channel disabled)"


class AttemptOutcome(models.TextChoices):
    SENT = "sent", "Sent"
    RETRY = "retry", "Failed, will retry"
    FAILED = "failed", "Failed"
    GONE = "gone", "Gone (410): channel disabled"
    REFUSED = "refused", "Refused (address not allowed)"
    LOST = "lost", "Lost (the worker stopped mid-send; tried again)"
