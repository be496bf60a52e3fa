"""Rules: what fires an alert, to which channels, and the escalation chain."""

from django.db import IntegrityError, transaction

from ..models import Channel, EscalationStep, Rule
from .errors import full_clean, invalid, name_taken, unknown

# What an owner may set on a rule besides its channels and escalation chain: the one list
# rule_save accepts and the API's rule output shows (its input declares each with its bounds).
RULE_FIELDS = (
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
)


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
    extra = set(fields) - set(RULE_FIELDS)
    if extra:
        raise invalid(sorted(extra)[0], "Unknown field.")
    goal = fields.get("goal")
    if goal is not None and goal.owner_id != owner.pk:
        raise unknown("goal", "No such goal.")
    _check_owned(owner, channels or [], escalation or [])
    rule = Rule(owner=owner) if rule is None else Rule.objects.select_for_update().get(pk=rule.pk)
    for name, value in fields.items():
        setattr(rule, name, value)
    full_clean(rule, exclude=["owner"], validate_constraints=False, validate_unique=False)
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
