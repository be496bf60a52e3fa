"""Fault drills: a real gunicorn (and Celery where needed) against the test database,
while the stack's services are stopped and started under it."""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from mastertrade.testing import free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]


def stack(action: str, service: str) -> None:
    subprocess.run([str(ROOT / "scripts" / "stack.sh"), action, service], check=True, capture_output=True)


def reconnect_test_db() -> None:
    """The test process's own connections broke with the service: drop them."""
    for conn in connections.all():
        conn.close()


class Http:
    def __init__(self, base: str, token: str | None = None):
        self.base, self.token = base, token

    def call(self, method: str, path: str, body=None, timeout: float = 10.0):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Token {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()
        except (urllib.error.URLError, OSError) as err:
            return 0, str(err)


@pytest.fixture
def live_app(transactional_db, tmp_path):
    """gunicorn (4 workers, so a probe is served while clients wait on the database),
    the app's real stack, the test database."""
    port = free_port()
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "mastertrade.settings.test",
        "DB_NAME": settings.DATABASES["default"]["NAME"],
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
    }
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "mastertrade.wsgi:application",
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "4",
            "--timeout",
            "30",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    http = Http(f"http://127.0.0.1:{port}")
    if wait_until(lambda: http.call("GET", "/health/")[0] == 200, 20) is None:
        proc.kill()
        raise RuntimeError((tmp_path / "gunicorn.log").read_text())
    yield http
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
