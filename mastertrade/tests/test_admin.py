"""The admin across apps, without a browser: bounded queries on every list, read-only audit logs,
staff-only access and the login lock-out (each app's own pages: <app>/tests/test_admin.py)."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from goals.factories import GoalFactory, SnapshotFactory
from mastertrade.core import clock
from mastertrade.core.admin import client_address, login_failure_key, login_failures_clear
from mastertrade.factories import UserFactory
from risk.factories import AdjustmentFactory
from risk.models import GoalAdjustment
from strategies.factories import StrategyFactory, selection_for
from strategies.models import StrategyInstance
from strategies.selectors import strategy_performance_invalidate
from trades.factories import TradeFactory

pytestmark = pytest.mark.django_db

GOALS = "/admin/goals/financialgoal/"
TRADES = "/admin/trades/trade/"
ADJUSTMENTS = "/admin/risk/goaladjustment/"
STRATEGIES = "/admin/strategies/strategyinstance/"
SELECTIONS = "/admin/strategies/strategyselection/"


def make_rows(n: int) -> None:
    """n rows in every admin list (goals, trades, sizing decisions, strategies, selections),
    each with its own owner, goal and strategy so that an N+1 would show."""
    for i in range(n):
        goal = GoalFactory(current_value=Decimal(i * 10))
        SnapshotFactory(goal=goal)
        strategy = StrategyFactory(owner=goal.owner)
        TradeFactory(owner=goal.owner, goal=goal, strategy=strategy, closed=True, symbol=f"SYM{i % 7}")
        AdjustmentFactory(goal=goal)
        selection_for(goal, strategy)
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


@pytest.mark.parametrize("url", [ADJUSTMENTS, SELECTIONS, TRADES])
def test_audit_logs_and_ledger_are_read_only(admin_client, url):
    goal = GoalFactory()
    strategy = StrategyFactory(owner=goal.owner)
    row = {
        ADJUSTMENTS: lambda: AdjustmentFactory(goal=goal),
        SELECTIONS: lambda: selection_for(goal, strategy),
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
