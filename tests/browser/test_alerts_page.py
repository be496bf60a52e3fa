"""A trader who is not staff manages their alerts on /alerts/ in a real browser: signs
in, adds a webhook channel and tests it, creates an at-risk rule, sees the alert fire
and acknowledges it. Server-rendered forms; no outside requests; fits 1366×768."""

import datetime as dt
import json
import urllib.request
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from alerts.models import Channel, Notification, Rule
from alerts.services.notifications import alert_report
from alerts.tests.fixtures import received
from goals.factories import GoalFactory
from mastertrade.core import clock
from mastertrade.factories import api_token_for
from mastertrade.testing import wait_for

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def record_trade(base_url: str, user, goal_id: int, pnl: str) -> None:
    body = {
        "goal": goal_id,
        "symbol": "BTCUSDT",
        "side": "LONG",
        "quantity": "1",
        "entry_price": "100",
        "exit_price": "100",
        "profit_loss": pnl,
        "entry_time": "2026-11-01T10:00:00Z",
        "status": "closed",
    }
    request = urllib.request.Request(  # noqa: S310 (the live server's http URL)
        f"{base_url}/api/v1/trades/",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Token {api_token_for(user)}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert response.status == 201


def test_trader_sets_up_alerts_and_acknowledges_one(
    page, live_server, plain_user, offline, screenshots, receiver, celery_worker_process
):
    receiver.expect_request("/hook", method="POST").respond_with_data("ok")
    base = live_server.url

    page.goto(f"{base}/alerts/")
    expect(page).to_have_url(f"{base}/alerts/login/?next=/alerts/")
    page.fill("#id_username", plain_user.username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page).to_have_url(f"{base}/alerts/")

    # A channel on the wrong host: the error is next to the field, nothing is saved.
    page.fill("#id_channel-name", "team slack")
    page.select_option("#id_channel-kind", "slack")
    page.fill("#id_channel-url", "https://evil.example.com/services/x")
    page.click("#channel-form button[type=submit]")
    expect(page.locator("#channel-form .errorlist")).to_contain_text("must start with https://hooks.slack.com/")
    assert not Channel.objects.exists()

    page.fill("#id_channel-name", "engine webhook")
    page.select_option("#id_channel-kind", "webhook")
    page.fill("#id_channel-url", receiver.url_for("/hook"))
    page.click("#channel-form button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("Channel 'engine webhook' added.")
    expect(page.locator("#channels")).to_contain_text("…")  # secrets masked

    page.click("#channels button:has-text('Send test')")
    expect(page.locator(".messages")).to_contain_text("Test sent to 'engine webhook' (HTTP 200).")
    expect(page.locator("#deliveries")).to_contain_text("sent HTTP 200")
    assert len(received(receiver, "/hook")) == 1

    page.fill("#id_rule-name", "goals at risk")
    page.select_option("#id_rule-kind", "goal_at_risk")
    page.select_option("#id_rule-escalation_channel_1", label="engine webhook (webhook)")
    page.fill("#id_rule-escalation_delay_1", "-5")
    page.check("#rule-form input[name=rule-channels]")
    page.click("#rule-form button[type=submit]")
    expect(page.locator("#rule-form .errorlist")).to_contain_text("cannot be negative")
    assert not Rule.objects.exists()
    page.fill("#id_rule-escalation_delay_1", "900")
    page.click("#rule-form button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("Rule 'goals at risk' created.")
    expect(page.locator("#rules")).to_contain_text("engine webhook after 900 s")

    # A trade through the API leaves the goal at risk; the real worker evaluates the rules.
    today = clock.today()
    goal = GoalFactory(
        owner=plain_user,
        name="Side income",
        target_value=Decimal("1000"),
        current_value=Decimal("600"),
        start_date=today - dt.timedelta(days=20),
        target_date=today + dt.timedelta(days=10),
    )
    record_trade(base, plain_user, goal.pk, "-100")  # 50 % vs 66.67 % expected: at risk

    def fired():
        page.goto(f"{base}/alerts/")
        return "is at risk" in page.locator("#firing").inner_text()

    assert wait_for(fired, timeout=30, interval=0.5)
    expect(page.locator("#firing")).to_contain_text("Goal 'Side income' is at risk")
    assert wait_for(lambda: len(received(receiver, "/hook")) == 2)  # the test, then the alert
    fits(page)
    page.screenshot(path=str(screenshots / "alerts-page.png"), full_page=True)

    page.click("#firing button:has-text('Acknowledge')")
    expect(page.locator(".messages")).to_contain_text("Acknowledged")
    expect(page.locator("#firing")).to_contain_text("acknowledged")
    assert Notification.objects.get().acknowledged_at is not None
    fits(page)
    page.screenshot(path=str(screenshots / "alerts-acknowledged.png"))


def test_someone_elses_alert_cannot_be_touched(page, live_server, plain_user, other_user, log_in_alerts):
    from alerts.factories import RuleFactory

    rule = RuleFactory(owner=other_user)
    n = alert_report(rule=rule, subject="s", condition="c", firing=True, title="theirs", detail="")
    log_in_alerts(plain_user)
    expect(page.locator("#firing")).not_to_contain_text("theirs")
    status = page.evaluate(
        """async (url) => {
            const token = document.querySelector('[name=csrfmiddlewaretoken]').value;
            const r = await fetch(url, {method: 'POST', headers: {'X-CSRFToken': token}});
            return r.status;
        }""",
        f"/alerts/notifications/{n.pk}/ack/",
    )
    assert status == 404
    assert Notification.objects.get().acknowledged_at is None


@pytest.fixture
def log_in_alerts(page, live_server):
    def log_in(user):
        page.goto(f"{live_server.url}/alerts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("#login-form button[type=submit]")
        expect(page).to_have_url(f"{live_server.url}/alerts/")

    return log_in
