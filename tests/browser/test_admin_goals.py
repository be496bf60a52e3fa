"""A person manages goals in the admin, in a real browser (Chromium through Playwright)
against a live server on the real database."""

import datetime as dt
import json
import re
import urllib.request
from decimal import Decimal

import pytest
from django.test import Client
from playwright.sync_api import expect

from goals.factories import GoalFactory, SnapshotFactory
from goals.models import FinancialGoal, GoalProgressSnapshot
from mastertrade.core import clock
from mastertrade.factories import api_token_for
from risk.services import position_size_decide
from strategies.factories import StrategyFactory
from strategies.services import strategy_select
from trades.services import trade_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ON_TRACK_GREEN = "rgb(46, 125, 50)"


def assert_fits_the_screen(page) -> None:
    """Usable on a laptop screen: neither the page nor a list's table scrolls sideways."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    tables = page.locator("#changelist .results")
    if tables.count():
        assert tables.evaluate("e => e.scrollWidth <= e.clientWidth"), "the list's table is wider than the screen"


def record_progress_through_the_api(base_url: str, user, goal_id: int, value: str) -> dict:
    token = api_token_for(user)
    request = urllib.request.Request(  # noqa: S310 (the live server's http URL)
        f"{base_url}/api/v1/goals/{goal_id}/progress/",
        data=json.dumps({"current_value": value}).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert response.status == 200
        return json.loads(response.read())


def some_other_goals(owner) -> None:
    """Goals in each status, so the list (and its screenshot) shows every colour."""
    today = clock.today()
    started = {"start_date": today - dt.timedelta(days=20), "target_date": today + dt.timedelta(days=10)}
    for name, current, dates in (
        ("Portfolio to 50k", "34000", started),
        ("Side income", "420", started),
        ("Emergency fund", "150", started),
        ("December bonus", "1000", {}),
        ("Q3 income (old)", "300", {"start_date": today - dt.timedelta(90), "target_date": today - dt.timedelta(5)}),
    ):
        target = "50000" if name.startswith("Portfolio") else "1000"
        goal = GoalFactory(
            owner=owner,
            name=name,
            goal_type="portfolio_value" if name.startswith("Portfolio") else "monthly_income",
            target_value=Decimal(target),
            current_value=Decimal(current),
            **dates,
        )
        SnapshotFactory(goal=goal, progress_pct=goal.progress_pct())


def test_staff_creates_a_goal_follows_its_progress_and_runs_actions(
    page, live_server, staff_user, log_in, offline, screenshots
):
    base = live_server.url
    some_other_goals(staff_user)

    log_in(staff_user)
    expect(page).to_have_url(f"{base}/admin/")
    expect(page.locator("#site-name")).to_contain_text("MasterTrade Goals")

    # Create a goal through the admin form: an invalid target first, with a clear error.
    started, deadline = clock.today() - dt.timedelta(days=10), clock.today() + dt.timedelta(days=20)
    page.goto(f"{base}/admin/goals/financialgoal/add/")
    page.fill("#id_name", "Browser income goal")
    page.select_option("#id_goal_type", "monthly_income")
    page.fill("#id_target_value", "0")
    page.fill("#id_start_date", started.isoformat())
    page.fill("#id_target_date", deadline.isoformat())
    page.select_option("#id_calendar", "24/7")  # every day counts: the pace below doesn't depend on the weekday
    page.click("input[name=_save]")
    expect(page.locator(".errornote")).to_be_visible()
    expect(page.locator(".field-target_value .errorlist")).to_have_text("Must be greater than zero.")
    page.screenshot(path=screenshots / "goal-add-error.png", full_page=True)
    assert not FinancialGoal.objects.filter(name="Browser income goal").exists()

    page.fill("#id_target_value", "1000")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")
    goal = FinancialGoal.objects.get(name="Browser income goal")
    assert goal.owner == staff_user and goal.target_value == Decimal("1000")

    # It is in the list, with its progress bar.
    row = page.locator("#result_list tbody tr", has_text="Browser income goal")
    expect(row.locator(".mt-progress")).to_have_attribute("data-pct", "0.00")
    expect(row.locator(".mt-badge")).to_have_text("Behind")  # 0 % a third of the way to the deadline
    expect(row.locator("td.field-days_left_column")).to_have_text("20 days")

    # Progress recorded through the API shows on the detail page's chart.
    body = record_progress_through_the_api(base, staff_user, goal.pk, "400")
    assert body["progress_pct"] == "40.00"
    page.goto(f"{base}/admin/goals/financialgoal/{goal.pk}/change/")
    chart = page.locator("#progress-chart")
    expect(chart.locator("circle.mt-chart__point[data-pct='40.00']")).to_have_count(1)
    expect(chart.locator(".mt-chart__pace")).to_have_count(1)
    expect(page.locator(".field-status_detail")).to_contain_text(
        "progress 40.00% vs 32.26% expected by now (on track: within 10 points)"  # 10 of 31 days
    )
    expect(page.locator(".field-progress_column .mt-progress__bar")).to_have_css("background-color", ON_TRACK_GREEN)
    page.screenshot(path=screenshots / "goal-detail.png", full_page=True)

    # "Snapshot now" from the list's action menu: a periodic point joins the chart.
    page.goto(f"{base}/admin/goals/financialgoal/")
    row.locator("input.action-select").check()
    page.select_option("select[name=action]", "snapshot_goals")
    page.click("button[name=index]")
    expect(page.locator(".messagelist")).to_contain_text("Wrote 1 periodic snapshot.")
    assert GoalProgressSnapshot.objects.filter(goal=goal, source="periodic").count() == 1
    page.goto(f"{base}/admin/goals/financialgoal/{goal.pk}/change/")
    expect(chart.locator("circle.mt-chart__point--periodic")).to_have_count(1)

    # "Pause" from the button on the goal's page: the state changes, the list says so.
    page.click("button[data-tool=pause]")
    expect(page.locator(".messagelist")).to_contain_text("Paused 1 goal.")
    expect(page.locator("button[data-tool=resume]")).to_be_visible()
    goal.refresh_from_db()
    assert goal.state == "paused"
    page.goto(f"{base}/admin/goals/financialgoal/")
    expect(row.locator("td.field-state")).to_have_text("Paused")

    assert_fits_the_screen(page)
    page.screenshot(path=screenshots / "goal-list.png", full_page=True)


def test_a_non_staff_user_cannot_enter(page, live_server, plain_user, log_in, offline):
    base = live_server.url
    log_in(plain_user)
    expect(page.locator(".errornote")).to_contain_text("staff account")
    expect(page).to_have_url(re.compile(r"/admin/login/"))

    # Even signed in (a session from elsewhere in the site), the admin sends them to its login page.
    client = Client()
    client.force_login(plain_user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}])
    page.goto(f"{base}/admin/goals/financialgoal/")
    expect(page).to_have_url(f"{base}/admin/login/?next=/admin/goals/financialgoal/")
    expect(page.locator(".errornote")).to_contain_text("not authorized to access this page")


def test_every_list_page_fits_a_laptop_screen(page, live_server, staff_user, log_in, offline, screenshots):
    """Strategies (with their performance), trades, sizing decisions and selections, each
    with a few rows made through the services, shown at 1366×768."""
    base = live_server.url
    some_other_goals(staff_user)
    goal = FinancialGoal.objects.get(name="Side income")
    for strategy_id, kind, profile in (
        ("momentum-btc", "momentum", "aggressive"),
        ("breakout-eth", "breakout", "moderate"),
        ("meanrev-sol", "mean_reversion", "conservative"),
    ):
        strategy = StrategyFactory(owner=staff_user, strategy_id=strategy_id, strategy_type=kind, risk_profile=profile)
        for i, (exit_price, side) in enumerate((("110", "LONG"), ("95", "LONG"), ("90", "SHORT"))):
            trade_record(
                owner=staff_user,
                goal=goal,
                strategy=strategy,
                symbol=["BTCUSDT", "ETHUSDT", "SOLUSDT"][i],
                side=side,
                quantity=Decimal("2"),
                entry_price=Decimal("100"),
                exit_price=Decimal(exit_price),
                entry_time=clock.now() - dt.timedelta(hours=5 - i),
                status="closed",
            )
        position_size_decide(goal=goal, base_position_size=Decimal("1000"), symbol="BTCUSDT")
    strategy_select(owner=staff_user, goal=goal)

    log_in(staff_user)
    for name, url in (
        ("strategy-list", "/admin/strategies/strategyinstance/"),
        ("trade-list", "/admin/trades/trade/"),
        ("sizing-decision-list", "/admin/risk/goaladjustment/"),
        ("selection-list", "/admin/strategies/strategyselection/"),
    ):
        page.goto(f"{base}{url}")
        expect(page.locator("#result_list tbody tr").first).to_be_visible()
        page.screenshot(path=screenshots / f"{name}.png", full_page=True)
        assert_fits_the_screen(page)

    expect(page.locator("#result_list")).to_contain_text("balanced")
    page.goto(f"{base}/admin/strategies/strategyinstance/")
    row = page.locator("#result_list tbody tr", has_text="breakout-eth")
    expect(row.locator("td.field-trades_column")).to_have_text("3")
    page.goto(f"{base}/admin/goals/financialgoal/{goal.pk}/change/")
    for title in ("Linked trades", "Latest sizing decisions", "Latest strategy selections"):
        expect(page.locator(".mt-panel", has_text=title).locator("tbody tr").first).to_be_visible()
    assert_fits_the_screen(page)
