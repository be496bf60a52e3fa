"""Alerts end to end through the public API and a real Celery worker: trades move a
goal, the worker evaluates the rules after commit and delivers to a real receiver."""

import datetime as dt

import pytest

from alerts.models import Notification
from alerts.tests.fixtures import received
from mastertrade.core import clock
from mastertrade.testing import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


def channel(token_api, receiver, path):
    receiver.expect_request(path, method="POST").respond_with_data("ok")
    body = {"name": path, "kind": "webhook", "url": receiver.url_for(path)}
    return ok(token_api.post("/api/v1/alerts/channels/", body, format="json"), 201)["id"]


def goal(token_api, name, current="600"):
    """Pace 66.67 % (20 of 30 days): 600/1000 is on track, 500 at risk, 850 on track."""
    today = clock.today()
    body = {
        "name": name,
        "goal_type": "monthly_income",
        "target_value": "1000",
        "current_value": current,
        "start_date": (today - dt.timedelta(days=20)).isoformat(),
        "target_date": (today + dt.timedelta(days=10)).isoformat(),
    }
    return ok(token_api.post("/api/v1/goals/", body, format="json"), 201)["id"]


def rule(token_api, name, goal_id, channels, escalation=()):
    body = {
        "name": name,
        "kind": "goal_at_risk",
        "goal": goal_id,
        "channels": channels,
        "escalation": [{"channel": c, "delay_seconds": d} for c, d in escalation],
    }
    return ok(token_api.post("/api/v1/alerts/rules/", body, format="json"), 201)["id"]


def trade(token_api, goal_id, pnl):
    body = {
        "goal": goal_id,
        "symbol": "BTCUSDT",
        "side": "LONG",
        "quantity": "1",
        "entry_price": "100",
        "exit_price": "100",
        "profit_loss": pnl,
        "entry_time": "2026-11-01T10:00:00Z",
        "exit_time": "2026-11-01T11:00:00Z",
        "status": "closed",
    }
    ok(token_api.post("/api/v1/trades/", body, format="json"), 201)


def events(receiver, path):
    import json

    return [json.loads(r.get_data())["type"] for r in received(receiver, path)]


def sentinel(token_api, receiver, name="sentinel"):
    """A second goal going at risk, delivered to /sentinel: once it arrives, the solo
    worker has finished every task queued before it."""
    path = f"/{name}"
    goal_id = goal(token_api, name)
    rule(token_api, name, goal_id, [channel(token_api, receiver, path)])
    trade(token_api, goal_id, "-100")
    assert wait_for(lambda: received(receiver, path))


def test_at_risk_fires_once_and_recovery_resolves(celery_worker_process, token_api, receiver):
    a = channel(token_api, receiver, "/a")
    g = goal(token_api, "income")
    rule(token_api, "income at risk", g, [a])

    trade(token_api, g, "-100")  # 50 %: at risk
    assert wait_for(lambda: events(receiver, "/a") == ["alert.fire"])
    trade(token_api, g, "-20")  # 48 %: still at risk
    sentinel(token_api, receiver)
    assert events(receiver, "/a") == ["alert.fire"]

    trade(token_api, g, "370")  # 85 %: on track
    assert wait_for(lambda: events(receiver, "/a") == ["alert.fire", "alert.resolve"])
    mine = [
        n for n in ok(token_api.get("/api/v1/alerts/notifications/"))["results"] if n["rule_name"] == "income at risk"
    ]
    assert [n["state"] for n in mine] == ["resolved"]
    deliveries = ok(token_api.get("/api/v1/alerts/deliveries/"))["results"]
    assert {d["status"] for d in deliveries} == {"sent"}


def test_unacknowledged_escalates_to_the_next_channel(celery_worker_process, token_api, receiver):
    a, b = channel(token_api, receiver, "/a"), channel(token_api, receiver, "/b")
    g = goal(token_api, "income")
    rule(token_api, "income at risk", g, [a], escalation=[(b, 1)])
    trade(token_api, g, "-100")
    assert wait_for(lambda: events(receiver, "/a") == ["alert.fire"])
    assert wait_for(lambda: events(receiver, "/b") == ["alert.escalate"])
    assert Notification.objects.get(rule__name="income at risk").escalation_level == 1


def test_acknowledged_does_not_escalate(celery_worker_process, token_api, receiver):
    a, b = channel(token_api, receiver, "/a"), channel(token_api, receiver, "/b")
    g = goal(token_api, "income")
    rule(token_api, "income at risk", g, [a], escalation=[(b, 2)])
    trade(token_api, g, "-100")
    assert wait_for(lambda: events(receiver, "/a") == ["alert.fire"])
    [n] = ok(token_api.get("/api/v1/alerts/notifications/?state=firing"))["results"]
    ok(token_api.post(f"/api/v1/alerts/notifications/{n['id']}/ack/"))
    # A later escalation (3 s) to /late: once it arrives, the first one (due at 2 s) was handled.
    late = channel(token_api, receiver, "/late")
    g2 = goal(token_api, "late")
    rule(token_api, "late", g2, [a], escalation=[(late, 3)])
    trade(token_api, g2, "-100")
    assert wait_for(lambda: events(receiver, "/late") == ["alert.escalate"])
    assert events(receiver, "/b") == []
    assert Notification.objects.get(pk=n["id"]).escalation_level == 0


def test_500_then_200_through_the_worker_is_one_delivery(celery_worker_process, token_api, receiver):
    receiver.expect_ordered_request("/flaky").respond_with_data("boom", status=500)
    receiver.expect_ordered_request("/flaky").respond_with_data("ok")
    body = {"name": "flaky", "kind": "webhook", "url": receiver.url_for("/flaky")}
    flaky = ok(token_api.post("/api/v1/alerts/channels/", body, format="json"), 201)["id"]
    g = goal(token_api, "income")
    rule(token_api, "income at risk", g, [flaky])
    trade(token_api, g, "-100")

    def delivered():
        results = ok(token_api.get("/api/v1/alerts/deliveries/"))["results"]
        return results if results and results[0]["status"] == "sent" else None

    [delivery] = wait_for(delivered)
    assert [a["status_code"] for a in delivery["attempt_log"]] == [500, 200]
    assert len(received(receiver, "/flaky")) == 2
