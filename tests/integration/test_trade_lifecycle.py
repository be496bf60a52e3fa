"""The whole trade lifecycle through the public API, with a real Celery worker: a goal
that started 20 days ago (so pace is real), trades linked to it opened and then
closed, and the goal's progress, status, sizing and strategy selection following."""

import datetime as dt
from decimal import Decimal

import pytest

from mastertrade.celery import app
from mastertrade.core import clock
from mastertrade.testing import wait_until


def ok(response, status=200):
    assert response.status_code == status, response.json()
    return response.json()


def day(offset: int) -> str:
    return (clock.today() + dt.timedelta(days=offset)).isoformat()


@pytest.mark.django_db(transaction=True)
def test_open_close_moves_goal_sizing_and_selection(token_api, celery_worker_process):
    goal = ok(
        token_api.post(
            "/api/v1/goals/",
            {
                "name": "Income this month",
                "goal_type": "monthly_income",
                "target_value": "1000",
                "start_date": day(-20),
                "target_date": day(10),
                "calendar": "24/7",
            },
            format="json",
        ),
        201,
    )
    goal_url = f"/api/v1/goals/{goal['id']}/"
    assert goal["expected_pct"] == "64.52" and goal["status"] == "behind"  # 0 %, 20 of the period's 31 days gone
    for strategy_id, kind, profile in (("mom", "momentum", "aggressive"), ("mr", "mean_reversion", "conservative")):
        body = {"strategy_id": strategy_id, "name": strategy_id, "strategy_type": kind, "risk_profile": profile}
        ok(token_api.post("/api/v1/strategies/", body, format="json"), 201)

    def size():
        body = {"goal": goal["id"], "base_position_size": "1000"}
        return ok(token_api.post("/api/v1/risk/position-size/", body, format="json"))

    def select():
        return ok(token_api.post("/api/v1/strategies/select/", {"goal": goal["id"]}, format="json"))

    behind = size()
    assert behind["stance"] == "aggressive" and Decimal(behind["adjustment_factor"]) > 1
    assert select()["selected_strategy"] == "mom"

    # Open: recorded, linked, the goal does not move yet.
    opened = ok(
        token_api.post(
            "/api/v1/trades/",
            {
                "goal": goal["id"],
                "strategy": "mom",
                "symbol": "BTCUSDT",
                "side": "LONG",
                "quantity": "2",
                "entry_price": "100",
                "entry_time": f"{day(-1)}T10:00:00Z",
                "external_id": "engine-1",
            },
            format="json",
        ),
        201,
    )
    assert opened["status"] == "open" and opened["exit_price"] is None
    assert ok(token_api.get(goal_url))["current_value"] == "0.0000"

    # Close: the P&L ((525 − 100) × 2 = 850) moves the goal in the same transaction.
    close_url = f"/api/v1/trades/{opened['id']}/close/"
    closed = ok(token_api.post(close_url, {"exit_price": "525", "exit_time": f"{day(0)}T09:00:00Z"}, format="json"))
    assert closed["status"] == "closed" and closed["profit_loss"] == "850.0000"
    moved = ok(token_api.get(goal_url))
    assert moved["current_value"] == "850.0000" and moved["progress_pct"] == "85.00"
    assert moved["status"] == "on_track"  # 85 % against 64.52 % expected
    history = ok(token_api.get(f"{goal_url}history/"))["results"]
    assert [(r["source"], r["current_value"]) for r in history] == [("trade", "850.0000")]

    # Idempotent close; other values are a conflict; a closed trade never reopens.
    assert ok(token_api.post(close_url, {"exit_price": "525"}, format="json")) == closed
    conflict = token_api.post(close_url, {"exit_price": "600"}, format="json")
    assert conflict.status_code == 409 and conflict.json()["code"] == "trade_already_closed"
    retry_of_open = {k: opened[k] for k in ("symbol", "side", "quantity", "entry_price", "entry_time", "external_id")}
    replay = token_api.post("/api/v1/trades/", {**retry_of_open, "goal": goal["id"], "strategy": "mom"}, format="json")
    assert replay.status_code == 200 and replay.json()["status"] == "closed"
    assert ok(token_api.get(goal_url))["current_value"] == "850.0000"

    # Sizing and selection follow the new progress.
    near = size()
    assert near["stance"] == "conservative" and Decimal(near["adjustment_factor"]) < 1
    selection = select()
    assert selection["stance"] == "conservative" and selection["selected_strategy"] == "mr"
    mom = ok(token_api.get("/api/v1/strategies/mom/"))["performance"]
    assert mom["trades"] == 1 and mom["total_pnl"] == "850.0000"

    # The real worker snapshots the moved goal (wait on the row, not on time).
    app.send_task("goals.snapshot_goals")

    def periodic(url=goal_url):
        return [r for r in ok(token_api.get(f"{url}history/"))["results"] if r["source"] == "periodic"]

    assert wait_until(lambda: len(periodic()) == 1, 30) is not None
    row = periodic()[0]
    assert row["current_value"] == "850.0000" and row["status"] == "on_track"

    # A second send in the same period writes nothing. Its completion is observed through
    # a marker: a goal created after the send, snapshotted by it or by the next send
    # (the solo worker runs them in order), so once the marker has its row, it is done.
    app.send_task("goals.snapshot_goals")
    marker = ok(
        token_api.post(
            "/api/v1/goals/", {"name": "marker", "goal_type": "monthly_income", "target_value": "1"}, format="json"
        ),
        201,
    )
    app.send_task("goals.snapshot_goals")
    assert wait_until(lambda: len(periodic(f"/api/v1/goals/{marker['id']}/")) == 1, 30) is not None
    rows = periodic()
    assert len({r["snapshot_at"][:13] for r in rows}) == len(rows)  # one per (hourly) period, whenever it ran
