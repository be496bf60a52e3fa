"""Fault drills: a real gunicorn (and Celery where needed) against the test database,
while the stack's services are stopped and started under it."""

import subprocess
from pathlib import Path

import pytest
from django.db import connections

from mastertrade.testing import Http, gunicorn_on_test_db

ROOT = Path(__file__).resolve().parents[2]


def stack(action: str, service: str) -> None:
    subprocess.run([str(ROOT / "scripts" / "stack.sh"), action, service], check=True, capture_output=True)


def reconnect_test_db() -> None:
    """The test process's own connections broke with the service: drop them."""
    for conn in connections.all():
        conn.close()


@pytest.fixture
def live_app(transactional_db, tmp_path):
    """gunicorn (4 workers, so a probe is served while clients wait on the database),
    the app's real stack, the test database."""
    with gunicorn_on_test_db(tmp_path, workers=4) as base:
        yield Http(base)
