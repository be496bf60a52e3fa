"""Evaluation, in the worker after the commit that changed something: goal, strategy,
data-down and external-event rules decide whether their condition fires, and the
periodic tick (heartbeat, time-based rules, escalations due, deliveries left pending)."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from goals.models import FinancialGoal
from mastertrade.core import clock
from observability.health import check_redis
from risk.inputs import goal_guard_drawdown_pct
from strategies.models import StrategyInstance
from strategies.selectors import strategy_performance_many

from .. import policies, selectors
from ..kinds import GOAL_RULE_KINDS, DeliveryStatus, RuleKind
from ..models import Delivery, Heartbeat, Notification, Rule
from .delivery import claim_stale, deliveries_enqueue
from .notifications import alert_report, notification_escalate, notification_resolve


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


def _rules(owner_id: int, kinds) -> list[Rule]:
    return list(Rule.objects.filter(owner_id=owner_id, kind__in=kinds, enabled=True).prefetch_related("channels"))


def goal_evaluate(*, goal_id: int, now: dt.datetime | None = None) -> int:
    """Evaluate every goal rule of the goal's owner for this goal. Returns the
    notifications touched."""
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
                    notification_resolve(n, now=now)
                touched += 1
    return touched


def tick(*, now: dt.datetime | None = None) -> dict:
    """The periodic pass (beat): heartbeat, data down, time-based goal rules (missed,
    deadline near), escalations due, deliveries left pending (broker down, worker lost)."""
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
        | Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - claim_stale())
    ).values_list("pk", flat=True)
    done["resent"] = len(stuck := list(stuck))
    with transaction.atomic():
        deliveries_enqueue(stuck)
    return done
