"""Fault drills: a real gunicorn (and Celery where needed) against the test database,
while the stack's services are stopped and started under it."""

import json
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connections

from mastertrade.testing import gunicorn_on_test_db

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
    with gunicorn_on_test_db(tmp_path, workers=4) as base:
        yield Http(base)
