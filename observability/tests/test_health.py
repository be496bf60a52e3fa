"""GET /health/ tells the truth: every dependency up is 200 `ok`; the database unreachable
is a 503 that leaks nothing; no authentication, GET only."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_health_ok(anon):
    response = anon.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["checks"]) == (
        "ok",
        {"database": "up", "cache": "up", "broker": "up", "throttle": "up", "wal_archiving": "up", "last_backup": "up"},
    )


@pytest.mark.django_db
def test_a_failed_last_backup_is_degraded(anon, settings, tmp_path):
    settings.BACKUP_STATUS_DIR = str(tmp_path)
    (tmp_path / "full.json").write_text('{"ok": true, "finished_at": "2026-11-25T10:00:00+00:00"}')
    (tmp_path / "incr.json").write_text('{"ok": false, "finished_at": "2026-11-25T11:00:00+00:00"}')
    body = anon.get("/health/").json()
    assert (body["status"], body["checks"]["last_backup"]) == ("degraded", "down")
    (tmp_path / "full.json").write_text('{"ok": true, "finished_at": "2026-11-25T12:00:00+00:00"}')
    body = anon.get("/health/").json()
    assert (body["status"], body["checks"]["last_backup"]) == ("ok", "up")


@pytest.mark.django_db(transaction=True)
def test_health_503_when_database_unreachable(anon):
    connection.close()
    original = connection.settings_dict["PORT"]
    connection.settings_dict["PORT"] = "1"  # nothing listens there
    try:
        response = anon.get("/health/")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = original
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["checks"]["database"] == "down"
    assert "password" not in response.content.decode().lower()


def test_health_needs_no_auth_and_is_get_only(client, db):
    assert client.post("/health/").status_code == 405
