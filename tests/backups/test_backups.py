"""Backups you can restore to any second (issue 14), drilled on a stack of their own.

Runs in its own stage of `make test` (marker `backups`): the drills take backups, restore
into a scratch cluster, corrupt the repository and delete a cluster's data folder — of the
drill stack (tests/backups/conftest.py), never of the stack the suite runs on.

(One module of about 600 lines: the drills share the stage's scratch stack and base backup,
which keeps the stage within its time.)"""

import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from mastertrade.testing import closed_trade_body, free_port, wait_for

from .conftest import BACKUP, ROOT, STACK, as_postgres

pytestmark = pytest.mark.backups

PG_BIN = "/usr/lib/postgresql/15/bin"


def full_backup(drill, **env) -> str:
    result = drill.backup("backup", "full", env=env)
    assert "full backup" in result.stdout and "done" in result.stdout, result.stdout
    return drill.backups()[-1]["label"]


def committed_rows(drill, **where) -> dict[str, str]:
    """Goals' current values, trades and sizing audit rows, row for row, as psql prints them."""
    queries = {
        "goals": "SELECT id, current_value FROM financial_goals ORDER BY id",
        "trades": "SELECT * FROM trades ORDER BY id",
        "audit": "SELECT * FROM goal_adjustment_log ORDER BY id",
    }
    return {name: drill.sql(query, **where) for name, query in queries.items()}


def write_rows(http, goal_id: int, tag: str, count: int = 3) -> None:
    for i in range(count):
        code, body = http.call("POST", "/api/v1/trades/", closed_trade_body(goal_id, f"{tag}-{i}"))
        assert code == 201, body
        code, body = http.call("POST", "/api/v1/risk/position-size/", {"goal": goal_id, "base_position_size": "100"})
        assert code == 200, body


def create_goal(http) -> int:
    code, body = http.call(
        "POST",
        "/api/v1/goals/",
        {"name": "Drill", "goal_type": "portfolio_value", "target_value": "20000", "current_value": "10000"},
    )
    assert code == 201, body
    return json.loads(body)["id"]


class ScratchCluster:
    """A restore of the drill's repository into another folder, run on another port with
    archiving off (it must never push WAL into the drill's repository)."""

    def __init__(self, drill):
        self.drill = drill
        self.path = drill.pg_root / f"scratch-{time.monotonic_ns()}"
        self.port = str(free_port())

    def restore(self, *args: str) -> "ScratchCluster":
        self.path.mkdir(mode=0o700)
        if os.geteuid() == 0:
            os.chown(self.path, *pg_ids())
        self.drill.pgbackrest("restore", f"--pg1-path={self.path}", "--archive-mode=off", *args)
        options = f"-p {self.port} -k {self.path} -c archive_mode=off -c listen_addresses=''"
        cmd = [f"{PG_BIN}/pg_ctl", "-D", str(self.path), "-l", f"{self.path}.log", "-o", options, "-w", "start"]
        started = self.drill.run(*as_postgres(cmd), check=False)
        assert started.returncode == 0, Path(f"{self.path}.log").read_text()[-2000:]
        in_recovery = lambda: self.drill.sql("SELECT pg_is_in_recovery()", **self.where).strip() == "f"  # noqa: E731
        assert wait_for(in_recovery, 120), Path(f"{self.path}.log").read_text()[-2000:]
        return self

    @property
    def where(self) -> dict:
        return {"port": self.port, "socket_dir": self.path}

    def stop(self) -> None:
        self.drill.run(*as_postgres([f"{PG_BIN}/pg_ctl", "-D", str(self.path), "-m", "immediate", "stop"]), check=False)


def pg_ids() -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam("postgres")
    return entry.pw_uid, entry.pw_gid


def postmaster_pid(drill) -> int:
    return int((drill.data / "postmaster.pid").read_text().split()[0])


# --- 1. Bad input: a clear message, exit 2, the running cluster untouched.


def test_restore_refuses_bad_input_and_leaves_the_cluster_alone(drill, drill_app):
    pid = postmaster_pid(drill)
    if not drill.backups():
        result = drill.make("restore", check=False)
        assert result.returncode == 2
        assert "there is no backup in the repository" in result.stdout and "exit code 2" in result.stdout
    full_backup(drill)
    oldest = datetime.fromtimestamp(drill.backups()[0]["timestamp"]["stop"], UTC)
    # The earliest valid target is the backup's stop time rounded up to the second; right after
    # the backup, "now" rounded down can still lie before it, so wait until the clock has passed it.
    earliest = oldest.replace(microsecond=0) + timedelta(seconds=1)
    assert wait_for(lambda: datetime.now(UTC) >= earliest, timeout=5)
    cases = {
        "yesterday at noon": "is not a time",
        "2026-11-25 14:03:00": "has no UTC offset",
        oldest.strftime("%Y-%m-%d %H:%M:%S+00"): "is before the oldest backup",  # its stop time, rounded down
        (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S+00"): "is in the future",
        # A valid target without confirmation (no terminal here, no CONFIRM=yes).
        earliest.strftime("%Y-%m-%d %H:%M:%S+00"): "needs confirmation: run it again with CONFIRM=yes",
    }
    for target, message in cases.items():
        result = drill.make("restore", f"TARGET_TIME={target}", check=False)
        assert result.returncode == 2, result.stdout + result.stderr
        assert message in result.stdout and "nothing was changed" in result.stdout
        assert "[backup] exit code 2" in result.stdout  # make's own exit code is always 2
    assert postmaster_pid(drill) == pid
    assert drill.sql("SELECT 1").strip() == "1"
    assert drill_app.call("GET", "/health/")[0] == 200  # the app was never stopped
    assert drill.backup("backup", "bogus", check=False).returncode == 2


def test_a_cluster_without_archiving_gets_it_at_the_next_start(drill):
    """A cluster created before backups existed: the stack appends the settings and restarts it."""
    conf = drill.data / "postgresql.conf"
    original = conf.read_text()
    kept = [line for line in original.splitlines() if "archive" not in line and "wal_level" not in line]
    conf.write_text("\n".join(kept) + "\n")
    pg_ctl = [f"{PG_BIN}/pg_ctl", "-D", str(drill.data), "-l", str(drill.pg_root / "postgres.log"), "-w", "restart"]
    drill.run(*as_postgres(pg_ctl))
    assert drill.sql("SHOW archive_mode").strip() == "off"
    result = drill.run(STACK, "start-service", "postgres")
    assert "WAL archiving was off: restarting PostgreSQL with archive_mode = on" in result.stderr
    assert drill.sql("SHOW archive_mode").strip() == "on"
    assert "pgbackrest" in drill.sql("SHOW archive_command")
    drill.pgbackrest("check")


def test_the_stack_never_creates_an_empty_cluster_over_existing_backups(drill, tmp_path):
    """The cluster's folder is gone, its backups (beside it) are not: the stack refuses to
    start an empty cluster, and its message keeps the backups."""
    full_backup(drill)
    other = drill.env | {"STACK_PG_ROOT": str(drill.root / "elsewhere"), "DB_DIRECT_PORT": str(free_port())}
    result = drill.run(STACK, "start-service", "postgres", check=False, env=other)
    assert result.returncode == 1
    assert "data folder" in result.stderr and "backups of it exist" in result.stderr and "make restore" in result.stderr
    assert "keep those backups and point BACKUP_REPO_PATH at a new folder" in result.stderr
    assert "delete" not in result.stderr
    assert not (drill.root / "elsewhere" / "data" / "PG_VERSION").exists()


# --- 2. Point in time: rows A, time T, rows B, no new backup.


def test_point_in_time_restore_into_a_scratch_cluster(drill, drill_app):
    full_backup(drill)
    goal = create_goal(drill_app)
    write_rows(drill_app, goal, "A")
    rows_a = committed_rows(drill)
    target = datetime.now(UTC)  # after A's commits were answered, before B's requests are sent
    write_rows(drill_app, goal, "B")
    rows_b = committed_rows(drill)
    assert rows_a != rows_b
    drill.pgbackrest("check")  # archive the current WAL segment (what archive_timeout does every minute)

    at_t = ScratchCluster(drill).restore(
        "--type=time", f"--target={target.strftime('%Y-%m-%d %H:%M:%S.%f+00')}", "--target-action=promote"
    )
    try:
        assert committed_rows(drill, **at_t.where) == rows_a
        assert "A-0" in rows_a["trades"] and "B-0" not in committed_rows(drill, **at_t.where)["trades"]
    finally:
        at_t.stop()
    latest = ScratchCluster(drill).restore()
    try:
        assert committed_rows(drill, **latest.where) == rows_b
    finally:
        latest.stop()


# --- 3. A corrupted or missing backup is a failed backup: metric, exit code, message.


def backup_metrics_text() -> str:
    """The backup series of /metrics (the same collector, without a database)."""
    from prometheus_client import CollectorRegistry, generate_latest

    from observability.metrics import backup_metrics

    class Collector:
        def collect(self):
            return backup_metrics()

    registry = CollectorRegistry(auto_describe=False)
    registry.register(Collector())
    return generate_latest(registry).decode()


def test_a_corrupted_or_missing_backup_is_reported_as_failed(drill, settings):
    settings.BACKUP_STATUS_DIR = str(drill.status_dir)
    label = full_backup(drill)
    assert drill.backup("verify").returncode == 0
    victim = next(path for path in sorted((drill.repo / label / "pg_data" / "base").rglob("*")) if path.is_file())
    original = victim.read_bytes()
    try:
        victim.write_bytes(original[:10] + b"corrupted!" + original[20:])
        result = drill.backup("verify", check=False)
        assert result.returncode == 1
        assert "FAILED: verification failed" in result.stdout and "checksum invalid" in result.stdout
        incr = drill.backup("backup", "incr", check=False)
        assert incr.returncode == 1 and "verification failed" in incr.stdout
        metrics = backup_metrics_text()
        assert 'mastertrade_backup_last_run_success{type="verify"} 0.0' in metrics
        assert 'mastertrade_backup_last_run_success{type="incr"} 0.0' in metrics
        assert 'mastertrade_backup_failures_total{type="verify"} 1.0' in metrics
    finally:
        victim.write_bytes(original)
    moved = drill.root / "moved-backup"
    os.rename(drill.repo / label, moved)
    try:
        result = drill.backup("verify", check=False)
        assert result.returncode == 1
        assert f"backup {label} is listed but missing" in result.stdout or "missing" in result.stdout.lower()
    finally:
        os.rename(moved, drill.repo / label)
    assert drill.backup("verify").returncode == 0
    metrics = backup_metrics_text()
    assert 'mastertrade_backup_last_run_success{type="verify"} 1.0' in metrics
    assert 'mastertrade_backup_last_run_success{type="full"} 1.0' in metrics
    assert "last full: ok" in drill.backup("info").stdout


# --- 4. Retention: more full backups than kept → the oldest are gone, the rest verify.


def test_retention_keeps_the_newest_full_backups_and_they_verify(drill):
    full_backup(drill)
    labels = [full_backup(drill, BACKUP_RETENTION_FULL="2") for _ in range(2)]
    fulls = [b["label"] for b in drill.backups() if b["type"] == "full"]
    assert fulls == labels
    assert not any(b["type"] != "full" and b["prior"] not in labels for b in drill.backups())
    assert drill.backup("verify").returncode == 0


def test_a_backup_started_while_another_runs_does_nothing(drill):
    before = len(drill.backups())
    first = subprocess.Popen(
        [sys.executable, BACKUP, "backup", "full"], cwd=ROOT, env=drill.env, stdout=subprocess.PIPE, text=True
    )
    lock = drill.status_dir / ".backup.lock"
    assert wait_for(lambda: lock_held(lock), 30), "the first backup never took its lock"
    second = drill.backup("backup", "incr", check=False)
    assert second.returncode == 75
    assert "another backup is running" in second.stdout and "nothing done" in second.stdout
    out, _ = first.communicate(timeout=300)
    assert first.returncode == 0, out
    assert len(drill.backups()) == before + 1  # one backup, not two
    assert drill.backup("verify").returncode == 0


def lock_held(path: Path) -> bool:
    import fcntl

    if not path.exists():
        return False
    with open(path) as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def test_wal_archiving_failure_shows_in_pg_stat_archiver_and_fails_the_backup(drill):
    archive = drill.repo_path / "archive"
    full_backup(drill)
    failed_before = int(drill.sql("SELECT failed_count FROM pg_stat_archiver").strip())
    archive.chmod(0o000)  # the repository's archive is unwritable (a full or broken disk)
    try:
        drill.sql("CREATE TABLE IF NOT EXISTS archiving_drill (x int); INSERT INTO archiving_drill VALUES (1)")
        drill.sql("SELECT pg_switch_wal()")
        failing = lambda: int(drill.sql("SELECT failed_count FROM pg_stat_archiver").strip()) > failed_before  # noqa: E731
        assert wait_for(failing, 60)
        result = drill.backup("backup", "incr", check=False)
        assert result.returncode == 1 and "FAILED" in result.stdout
    finally:
        archive.chmod(0o750)
    drill.pgbackrest("check")  # archiving works again once the repository is writable
    full_backup(drill)


# --- 5. Disaster: the data folder is deleted under the running app; `make restore` brings it back.


def test_disaster_data_folder_deleted_restore_latest(drill, drill_app):
    full_backup(drill)
    goal = create_goal(drill_app)
    acked: list[tuple[str, float]] = []
    stop, counter, lock = threading.Event(), itertools.count(), threading.Lock()

    def trade_forever():
        while not stop.is_set():
            external_id = f"disaster-{next(counter)}"
            code, _ = drill_app.call("POST", "/api/v1/trades/", closed_trade_body(goal, external_id), timeout=15)
            if code == 201:
                with lock:
                    acked.append((external_id, time.monotonic()))

    threads = [threading.Thread(target=trade_forever, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        assert wait_for(lambda: len(acked) >= 20, 60)
        archived_before = time.monotonic()
        drill.pgbackrest("check")  # forces a WAL switch and waits for it to be archived
        n = len(acked)
        assert wait_for(lambda: len(acked) >= n + 10, 60)
        # The disaster: the data folder is gone, the server dies with it.
        pid = postmaster_pid(drill)
        children = [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        os.system(f"rm -rf {drill.data}")  # noqa: S605 - the drill's own folder
        for victim in (pid, *children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, signal.SIGKILL)
        # What a failing disk leaves: remains of the folder, no PG_VERSION (a race with the
        # dying server can leave some by itself).
        (drill.data / "base").mkdir(parents=True, exist_ok=True)
        (drill.data / "base" / "remains").write_text("half a file")
        assert wait_for(lambda: drill_app.call("GET", "/health/")[0] == 503, 30)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)

    # The runbook's procedure (docs/operations/runbook.md#restore-latest): make restore.
    result = drill.make("restore")
    assert "restore finished" in result.stdout, result.stdout
    assert "started the app again (web)" in result.stdout
    assert "moved the old data folder aside" in result.stdout and "data.damaged-" in result.stdout
    assert wait_for(lambda: drill_app.call("GET", "/health/")[0] == 200, 60)
    code, body = drill_app.call("POST", "/api/v1/trades/", closed_trade_body(goal, "after-restore"))
    assert code == 201, body

    present = set(drill.sql("SELECT external_id FROM trades WHERE external_id LIKE 'disaster-%'").split())
    must_survive = {external_id for external_id, at in acked if at < archived_before}
    assert must_survive <= present, f"lost acknowledged trades: {sorted(must_survive - present)}"
    value = Decimal(drill.sql(f"SELECT current_value FROM financial_goals WHERE id = {goal}").strip())
    count = int(drill.sql(f"SELECT count(*) FROM trades WHERE goal_id = {goal}").strip())
    assert value == Decimal("10000") + Decimal("1.25") * count  # the goal moved with exactly its trades
    lost = len(acked) - len(present)
    print(
        f"disaster drill: {len(acked)} trades acknowledged, {len(must_survive)} before the last archived segment "
        f"(all present), {lost} acknowledged after it lost with the data folder"
    )
    assert drill.run(STACK, "status").returncode == 0


# --- 6. A restore never leaves the product down (issue 21): web, worker and beat run again
#        and /health/ answers 200 — on a busy machine; when the restored cluster cannot serve,
#        the restore rolls back to the cluster it started from.


@contextlib.contextmanager
def cpu_hog():
    """Two CPUs' worth of busy loops beside the drill: stress-ng (scripts/stack.sh deps), or
    two busy Python loops where it is missing."""
    if shutil.which("stress-ng"):
        commands = [["stress-ng", "--cpu", "2", "--quiet"]]
    else:
        commands = [[sys.executable, "-c", "while True: pass"]] * 2
    hogs = [subprocess.Popen(command, start_new_session=True) for command in commands]
    try:
        yield
    finally:
        for hog in hogs:
            os.killpg(hog.pid, signal.SIGKILL)
            hog.wait(timeout=30)


def app_pids(drill) -> dict[str, int | None]:
    """The drill's web, worker and beat: pid if the process runs, else None."""

    def alive(name: str) -> int | None:
        try:
            pid = int((drill.root / "var" / "run" / f"{name}.pid").read_text().split()[0])
            os.kill(pid, 0)
        except (OSError, ValueError, IndexError):
            return None
        return pid

    return {name: alive(name) for name in ("web", "worker", "beat")}


@pytest.fixture
def drill_make_run(drill, drill_app):
    """web, worker and beat on the drill stack, as `make run` has them (stopped afterwards,
    so the other drills see web alone)."""
    for name in ("worker", "beat"):
        drill.run(STACK, "start-app", name)
    assert all(app_pids(drill).values()), app_pids(drill)
    yield drill_app
    for name in ("worker", "beat"):
        drill.run(STACK, "stop-service", name, check=False)


def rows_on_a_backup(drill, http, tag: str) -> tuple[int, dict[str, str]]:
    """A base backup (the module's one, taken if none yet), a goal and rows written after
    it: (the goal, the committed rows) that a restore to latest must bring back."""
    if not drill.backups():
        full_backup(drill)
    goal = create_goal(http)
    write_rows(http, goal, tag)
    return goal, committed_rows(drill)


def test_restore_on_a_busy_machine_brings_web_worker_and_beat_back(drill, drill_make_run):
    http = drill_make_run
    goal, rows_a = rows_on_a_backup(drill, http, "busy-A")
    target = datetime.now(UTC)
    write_rows(http, goal, "busy-B")
    before = app_pids(drill)
    with cpu_hog():
        started = time.monotonic()
        result = drill.backup(
            "restore", target.strftime("%Y-%m-%d %H:%M:%S.%f+00"), check=False, env={"CONFIRM": "yes"}
        )
        took = time.monotonic() - started
    assert result.returncode == 0, result.stdout + result.stderr
    assert "started the app again (web, worker, beat)" in result.stdout
    assert "/health/ answers 200" in result.stdout and "restore finished" in result.stdout
    after = app_pids(drill)
    assert all(after.values()) and not set(after.values()) & set(before.values()), (before, after)
    assert http.call("GET", "/health/")[0] == 200
    assert committed_rows(drill) == rows_a  # B undone: the restore did restore
    kept = list(drill.pg_root.glob("data.before-restore-*"))
    assert kept and f"rm -rf {kept[-1]}" in result.stdout  # the old cluster is kept aside, and the script says so
    assert "everything committed after it" in result.stdout  # what the restore dropped, said before it started
    print(f"busy restore drill: point-in-time restore and web, worker, beat back in {took:.1f} s under stress")


def test_a_restore_that_cannot_serve_rolls_back_to_the_cluster_it_started_from(drill, drill_make_run):
    """The archived WAL cannot be read (a broken repository disk): the restored cluster never
    comes up, so the cluster the restore started from — never stopped — serves on, with its app."""
    http = drill_make_run
    goal, rows = rows_on_a_backup(drill, http, "rollback")
    pid = postmaster_pid(drill)
    wal = [path for path in (drill.repo_path / "archive").rglob("*") if path.is_file()]
    wal = [path for path in wal if "archive.info" not in path.name]
    for path in wal:
        path.chmod(0o000)
    try:
        result = drill.backup("restore", check=False)
    finally:
        for path in wal:
            path.chmod(0o640)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "the cluster it started from serves as before" in result.stdout and "the restore failed" in result.stdout
    assert "started the app again (web, worker, beat)" in result.stdout
    assert all(app_pids(drill).values()), app_pids(drill)
    assert http.call("GET", "/health/")[0] == 200
    assert committed_rows(drill) == rows  # the cluster it started from, row for row
    assert postmaster_pid(drill) == pid  # never stopped
    assert list(drill.pg_root.glob("data.failed-restore-*"))  # the failed attempt, kept to look at
    drill.pgbackrest("check")  # archiving works on the cluster it rolled back to


def test_an_app_that_does_not_come_back_fails_the_restore_but_not_the_others(drill, drill_make_run):
    """beat cannot start after the restore (its log cannot be written): web and worker still
    come back, the restored cluster is kept, and the restore says so and exits 1."""
    http = drill_make_run
    goal, rows = rows_on_a_backup(drill, http, "beat-down")
    beat_log = drill.root / "var" / "log" / "beat.log"
    beat_log.rename(beat_log.with_name("beat.log.old"))
    beat_log.mkdir()  # what a full or read-only log disk is to beat: its log cannot be opened
    try:
        result = drill.backup("restore", check=False)
    finally:
        beat_log.rmdir()
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAILED: beat did not start" in result.stdout and "beat exited while starting" in result.stdout
    assert "started the app again (web, worker)" in result.stdout and "/health/ answers 200" in result.stdout
    assert "serves as before" not in result.stdout
    pids = app_pids(drill)
    assert pids["web"] and pids["worker"] and not pids["beat"], pids
    assert http.call("GET", "/health/")[0] == 200
    assert committed_rows(drill) == rows  # the restored cluster (latest: every row) serves
