"""The faults the service must survive (issue: the original integration suite, made real).

Each drill stops a real service of the local stack and starts it again, so this file
runs in its own stage of `make test` (marker `faults`), after the main suite."""

import datetime as dt
import itertools
import json
import threading
import time
from decimal import Decimal

import pytest

from goals.factories import GoalFactory
from goals.models import GoalProgressSnapshot
from goals.services import goals_snapshot
from mastertrade.factories import api_token_for
from mastertrade.testing import (
    CLOSED_TRADE_PNL,
    app_log,
    app_process_env,
    celery_command,
    celery_worker_start,
    closed_trade_body,
    wait_for,
    wait_until,
)
from strategies.factories import StrategyFactory
from trades.models import Trade

from .conftest import reconnect_test_db, stack

pytestmark = pytest.mark.faults

PNL = Decimal(CLOSED_TRADE_PNL)


class ClientThreads:
    """`threads` client threads running `run(n)` against one goal until the block ends."""

    def __init__(self, http, goal_id: int, threads: int):
        self.http, self.goal_id = http, goal_id
        self.stop = threading.Event()
        self.counter = itertools.count()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, args=(n,), daemon=True) for n in range(threads)]

    def run(self, n: int):
        raise NotImplementedError

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=30)


class TradingClients(ClientThreads):
    """Threads that keep recording trades (each with an external_id) and asking for
    sizes, remembering every answer."""

    def __init__(self, http, goal_id: int, threads: int = 3):
        super().__init__(http, goal_id, threads)
        self.answers: dict[str, int] = {}
        self.sizing_codes: list[int] = []
        self.bodies_5xx: list[str] = []

    def run(self, n: int):
        while not self.stop.is_set():
            external_id = f"fault-{next(self.counter)}"
            code, body = self.http.call(
                "POST", "/api/v1/trades/", closed_trade_body(self.goal_id, external_id), timeout=15
            )
            sizing, sizing_body = self.http.call(
                "POST", "/api/v1/risk/position-size/", {"goal": self.goal_id, "base_position_size": "100"}, timeout=15
            )
            with self.lock:
                self.answers[external_id] = code
                self.sizing_codes.append(sizing)
                self.bodies_5xx += [b for c, b in ((code, body), (sizing, sizing_body)) if c >= 500]
            self.stop.wait(0.05)  # pacing: a steady trickle of traffic, not a wait for a result

    def answered(self) -> int:
        with self.lock:
            return len(self.answers)

    def retry_failed(self) -> None:
        """What a client does after an outage: retry each failed trade (same external_id)
        until it is accepted, or for at most 10 s."""

        def accepted(external_id):
            code, _ = self.http.call("POST", "/api/v1/trades/", closed_trade_body(self.goal_id, external_id))
            return code if 200 <= code < 300 else None

        for external_id, code in list(self.answers.items()):
            if not 200 <= code < 300:
                self.answers[external_id] = wait_for(lambda e=external_id: accepted(e), 10, 0.1) or code


def setup_trader(http):
    goal = GoalFactory(goal_type="monthly_income", target_value=Decimal("1000000"))
    http.token = api_token_for(goal.owner)
    return goal


def drill(live_app, service: str):
    goal = setup_trader(live_app)
    with TradingClients(live_app, goal.pk) as clients:
        assert wait_for(lambda: clients.answered() >= 3, 20)  # traffic flows before the outage
        stack("stop-service", service)
        try:
            during = clients.answered()
            assert wait_for(lambda: clients.answered() >= during + 3, 60)  # clients ran into the outage
            health_code, health_body = live_app.call("GET", "/health/", timeout=15)
            api_code, api_body = live_app.call("GET", "/api/v1/goals/", timeout=15)
        finally:
            stack("start-service", service)
        recovered_in = wait_until(lambda: live_app.call("GET", f"/api/v1/goals/{goal.pk}/")[0] == 200, 10)
        after = clients.answered()
        assert wait_for(lambda: clients.answered() >= after + 3, 20)  # and flows again after it
    reconnect_test_db()
    clients.retry_failed()
    return goal, clients, (health_code, health_body), (api_code, api_body), recovered_in


def assert_outage_was_clean(clients, health, api, recovered_in):
    assert health[0] == 503 and json.loads(health[1])["checks"]["database"] == "down"
    assert api[0] == 503 and json.loads(api[1])["code"] == "service_unavailable"
    assert recovered_in is not None and recovered_in <= 5, recovered_in
    for body in clients.bodies_5xx:
        assert "Traceback" not in body
        assert json.loads(body)["code"] == "service_unavailable", body
    assert 503 in clients.sizing_codes or 503 in clients.answers.values()


def assert_every_trade_exactly_once(goal, clients):
    assert all(200 <= code < 300 for code in clients.answers.values()), clients.answers
    recorded = list(Trade.objects.filter(goal=goal).values_list("external_id", flat=True))
    assert sorted(recorded) == sorted(clients.answers)  # every trade, exactly once
    goal.refresh_from_db()
    assert goal.current_value == PNL * len(recorded)


@pytest.mark.parametrize("service", ["postgres", "pgbouncer"])
def test_database_restart_loses_nothing_and_doubles_nothing(live_app, service):
    goal, clients, health, api, recovered_in = drill(live_app, service)
    assert_outage_was_clean(clients, health, api, recovered_in)
    assert_every_trade_exactly_once(goal, clients)


def test_cache_redis_down_is_not_a_dependency(live_app):
    goal = setup_trader(live_app)
    StrategyFactory(owner=goal.owner, strategy_id="m", strategy_type="momentum")
    stack("stop-service", "redis-cache")
    try:
        sizing = live_app.call("POST", "/api/v1/risk/position-size/", {"goal": goal.pk, "base_position_size": "10"})
        selection = live_app.call("POST", "/api/v1/strategies/select/", {"goal": goal.pk})
        trade = live_app.call(
            "POST",
            "/api/v1/trades/",
            {
                "strategy": "m",
                "symbol": "X",
                "side": "LONG",
                "quantity": "1",
                "entry_price": "10",
                "exit_price": "12",
                "status": "closed",
                "entry_time": "2026-11-01T10:00:00Z",
            },
        )
        performance = live_app.call("GET", "/api/v1/strategies/m/")
        health = live_app.call("GET", "/health/")
    finally:
        stack("start-service", "redis-cache")
    assert sizing[0] == 200 and json.loads(sizing[1])["stance"] == "aggressive"
    assert selection[0] == 200 and json.loads(selection[1])["selected_strategy"] == "m"
    assert trade[0] == 201
    assert performance[0] == 200 and json.loads(performance[1])["performance"]["total_pnl"] == "2.0000"
    assert health[0] == 200 and json.loads(health[1])["checks"]["cache"] == "down"


def test_snapshot_executed_twice_for_a_period_writes_once(transactional_db):
    goals = GoalFactory.create_batch(5)
    errors = []

    def run():
        try:
            goals_snapshot()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            reconnect_test_db()

    threads = [threading.Thread(target=run) for _ in range(4)]  # concurrent redeliveries
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    goals_snapshot()  # and a late one
    assert errors == []
    assert sorted(GoalProgressSnapshot.objects.values_list("goal_id", flat=True)) == sorted(g.pk for g in goals)


@pytest.fixture
def worker_and_beat(transactional_db, tmp_path):
    """A real Celery worker and beat with a 6-second snapshot period (a tick every 2 s), on
    a broker database of their own (so the worker is not pinged: the drill watches its work)."""
    import os
    import subprocess

    from django.conf import settings

    broker = f"redis://127.0.0.1:{settings.REDIS_BROKER_PORT}/2"
    env = app_process_env(
        CELERY_BROKER_URL=broker,
        TEST_CELERY_BROKER_URL=broker,
        GOAL_SNAPSHOT_INTERVAL_SECONDS="6",
        GOAL_SNAPSHOT_CHECKS_PER_PERIOD="3",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path),
    )
    worker = celery_worker_start(
        tmp_path / "worker.log", hostname=f"faults-{os.getpid()}@localhost", env=env, ping=False
    )
    beat = subprocess.Popen(
        celery_command("beat", "--schedule", str(tmp_path / "beat-schedule")),
        env=env,
        stdout=open(app_log(tmp_path / "beat.log"), "w"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
    )
    procs = [worker, beat]
    yield tmp_path
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_broker_down_api_keeps_answering_and_snapshots_catch_up(live_app, worker_and_beat):
    from goals.services import snapshot_period_start

    goals = GoalFactory.create_batch(3)
    live_app.token = api_token_for(goals[0].owner)

    def periodic_periods():
        return list(GoalProgressSnapshot.objects.filter(source="periodic").values_list("goal_id", "period_start"))

    assert wait_until(lambda: len({g for g, _ in periodic_periods()}) == 3, 30), worker_and_beat / "beat.log"

    def period_now():
        return snapshot_period_start(dt.datetime.now(dt.UTC), 6)

    def broker_down():
        code, body = live_app.call("GET", "/health/")
        return (code, body) if code == 200 and json.loads(body)["checks"]["broker"] == "down" else None

    stack("stop-service", "redis-broker")
    try:
        stopped_in = period_now()
        health = wait_for(broker_down, 15)  # the health check has seen the broker go
        api = live_app.call("GET", "/api/v1/goals/")
        # A whole period without a broker: wait until the period after the stop has ended.
        assert wait_for(lambda: period_now() >= stopped_in + dt.timedelta(seconds=12), 20)
    finally:
        stack("start-service", "redis-broker")
    back_at = time.time()
    assert api[0] == 200
    assert health is not None and health[0] == 200 and json.loads(health[1])["checks"]["broker"] == "down"

    def caught_up():
        period = snapshot_period_start(dt.datetime.fromtimestamp(time.time(), tz=dt.UTC), 6)
        return period.timestamp() >= back_at - 6 and sum(1 for _, p in periodic_periods() if p == period) == 3

    assert wait_until(caught_up, 30), (worker_and_beat / "worker.log").read_text()[-3000:]
    rows = periodic_periods()
    assert len(rows) == len(set(rows))  # none doubled


class MixedTraffic(ClientThreads):
    """Threads that size, record trades (each with an external_id, retried on a 503 until
    accepted) and read the goal, keeping every answer as (what, status, body)."""

    def __init__(self, http, goal_id: int, threads: int = 4):
        super().__init__(http, goal_id, threads)
        self.answers: list[tuple[str, int, str]] = []
        self.acknowledged: list[str] = []

    def call(self, what: str, method: str, path: str, body=None) -> int:
        code, text = self.http.call(method, path, body, timeout=15)
        with self.lock:
            self.answers.append((what, code, text))
        return code

    def record_trade(self) -> None:
        external_id = f"rounds-{next(self.counter)}"
        body = closed_trade_body(self.goal_id, external_id)
        while self.call("trade", "POST", "/api/v1/trades/", body) == 503:  # retried, as a client would
            if self.stop.wait(0.05):  # pacing between retries; the retry itself is the check
                return
        with self.lock:
            self.acknowledged.append(external_id)

    def run(self, n: int):
        steps = [
            self.record_trade,
            lambda: self.call(
                "sizing", "POST", "/api/v1/risk/position-size/", {"goal": self.goal_id, "base_position_size": "100"}
            ),
            lambda: self.call("read", "GET", f"/api/v1/goals/{self.goal_id}/"),
        ]
        for step in itertools.islice(itertools.cycle(steps), n, None):
            if self.stop.is_set():
                return
            step()

    def count(self) -> int:
        with self.lock:
            return len(self.answers)


def test_ten_rounds_of_database_restarts_no_500_nothing_lost_or_doubled(live_app):
    """PostgreSQL and PgBouncer restarted in turn, ten rounds, under sizing, trades and
    reads on kept connections (production's CONN_MAX_AGE): every answer is a 2xx or a
    clean 503 in the error shape; every acknowledged trade is recorded exactly once."""
    goal = setup_trader(live_app)
    with MixedTraffic(live_app, goal.pk) as traffic:

        def flows(more: int):
            seen = traffic.count()
            return wait_for(lambda: traffic.count() >= seen + more, 60)

        for service in ["postgres", "pgbouncer"] * 5:
            assert flows(6)  # traffic on kept connections before the outage
            stack("stop-service", service)
            try:
                assert flows(4)  # clients ran into the outage
            finally:
                stack("start-service", service)
        assert wait_for(lambda: live_app.call("GET", f"/api/v1/goals/{goal.pk}/")[0] == 200, 20)
        assert flows(6)
    reconnect_test_db()
    codes = sorted({code for _, code, _ in traffic.answers})
    assert all(200 <= code < 300 or code == 503 for code in codes), [
        a for a in traffic.answers if a[1] >= 500 and a[1] != 503 or a[1] < 200
    ]
    for _, code, body in traffic.answers:
        if code == 503:
            shaped = json.loads(body)
            assert shaped["code"] == "service_unavailable" and shaped["message"], body
    assert 503 in codes  # the outages were met
    recorded = list(Trade.objects.filter(goal=goal).values_list("external_id", flat=True))
    assert len(recorded) == len(set(recorded))  # none doubled
    assert set(traffic.acknowledged) <= set(recorded)  # none lost
