"""Helpers the test suites share: wait for something observable, find a free port, start the
project's own processes (gunicorn, a Celery worker) on the test database, talk HTTP to them."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
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
    port = free_port()
    env = app_process_env(PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
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


def app_process_env(**extra: str) -> dict[str, str]:
    """The environment of a process the tests start: the test settings and this run's test
    database (pytest-django's name), plus `extra`."""
    from django.conf import settings

    return os.environ | {
        "DJANGO_SETTINGS_MODULE": "mastertrade.settings.test",
        "DB_NAME": settings.DATABASES["default"]["NAME"],
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        **extra,
    }


def celery_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "mastertrade", *args]


def celery_worker_start(
    log: Path, *, hostname: str, env: dict[str, str], args: tuple[str, ...] = ("--pool", "solo"), ping: bool = True
) -> subprocess.Popen:
    """A real Celery worker (its own process) named `hostname`, its output in the app log
    `log`. With `ping`, returns once it answers a ping on the test broker (fails with the
    log if it exits or never answers); a worker on another broker (env) can't be pinged."""
    from mastertrade.celery import app

    command = celery_command(
        "worker", *args, "--loglevel", "INFO", "--hostname", hostname, "--without-gossip", "--without-mingle"
    )
    with open(app_log(log), "w") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    if not ping:
        return proc

    def answers_ping():
        if proc.poll() is not None:
            raise RuntimeError(f"celery worker exited:\n{log.read_text()}")
        return app.control.ping(destination=[hostname], timeout=0.5)

    if not wait_for(answers_ping, START_TIMEOUT):
        proc.kill()
        raise RuntimeError(f"celery worker did not answer a ping:\n{log.read_text()}")
    return proc


class Http:
    """A JSON client for a live server (urllib, no session): `call` returns (status, body
    text); status 0 when the server could not be reached."""

    def __init__(self, base: str, token: str | None = None):
        self.base, self.token = base, token

    def call(self, method: str, path: str, body=None, timeout: float = 10.0) -> tuple[int, str]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)  # noqa: S310 - loopback
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Token {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback
                return response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()
        except (urllib.error.URLError, OSError) as err:
            return 0, str(err)


def admin_action(client, url: str, name: str, objects):
    """Run the admin action `name` of the changelist at `url` on `objects`; the page it ends on."""
    return client.post(url, {"action": name, "_selected_action": [o.pk for o in objects]}, follow=True)
