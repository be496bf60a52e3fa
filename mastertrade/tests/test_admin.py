"""The admin, without a browser: bounded queries on every list, read-only audit logs,
actions that go through the services, staff-only access and the login lock-out."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from goals.admin.display import status_reason
from goals.factories import GoalFactory, SnapshotFactory
from goals.models import FinancialGoal, GoalProgressSnapshot
from mastertrade.core import clock
from mastertrade.core.admin import client_address, login_failure_key, login_failures_clear
from mastertrade.factories import UserFactory
from risk.factories import AdjustmentFactory
from risk.models import GoalAdjustment
from strategies.factories import StrategyFactory
from strategies.models import StrategyInstance, StrategySelection
from strategies.selectors import strategy_performance_invalidate
from trades.factories import TradeFactory

pytestmark = pytest.mark.django_db

GOALS = "/admin/goals/financialgoal/"
TRADES = "/admin/trades/trade/"
ADJUSTMENTS = "/admin/risk/goaladjustment/"
STRATEGIES = "/admin/strategies/strategyinstance/"
SELECTIONS = "/admin/strategies/strategyselection/"


def selection(goal, strategy, **extra):
    return StrategySelection.objects.create(
        owner=goal.owner,
        goal=goal,
        selected=strategy,
        stance="balanced",
        progress_pct=Decimal("40"),
        reason="On track: balanced.",
        ranking=[{"strategy_id": strategy.strategy_id, "score": "0.5", "eligible": True, "note": ""}],
        **extra,
    )


def make_rows(n: int) -> None:
    """n rows in every admin list (goals, trades, sizing decisions, strategies, selections),
    each with its own owner, goal and strategy so that an N+1 would show."""
    for i in range(n):
        goal = GoalFactory(current_value=Decimal(i * 10))
        SnapshotFactory(goal=goal)
        strategy = StrategyFactory(owner=goal.owner)
        TradeFactory(owner=goal.owner, goal=goal, strategy=strategy, closed=True, symbol=f"SYM{i % 7}")
        AdjustmentFactory(goal=goal)
        selection(goal, strategy)
    for strategy in StrategyInstance.objects.all():
        strategy_performance_invalidate(strategy_pk=strategy.pk)


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(ctx.captured_queries)


LISTS = [
    GOALS,
    f"{GOALS}?status=on_track",
    f"{GOALS}?o=5",
    TRADES,
    f"{TRADES}?status__exact=closed&side__exact=LONG",
    ADJUSTMENTS,
    STRATEGIES,
    SELECTIONS,
]


@pytest.mark.parametrize("url", LISTS)
def test_list_pages_cost_a_fixed_number_of_queries(admin_client, url, django_assert_max_num_queries):
    make_rows(3)
    few = count_queries(admin_client, url)
    make_rows(47)
    with django_assert_max_num_queries(few):  # 50 rows: no more queries than 3 rows
        response = admin_client.get(url)
    assert response.status_code == 200
    assert few <= 12


def test_goal_list_shows_progress_bar_status_and_days_left(admin_client):
    today = clock.today()
    goal = GoalFactory(
        name="Rent money",
        target_value=Decimal("1000"),
        current_value=Decimal("400"),
        start_date=today - dt.timedelta(days=10),
        target_date=today + dt.timedelta(days=20),
    )
    html = admin_client.get(GOALS).content.decode()
    assert "Rent money" in html and goal.owner.username in html
    assert 'class="mt-progress"' in html and 'data-pct="40.00"' in html and "width: 40.00%" in html
    assert "mt-status--on_track" in html and "On track" in html
    assert "20 days" in html
    assert "progress 40.00% vs 33.33% expected by now (on track: within 10 points)" in html
    assert "/static/admin_mt/admin.css" in html


def test_status_reason_names_the_numbers_and_thresholds():
    today = dt.date(2026, 1, 11)
    start, deadline = dt.date(2026, 1, 1), dt.date(2026, 1, 31)

    def goal(current, **kw):
        return FinancialGoal(
            target_value=Decimal("100"),
            current_value=Decimal(current),
            start_date=start,
            target_date=kw.get("target_date", deadline),
        )

    assert status_reason(goal("40"), today) == "progress 40.00% vs 33.33% expected by now (on track: within 10 points)"
    assert status_reason(goal("20"), today) == (
        "progress 20.00% vs 33.33% expected by now (at risk: 13.33 points behind, within 25)"
    )
    assert status_reason(goal("5"), today) == (
        "progress 5.00% vs 33.33% expected by now (behind: 28.33 points behind, more than 25)"
    )
    assert "reached the target" in status_reason(goal("100"), today)
    assert "no deadline" in status_reason(goal("5", target_date=None), today)
    assert "passed" in status_reason(goal("5"), dt.date(2026, 2, 2))


def test_status_filter_matches_the_derived_status(admin_client):
    today = clock.today()
    past = today - dt.timedelta(days=40)
    cases = {
        "achieved": GoalFactory(current_value=Decimal("1000")),
        "missed": GoalFactory(current_value=Decimal("100"), start_date=past, target_date=today - dt.timedelta(days=1)),
        "no_deadline": GoalFactory(current_value=Decimal("0"), target_date=None),
        "on_track": GoalFactory(
            current_value=Decimal("300"), start_date=today - dt.timedelta(days=10), target_date=today + dt.timedelta(20)
        ),
        "at_risk": GoalFactory(
            current_value=Decimal("150"), start_date=today - dt.timedelta(days=10), target_date=today + dt.timedelta(20)
        ),
        "behind": GoalFactory(
            current_value=Decimal("10"), start_date=today - dt.timedelta(days=10), target_date=today + dt.timedelta(20)
        ),
        "edge": GoalFactory(  # exactly expected − 10 points: on track
            current_value=Decimal("233.3"), start_date=today - dt.timedelta(10), target_date=today + dt.timedelta(20)
        ),
    }
    expected_status = {name: goal.status() for name, goal in cases.items()}
    assert expected_status["achieved"] == "achieved" and expected_status["missed"] == "missed"
    assert expected_status["at_risk"] == "at_risk" and expected_status["behind"] == "behind"
    for status, _label in (("on_track", ""), ("at_risk", ""), ("behind", ""), ("achieved", ""), ("missed", "")):
        response = admin_client.get(f"{GOALS}?status={status}")
        shown = {g.pk for g in response.context["cl"].result_list}
        assert shown == {goal.pk for name, goal in cases.items() if expected_status[name] == status}, status


def test_add_goal_through_the_admin_form_uses_the_service(admin_client, admin_user):
    deadline = clock.today() + dt.timedelta(days=30)
    response = admin_client.post(
        f"{GOALS}add/",
        {
            "owner": admin_user.pk,
            "name": "Income",
            "goal_type": "monthly_income",
            "target_value": "1000",
            "current_value": "250",
            "start_date": clock.today().isoformat(),
            "target_date": deadline.isoformat(),
            "state": "active",
            "max_drawdown_pct": "15",
            "min_factor": "0.5",
            "max_factor": "1.3",
            "on_achieved": "reduce",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    goal = FinancialGoal.objects.get(name="Income")
    assert goal.owner == admin_user and goal.peak_value == Decimal("250")  # goal_create sets the peak


def test_invalid_target_shows_a_clear_error_and_writes_nothing(admin_client, admin_user):
    response = admin_client.post(
        f"{GOALS}add/",
        {
            "owner": admin_user.pk,
            "name": "Bad",
            "goal_type": "monthly_income",
            "target_value": "0",
            "current_value": "0",
            "start_date": "2026-01-10",
            "target_date": "2026-01-01",
            "state": "active",
            "max_drawdown_pct": "15",
            "min_factor": "0.5",
            "max_factor": "1.3",
            "on_achieved": "reduce",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["target_value"] == ["Must be greater than zero."]
    assert errors["target_date"] == ["Must be after the start date."]
    assert not FinancialGoal.objects.exists()


def test_change_goal_and_record_progress(admin_client):
    goal = GoalFactory(target_value=Decimal("1000"), current_value=Decimal("100"))
    url = f"{GOALS}{goal.pk}/change/"
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(name="Renamed", record_progress="400")
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    goal.refresh_from_db()
    assert goal.name == "Renamed" and goal.current_value == Decimal("400") and goal.peak_value == Decimal("400")
    snapshot = GoalProgressSnapshot.objects.get(goal=goal)
    assert snapshot.source == "update" and snapshot.progress_pct == Decimal("40")


def test_goal_detail_shows_chart_pace_and_the_audit_trail(admin_client):
    today = clock.today()
    goal = GoalFactory(start_date=today - dt.timedelta(days=5), target_date=today + dt.timedelta(days=25))
    SnapshotFactory(goal=goal, current_value=Decimal("100"), progress_pct=Decimal("10"))
    SnapshotFactory(goal=goal, current_value=Decimal("250"), progress_pct=Decimal("25"))
    strategy = StrategyFactory(owner=goal.owner, strategy_id="breakout-1")
    TradeFactory(owner=goal.owner, goal=goal, strategy=strategy, closed=True, symbol="ETHUSDT")
    AdjustmentFactory(goal=goal, reason="Behind the goal: size up.")
    selection(goal, strategy)
    html = admin_client.get(f"{GOALS}{goal.pk}/change/").content.decode()
    assert 'data-points="2"' in html
    assert 'data-pct="10.00"' in html and 'data-pct="25.00"' in html
    assert 'class="mt-chart__pace"' in html
    for text in (
        "Linked trades",
        "ETHUSDT",
        "Latest sizing decisions",
        "Behind the goal: size up.",
        "Latest strategy selections",
        "breakout-1",
    ):
        assert text in html
    assert "Pause" in html and "Snapshot now" in html and "Resume" not in html


def test_goal_without_deadline_has_no_pace_line(admin_client):
    goal = GoalFactory(target_date=None)
    html = admin_client.get(f"{GOALS}{goal.pk}/change/").content.decode()
    assert 'class="mt-chart__pace"' not in html and "No history yet" in html


def action(client, url, name, objects):
    return client.post(url, {"action": name, "_selected_action": [o.pk for o in objects]}, follow=True)


def test_goal_actions_pause_resume_archive_and_snapshot(admin_client):
    active, paused = GoalFactory(), GoalFactory(state="paused")
    response = action(admin_client, GOALS, "snapshot_goals", [active, paused])
    text = response.content.decode()
    assert "Wrote 1 periodic snapshot." in text and "1 goal not snapshotted" in text
    assert GoalProgressSnapshot.objects.filter(goal=active, source="periodic").count() == 1
    action(admin_client, GOALS, "snapshot_goals", [active])  # same period: nothing more
    assert GoalProgressSnapshot.objects.filter(goal=active, source="periodic").count() == 1

    response = action(admin_client, GOALS, "pause_goals", [active, paused])
    assert "Paused 1 goal." in response.content.decode() and "Skipped 1 goal" in response.content.decode()
    active.refresh_from_db()
    assert active.state == "paused"
    action(admin_client, GOALS, "resume_goals", [active, paused])
    assert set(FinancialGoal.objects.values_list("state", flat=True)) == {"active"}
    action(admin_client, GOALS, "archive_goals", [active])
    active.refresh_from_db()
    assert active.state == "archived"


def test_goal_page_buttons_run_the_actions(admin_client):
    goal = GoalFactory()
    run = f"{GOALS}{goal.pk}/run/"
    assert admin_client.get(f"{run}pause/").status_code == 405
    response = admin_client.post(f"{run}snapshot/", follow=True)
    assert "Wrote 1 periodic snapshot." in response.content.decode()
    response = admin_client.post(f"{run}pause/", follow=True)
    goal.refresh_from_db()
    assert goal.state == "paused" and "Paused 1 goal." in response.content.decode()
    assert admin_client.post(f"{run}explode/").status_code == 403


def test_strategies_list_shows_performance_and_bulk_pause_resume(admin_client):
    strategy = StrategyFactory(strategy_id="momo")
    TradeFactory(owner=strategy.owner, strategy=strategy, closed=True, profit_loss=Decimal("10"))
    TradeFactory(owner=strategy.owner, strategy=strategy, closed=True, profit_loss=Decimal("-4"))
    strategy_performance_invalidate(strategy_pk=strategy.pk)
    html = admin_client.get(STRATEGIES).content.decode()
    assert "+6.00" in html and "50.0 %" in html
    action(admin_client, STRATEGIES, "pause_strategies", [strategy])
    strategy.refresh_from_db()
    assert strategy.status == "paused"
    action(admin_client, STRATEGIES, "resume_strategies", [strategy])
    strategy.refresh_from_db()
    assert strategy.status == "active"
    assert "Closed trades" in admin_client.get(f"{STRATEGIES}{strategy.pk}/change/").content.decode()


def test_add_strategy_through_the_service_and_reserved_ids(admin_client, admin_user):
    data = {
        "owner": admin_user.pk,
        "strategy_id": "select",
        "name": "X",
        "strategy_type": "momentum",
        "risk_profile": "moderate",
        "parameters": "{}",
        "status": "active",
    }
    response = admin_client.post(f"{STRATEGIES}add/", data)
    assert "reserved" in str(response.context["adminform"].form.errors["strategy_id"])
    response = admin_client.post(f"{STRATEGIES}add/", data | {"strategy_id": "trend-1"})
    assert response.status_code == 302
    assert StrategyInstance.objects.get(strategy_id="trend-1").owner == admin_user


@pytest.mark.parametrize("url", [ADJUSTMENTS, SELECTIONS, TRADES])
def test_audit_logs_and_ledger_are_read_only(admin_client, url):
    goal = GoalFactory()
    strategy = StrategyFactory(owner=goal.owner)
    row = {
        ADJUSTMENTS: lambda: AdjustmentFactory(goal=goal),
        SELECTIONS: lambda: selection(goal, strategy),
        TRADES: lambda: TradeFactory(owner=goal.owner, goal=goal),
    }[url]()
    listing = admin_client.get(url)
    assert listing.status_code == 200
    assert "delete_selected" not in listing.content.decode()
    assert admin_client.get(f"{url}add/").status_code == 403
    page = admin_client.get(f"{url}{row.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert admin_client.post(f"{url}{row.pk}/change/", {}).status_code == 403
    assert admin_client.post(f"{url}{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert type(row).objects.filter(pk=row.pk).exists()


def test_audit_log_filters_by_goal_stance_and_date(admin_client):
    goal, other = GoalFactory(), GoalFactory()
    AdjustmentFactory(goal=goal, stance="aggressive")
    AdjustmentFactory(goal=goal, stance="balanced")
    AdjustmentFactory(goal=other, stance="aggressive")
    old = AdjustmentFactory(goal=goal, stance="aggressive")
    GoalAdjustment.objects.filter(pk=old.pk).update(created_at=clock.now() - dt.timedelta(days=400))

    def shown(query):
        return len(admin_client.get(f"{ADJUSTMENTS}?{query}").context["cl"].result_list)

    assert shown(f"goal__id__exact={goal.pk}") == 3
    assert shown(f"goal__id__exact={goal.pk}&stance__exact=aggressive") == 2
    today = clock.today()
    assert shown(f"goal__id__exact={goal.pk}&created_at__year={today.year}&created_at__month={today.month}") == 2


def test_non_staff_user_is_sent_to_the_login_page(client):
    client.force_login(UserFactory())
    for url in ("/admin/", GOALS):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/?next=")


def test_non_staff_user_cannot_log_in(client):
    user = UserFactory(username=f"plain-{uuid.uuid4().hex[:8]}")
    response = client.post(
        "/admin/login/?next=/admin/", {"username": user.username, "password": "correct-horse-battery"}
    )
    assert response.status_code == 200
    assert "staff account" in response.content.decode()
    login_failures_clear(login_failure_key(user.username, "127.0.0.1"))


@pytest.fixture
def staff():
    user = get_user_model().objects.create_user(
        username=f"staff-{uuid.uuid4().hex[:8]}", password="right-password-123", is_staff=True, is_superuser=True
    )
    yield user
    login_failures_clear(login_failure_key(user.username, "127.0.0.1"))


def login(client, username, password, address="127.0.0.1"):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_admin_login_locks_out_after_five_failures(client, staff):
    for _ in range(5):
        response = login(client, staff.username, "wrong")
        assert response.status_code == 200 and "correct username and password" in response.content.decode()
    response = login(client, staff.username, "right-password-123")  # even the right password, now
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert "15 minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session

    # Another address is not locked; a success clears that address's counter.
    assert login(client, staff.username, "right-password-123", address="10.0.0.9").status_code == 302


def test_a_successful_login_clears_the_failures(client, staff):
    for _ in range(4):
        login(client, staff.username, "wrong")
    assert login(client, staff.username, "right-password-123").status_code == 302
    client.logout()
    for _ in range(4):
        login(client, staff.username, "wrong")
    assert login(client, staff.username, "right-password-123").status_code == 302


def test_login_is_allowed_when_the_cache_is_down(client, staff, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        }
    }
    for _ in range(6):
        login(client, staff.username, "wrong")
    assert login(client, staff.username, "right-password-123").status_code == 302


def test_client_address_trusts_forwarded_for_only_behind_proxies(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.5")
    assert client_address(request) == "10.1.1.1"  # no proxies: a client-sent header is ignored
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    assert client_address(request) == "203.0.113.5"


def test_selection_page_shows_the_ranking(admin_client):
    goal = GoalFactory()
    sel = selection(goal, StrategyFactory(owner=goal.owner, strategy_id="breakout-7"))
    html = admin_client.get(f"{SELECTIONS}{sel.pk}/change/").content.decode()
    assert "<td>breakout-7</td><td>0.5</td><td>yes</td><td>—</td>" in html
