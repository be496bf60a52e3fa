"""The synchronous standby (issue 23), drilled on the backup stage's scratch stack with a
standby of its own (tests/backups/conftest.py): no acknowledged trade is lost when the
primary's data folder is deleted under 4 writers, writes wait (then a clean 503) while the
standby is down, and a new standby is made after the failover.

The drills run in this order on one module-scoped stack: standby down, disaster and
failover, rebuild."""

import itertools
import json
import shutil
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from mastertrade.testing import START_TIMEOUT, closed_trade_body, wait_for, wait_until

from .conftest import STACK
from .test_backups import create_goal

pytestmark = pytest.mark.backups

# The drill web's database deadline: a write waiting for a standby that is down ends in a
# 503 after this many seconds (DB_REQUEST_DEADLINE_SECONDS; 15 by default).
DEADLINE = 3


@pytest.fixture(scope="module")
def standby(drill):
    """The drill stack with a synchronous standby; its web cancels statements after DEADLINE s."""
    drill.env["DB_REQUEST_DEADLINE_SECONDS"] = str(DEADLINE)
    if "streaming/sync" not in drill.run(STACK, "standby-status").stdout:
        drill.run(STACK, "rebuild-standby")
    assert "streaming/sync" in drill.run(STACK, "standby-status").stdout
    return drill


@pytest.fixture(scope="module")
def app(standby, drill_app):
    """The stage's web, restarted with the short database deadline."""
    standby.run(STACK, "stop-service", "web")
    standby.run(STACK, "start-app", "web")
    assert wait_for(lambda: drill_app.call("GET", "/health/")[0] == 200, START_TIMEOUT), "the web is not healthy"
    return drill_app


def metric(http, name: str) -> float | None:
    code, body = http.call("GET", "/metrics")
    assert code == 200, body
    for line in body.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def trades_with(drill, external_id: str) -> int:
    return int(drill.sql(f"SELECT count(*) FROM trades WHERE external_id = '{external_id}'").strip())


# --- 1. The standby is down: writes wait, then a clean 503; the retry finds the row.


def test_standby_down_writes_answer_503_and_the_retry_finds_the_row(standby, app):
    drill = standby
    goal = create_goal(app)
    assert metric(app, "mastertrade_db_standbys_synchronous") == 1
    drill.run(STACK, "stop-service", "standby")
    try:
        assert metric(app, "mastertrade_db_synchronous_commit_required") == 1
        assert metric(app, "mastertrade_db_standbys_synchronous") == 0  # MastertradeStandbyMissing
        body = closed_trade_body(goal, "standby-down")
        code, text = app.call("POST", "/api/v1/trades/", body, timeout=30)
        assert code == 503, text
        assert json.loads(text)["code"] == "service_unavailable"
        # The commit was kept locally: a retry while the standby is still down is no acknowledgement either.
        code, text = app.call("POST", "/api/v1/trades/", body, timeout=30)
        assert code == 503, text
        assert app.call("GET", "/health/")[0] == 200  # reads still serve
    finally:
        drill.run(STACK, "start-service", "standby")
    assert wait_for(lambda: "streaming/sync" in drill.run(STACK, "standby-status").stdout, START_TIMEOUT)
    code, text = app.call("POST", "/api/v1/trades/", body, timeout=30)
    assert code in (200, 201), text  # the first attempt's row (200), not a second one
    assert trades_with(drill, "standby-down") == 1
    assert trades_with(drill, "standby-down") == int(
        drill.sql("SELECT count(*) FROM trades WHERE external_id = 'standby-down'", **drill.standby_where).strip()
    )


def test_relaxed_synchronous_commit_lets_writes_through_and_is_reported(standby, app):
    drill = standby
    goal = create_goal(app)
    drill.make("standby-off")
    drill.run(STACK, "stop-service", "standby")
    try:
        assert metric(app, "mastertrade_db_synchronous_commit_required") == 0  # MastertradeSynchronousCommitOff
        code, text = app.call("POST", "/api/v1/trades/", closed_trade_body(goal, "relaxed"), timeout=30)
        assert code == 201, text
    finally:
        drill.make("standby-on")  # starts the standby, waits until it is synchronous
    assert metric(app, "mastertrade_db_synchronous_commit_required") == 1
    assert metric(app, "mastertrade_db_standbys_synchronous") == 1
    code, text = app.call("POST", "/api/v1/trades/", closed_trade_body(goal, "strict-again"), timeout=30)
    assert code == 201, text


# --- 2. Disaster: the primary's data folder is deleted under 4 writers; the old server is
#        left alive; the runbook's procedure (make failover) loses no acknowledged trade.


class Writers:
    """Each writer posts closed trades with its own external_ids; on a 503 or a connection
    error it retries the same external_id until it is acknowledged (201, or 200: found)."""

    def __init__(self, http, goal: int, count: int = 4):
        self.http, self.goal = http, goal
        self.acked: list[str] = []
        self.failures = 0
        self.unexpected: list[str] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._write, args=(n,), daemon=True) for n in range(count)]

    def _write(self, n: int) -> None:
        for i in itertools.count():
            external_id = f"writer{n}-{i}"
            while True:
                if self.stop.is_set():
                    return
                code, body = self.http.call("POST", "/api/v1/trades/", closed_trade_body(self.goal, external_id), 30)
                if code in (200, 201):
                    with self.lock:
                        self.acked.append(external_id)
                    break
                with self.lock:
                    self.failures += 1
                    if code not in (0, 503):  # never a 500
                        self.unexpected.append(f"{code}: {body[:300]}")

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)


def test_disaster_primary_data_deleted_failover_loses_no_acknowledged_trade(standby, app):
    drill = standby
    goal = create_goal(app)
    old_data = drill.data
    old_pid = int((old_data / "postmaster.pid").read_text().split()[0])
    with Writers(app, goal) as writers:
        assert wait_for(lambda: len(writers.acked) >= 40, 120), (len(writers.acked), writers.unexpected[:3])
        # The disaster; the old server's processes are left running (and may write a file
        # between rmtree's listing and its rmdir: then it goes on).
        assert wait_for(lambda: shutil.rmtree(old_data, ignore_errors=True) or not old_data.exists(), 30)
        took = wait_until(lambda: app.call("GET", "/health/")[0] == 503, 30)
        assert took is not None, "/health/ never saw the lost data folder"
        acked_before_failover = len(writers.acked)
        # The runbook (docs/operations/runbook.md#fail-over-to-the-standby): make failover.
        result = drill.make("failover")
        assert "failover done" in result.stderr, result.stderr
        assert wait_for(lambda: len(writers.acked) >= acked_before_failover + 40, 120), writers.unexpected[:3]
    assert not writers.unexpected, writers.unexpected[:3]
    assert not Path(f"/proc/{old_pid}").exists() or Path(f"/proc/{old_pid}/stat").read_text().split()[2] == "Z"
    assert (drill.pg_root / f"fenced-{old_data.name}").exists()
    assert app.call("GET", "/health/")[0] == 200

    acked = set(writers.acked)
    present = drill.sql("SELECT external_id FROM trades WHERE external_id LIKE 'writer%'").split()
    assert acked <= set(present), f"lost acknowledged trades: {sorted(acked - set(present))}"
    assert len(present) == len(set(present))  # none doubled
    count = int(drill.sql(f"SELECT count(*) FROM trades WHERE goal_id = {goal}").strip())
    value = Decimal(drill.sql(f"SELECT current_value FROM financial_goals WHERE id = {goal}").strip())
    assert value == Decimal("10000") + Decimal("1.25") * count  # the goal moved with exactly its trades
    print(
        f"standby disaster drill: /health/ 503 {took:.1f} s after the data folder went; {len(acked)} trades "
        f"acknowledged by 4 writers ({acked_before_failover} before the failover), 0 lost, 0 doubled; "
        f"{writers.failures} attempts answered 503 or refused and retried"
    )


# --- 3. After the failover: a new synchronous standby from the new primary.


def test_rebuild_standby_after_failover_makes_a_new_synchronous_standby(standby, app):
    drill = standby
    fenced = "standby" if drill.data.name == "data" else "data"  # the old primary, fenced by the failover
    assert (drill.pg_root / f"fenced-{fenced}").exists()
    result = drill.make("rebuild-standby")
    assert "the standby streams and is synchronous" in result.stderr, result.stderr
    status = drill.run(STACK, "standby-status").stdout
    assert "streaming/sync" in status and f"{drill.pg_root}/{fenced} " in status
    assert not (drill.pg_root / f"fenced-{fenced}").exists()
    goal = create_goal(app)
    code, text = app.call("POST", "/api/v1/trades/", closed_trade_body(goal, "after-rebuild"), timeout=30)
    assert code == 201, text
    where = drill.standby_where
    assert wait_for(
        lambda: drill.sql("SELECT count(*) FROM trades WHERE external_id = 'after-rebuild'", **where).strip() == "1",
        30,
    )
    drill.pgbackrest("check")  # the new primary archives into the repository (its new timeline)
