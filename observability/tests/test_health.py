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
        {"database": "up", "cache": "up", "broker": "up", "throttle": "up"},
    )


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
