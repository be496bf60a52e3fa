"""Test plumbing: the test database is created and dropped on PostgreSQL itself;
every test connection goes through PgBouncer (transaction pooling), like the app."""

import pytest
from django.db import connections
from rest_framework.test import APIClient

pytest_plugins = ["alerts.tests.fixtures"]


def _force_drop(name: str) -> None:
    conn = connections["default"]
    with conn._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker, django_db_keepdb):
    """Like pytest-django's, but dropping the test database WITH (FORCE): PgBouncer
    keeps pooled server connections to it (min_pool_size) that would block a plain DROP."""
    from django.conf import settings
    from django.test.utils import setup_databases

    default = settings.DATABASES["default"]
    test_name = default["TEST"]["NAME"]
    with django_db_blocker.unblock():
        if not django_db_keepdb:
            _force_drop(test_name)
        db_cfg = setup_databases(verbosity=request.config.option.verbose, interactive=False, keepdb=django_db_keepdb)
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            for conn, old_name, _destroy in db_cfg:
                conn.close()
                conn.settings_dict["NAME"] = old_name
            _force_drop(test_name)


@pytest.fixture
def user(db):
    from mastertrade.factories import UserFactory

    return UserFactory()


@pytest.fixture
def other_user(db):
    from mastertrade.factories import UserFactory

    return UserFactory()


@pytest.fixture
def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def token_api(user):
    """An API client authenticating as `user` with a fresh API token, as a trading engine does."""
    from mastertrade.factories import token_client

    return token_client(user)


@pytest.fixture
def anon():
    return APIClient()


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, tmp_path_factory):
    """A real Celery worker (separate process) consuming from the real broker Redis and
    writing to the test database through PgBouncer."""
    import os

    from mastertrade.testing import app_process_env, celery_worker_start, stop_process

    log = tmp_path_factory.mktemp("celery") / "worker.log"
    proc = celery_worker_start(log, hostname=f"test-worker-{os.getpid()}@localhost", env=app_process_env())
    yield proc
    stop_process(proc, 15)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test shows the tail of each app log (gunicorn, Celery) written during it."""
    from mastertrade.testing import app_log_tails

    report = yield
    if report.failed:
        for path, tail in app_log_tails(since=call.start - 1):
            report.sections.append((f"app log {path} (tail)", tail))
    return report
