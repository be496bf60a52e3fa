"""Helpers the test suites share: wait for something observable, find a free port."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# How long a process (gunicorn, a Celery worker, a server) may take to become ready: generous,
# because a busy machine is slow to start one; the same variable as scripts/stack.sh's.
START_TIMEOUT = float(os.environ.get("STACK_START_TIMEOUT") or 120)


# The logs of the processes a test started (gunicorn, Celery): their tails are printed
# under a failed test (the root conftest's report hook), so a failure says why.
APP_LOGS: list[Path] = []


def app_log(path: Path) -> Path:
    """Register `path` as an app log whose tail a failing test prints; returns it."""
    APP_LOGS.append(path)
    return path


def app_log_tails(since: float, chars: int = 6000) -> list[tuple[str, str]]:
    """(path, report) of each registered log written to since `since` (time.time()):
    the log's distinct tracebacks (a busy drill's warnings push a 500's traceback out of
    any tail), then its last `chars` characters."""
    return [
        (str(path), _report(path.read_text(errors="replace"), chars))
        for path in dict.fromkeys(APP_LOGS)
        if path.exists() and path.stat().st_mtime >= since
    ]


# A line that starts a new log record (Django's logging, gunicorn's own, its access log)
# and so ends a traceback.
RECORD_START = re.compile(r"^(\d{4}-\d\d-\d\d[ T]|\[\d{4}-|\d+\.\d+\.\d+\.\d+ - )")


def _tracebacks(text: str) -> list[str]:
    blocks, current = [], None
    for line in text.splitlines(keepends=True):
        if line.startswith("Traceback (most recent call last):") and current is None:
            current = [line]
        elif current is not None and RECORD_START.match(line):
            blocks.append("".join(current))
            current = None
        elif current is not None:
            current.append(line)
    if current is not None:
        blocks.append("".join(current))
    return blocks


def _report(text: str, chars: int, most: int = 5) -> str:
    """Up to `most` distinct tracebacks (by their last line), newest last, and the tail."""
    distinct = {}
    for block in _tracebacks(text):
        last = block.rstrip().splitlines()[-1]
        distinct.pop(last, None)
        distinct[last] = block
    tracebacks = list(distinct.values())[-most:]
    head = f"--- {len(tracebacks)} distinct traceback(s) ---\n" + "".join(tracebacks) if tracebacks else ""
    return head + "--- tail ---\n" + text[-chars:]


# A closed trade, as the trading engine posts it (the drills' traffic): a profit of
# CLOSED_TRADE_PNL, identified by its external_id.
CLOSED_TRADE_PNL = "1.25"


def closed_trade_body(goal_id: int, external_id: str) -> dict:
    return {
        "goal": goal_id,
        "symbol": "BTCUSDT",
        "side": "LONG",
        "quantity": "1",
        "entry_price": "100",
        "exit_price": "101.25",
        "profit_loss": CLOSED_TRADE_PNL,
        "status": "closed",
        "entry_time": "2026-11-01T10:00:00Z",
        "exit_time": "2026-11-01T11:00:00Z",
        "external_id": external_id,
    }


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.05):
    """Poll until predicate() is truthy and return its value, or None once `timeout`
    seconds have passed: a bounded wait for a row, a response, a file — never a sleep."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value or None
        time.sleep(interval)


def wait_until(predicate, timeout: float, interval: float = 0.1) -> float | None:
    """Seconds it took for predicate() to hold, or None if it never did."""
    start = time.monotonic()
    return None if wait_for(predicate, timeout, interval) is None else time.monotonic() - start


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(proc: subprocess.Popen, timeout: float = 10) -> None:
    """Terminate, then kill if it has not exited within `timeout` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@contextmanager
def gunicorn_on_test_db(tmp_path: Path, *, workers: int):
    """The project's gunicorn (its settings file, the test settings, the test database)
    on a free loopback port; yields its base URL once /health/ answers 200, and stops it."""
    from django.conf import settings

    port = free_port()
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "mastertrade.settings.test",
        "DB_NAME": settings.DATABASES["default"]["NAME"],
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
    }
    log_path = app_log(tmp_path / "gunicorn.log")
    command = [
        sys.executable, "-m", "gunicorn", "mastertrade.wsgi:application", "-c", str(ROOT / "gunicorn.conf.py"),
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "30",
    ]  # fmt: skip
    with open(log_path, "w") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def healthy():
        try:
            with urllib.request.urlopen(base + "/health/", timeout=2) as response:  # noqa: S310 - loopback
                return response.status == 200
        except OSError:
            return False

    def ready():
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited while starting:\n{log_path.read_text()}")
        return healthy()

    if wait_for(ready, START_TIMEOUT) is None:
        proc.kill()
        raise RuntimeError(log_path.read_text())
    try:
        yield base
    finally:
        stop_process(proc)
