"""Each rule kind, evaluated as the worker does; the periodic tick; the hooks other apps
call after commit."""

import datetime as dt
from decimal import Decimal

import pytest

from alerts.factories import RuleFactory
from alerts.models import Heartbeat, Notification
from alerts.services.evaluation import data_down_evaluate, goal_evaluate, strategy_evaluate, tick
from alerts.services.notifications import alert_report
from alerts.services.rules import rule_save
from goals.factories import GoalFactory, SnapshotFactory
from mastertrade.core import clock
from strategies.factories import StrategyFactory
from trades.factories import TradeFactory

pytestmark = pytest.mark.django_db


def goal(owner, current="500", days_done=20, days_left=10, **kw):
    today = clock.today()
    return GoalFactory(
        owner=owner,
        target_value=Decimal("1000"),
        current_value=Decimal(current),
        peak_value=max(Decimal(current), Decimal(kw.pop("peak", current))),
        start_date=today - dt.timedelta(days=days_done),
        target_date=today + dt.timedelta(days=days_left),
        **kw,
    )


def firing(rule):
    return list(Notification.objects.filter(rule=rule, state="firing").values_list("title", flat=True))


def test_at_risk_threshold_behind_only(user):
    at_risk_rule = RuleFactory(owner=user, kind="goal_at_risk", status_threshold="at_risk")
    behind_rule = RuleFactory(owner=user, kind="goal_at_risk", status_threshold="behind")
    g = goal(user, "500")  # 50 % vs 66.67 %: at risk
    goal_evaluate(goal_id=g.pk)
    assert len(firing(at_risk_rule)) == 1 and firing(behind_rule) == []
    g.current_value = Decimal("100")  # behind
    g.save()
    goal_evaluate(goal_id=g.pk)
    assert len(firing(at_risk_rule)) == 1 and len(firing(behind_rule)) == 1


def test_missed_achieved_and_deadline_near_fire_once(user):
    missed = RuleFactory(owner=user, kind="goal_missed")
    achieved = RuleFactory(owner=user, kind="goal_achieved")
    near = RuleFactory(owner=user, kind="deadline_near", deadline_days=3)
    past = GoalFactory(
        owner=user, start_date=clock.today() - dt.timedelta(days=40), target_date=clock.today() - dt.timedelta(days=1)
    )
    done = goal(user, "1000")
    close = goal(user, "500", days_done=28, days_left=2)
    for _ in range(2):
        for g in (past, done, close):
            goal_evaluate(goal_id=g.pk)
    assert Notification.objects.filter(rule=missed).count() == 1
    assert Notification.objects.filter(rule=achieved).count() == 1
    assert [n.subject for n in Notification.objects.filter(rule=near)] == [f"goal:{close.pk}"]
    # A moment, not a state: told once and closed at once (nothing stays "firing").
    assert not Notification.objects.filter(state="firing").exists()


def test_drawdown_fires_when_protective_and_resolves_under_the_line(user):
    rule = RuleFactory(owner=user, kind="drawdown")
    g = GoalFactory(
        owner=user,
        goal_type="portfolio_value",
        target_value=Decimal("20000"),
        current_value=Decimal("8800"),
        peak_value=Decimal("10000"),
        max_drawdown_pct=Decimal("15"),
    )  # 12 % from the peak: past 10 % (two thirds of 15)
    goal_evaluate(goal_id=g.pk)
    assert firing(rule) and "protective" in firing(rule)[0]
    g.current_value = Decimal("9500")  # 5 %
    g.save()
    goal_evaluate(goal_id=g.pk)
    assert firing(rule) == [] and Notification.objects.get(rule=rule).state == "resolved"


def test_strategy_failure_by_status_and_losing_streak(user):
    rule = RuleFactory(owner=user, kind="strategy_failure", losing_streak=3)
    strategy = StrategyFactory(owner=user)
    for _ in range(3):
        TradeFactory(owner=user, strategy=strategy, closed=True, profit_loss=Decimal("-5"))
    strategy_evaluate(strategy_pk=strategy.pk)
    assert "3 losing trades" in Notification.objects.get(rule=rule).detail
    TradeFactory(owner=user, strategy=strategy, closed=True, profit_loss=Decimal("5"), exit_time=clock.now())
    strategy_evaluate(strategy_pk=strategy.pk)
    assert firing(rule) == []
    strategy.status = "failed"
    strategy.save()
    strategy_evaluate(strategy_pk=strategy.pk)
    assert len(firing(rule)) == 1


def test_data_down_stale_snapshots_and_heartbeat(user, settings):
    settings.GOAL_SNAPSHOT_INTERVAL_SECONDS = 3600
    rule = RuleFactory(owner=user, kind="data_down")
    now = clock.now()
    g = goal(user)
    type(g).objects.filter(pk=g.pk).update(created_at=now - dt.timedelta(hours=5))
    SnapshotFactory(goal=g, snapshot_at=now - dt.timedelta(hours=3))
    data_down_evaluate(now=now, previous_heartbeat=now - dt.timedelta(hours=1))
    titles = sorted(firing(rule))
    assert any("No snapshot" in t for t in titles) and any("heartbeat" in t for t in titles)
    SnapshotFactory(goal=g, snapshot_at=now)
    data_down_evaluate(now=now, previous_heartbeat=now - dt.timedelta(seconds=30))
    assert firing(rule) == []


def test_tick_beats_and_escalates_what_is_due(user):
    from alerts.factories import ChannelFactory
    from alerts.models import Delivery

    first, second = ChannelFactory(owner=user), ChannelFactory(owner=user)
    rule = rule_save(owner=user, name="r", kind="external_event", channels=[first], escalation=[(second, 60)])
    now = clock.now()
    n = alert_report(rule=rule, subject="s", condition="c", firing=True, title="t", detail="", now=now)
    assert tick(now=now + dt.timedelta(seconds=30))["escalated"] == 0
    assert tick(now=now + dt.timedelta(seconds=61))["escalated"] == 1
    assert Delivery.objects.filter(notification=n, channel=second, event="escalate").count() == 1
    assert tick(now=now + dt.timedelta(seconds=120))["escalated"] == 0  # the chain has one step
    assert Heartbeat.objects.get().seen_at == now + dt.timedelta(seconds=120)


def test_hooks_enqueue_after_commit(user, django_capture_on_commit_callbacks):
    from goals.services import goal_progress_set
    from risk.services import position_size_decide

    g = goal(user, "500")
    with django_capture_on_commit_callbacks() as callbacks:
        goal_progress_set(goal=g, current_value=Decimal("510"))
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks() as callbacks:
        position_size_decide(goal=g, base_position_size=Decimal("100"))
    assert len(callbacks) == 1


def test_a_delivery_the_broker_never_got_is_handed_over_again_by_the_tick(user, django_capture_on_commit_callbacks):
    """A broker that was down when the notification fired (its hand-over after commit
    failed): the delivery waits, pending, and the tick after 30 s hands it over again."""
    from alerts.factories import ChannelFactory
    from alerts.models import Delivery

    rule = RuleFactory(owner=user, kind="external_event", channels=[ChannelFactory(owner=user)])
    now = clock.now()
    n = alert_report(rule=rule, subject="s", condition="c", firing=True, title="t", detail="", now=now)
    delivery = Delivery.objects.get(notification=n)
    assert delivery.status == "pending"
    assert tick(now=now + dt.timedelta(seconds=10))["resent"] == 0  # its first hand-over may still come
    with django_capture_on_commit_callbacks() as callbacks:
        assert tick(now=now + dt.timedelta(seconds=31))["resent"] == 1
    assert len(callbacks) == 1  # enqueued after the tick's commit, like the first time
