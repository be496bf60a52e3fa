"""The foundation: the app really talks through PgBouncer, migrations are complete, the
admin account is created once."""

import io

import pytest
from django.core.management import call_command
from django.db import connection


@pytest.mark.django_db
def test_app_connection_goes_through_pgbouncer(settings):
    with connection.cursor() as cursor:
        cursor.execute("SELECT inet_server_port()")
        server_port = cursor.fetchone()[0]
    # The client talks to PgBouncer's port; the server it reaches is PostgreSQL's.
    assert str(connection.connection.info.port) == settings.DATABASES["default"]["PORT"]
    assert str(server_port) == settings.DB_DIRECT_PORT != settings.DATABASES["default"]["PORT"]


@pytest.mark.django_db
def test_server_side_cursors_are_disabled():
    assert connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] is True
    from goals.factories import GoalFactory
    from goals.models import FinancialGoal

    GoalFactory.create_batch(3)
    assert len(list(FinancialGoal.objects.iterator(chunk_size=1))) == 3


@pytest.mark.django_db
def test_migrations_are_complete():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_ensure_admin_creates_one_admin_with_random_password():
    from django.contrib.auth import get_user_model

    first, second = io.StringIO(), io.StringIO()
    call_command("ensure_admin", stdout=first)
    call_command("ensure_admin", stdout=second)
    assert "password:" in first.getvalue() and second.getvalue() == ""
    admin = get_user_model().objects.get(is_superuser=True)
    assert not admin.check_password("admin")


def test_production_settings_refuse_to_start_without_secret_key():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "import django, os; django.setup()"],
        env={"DJANGO_SETTINGS_MODULE": "mastertrade.settings.production", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr
