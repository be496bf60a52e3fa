"""Cross-cutting API guarantees: authentication, isolation, one error shape,
documentation, throttling, production posture."""

import os
import secrets
import subprocess
import sys

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from goals.factories import GoalFactory
from mastertrade.factories import token_client
from strategies.factories import StrategyFactory
from trades.factories import TradeFactory

pytestmark = pytest.mark.django_db

PROTECTED = [
    ("get", "/api/v1/goals/"),
    ("post", "/api/v1/goals/"),
    ("get", "/api/v1/goals/1/"),
    ("patch", "/api/v1/goals/1/"),
    ("delete", "/api/v1/goals/1/"),
    ("post", "/api/v1/goals/1/progress/"),
    ("get", "/api/v1/goals/1/history/"),
    ("get", "/api/v1/trades/"),
    ("post", "/api/v1/trades/"),
    ("get", "/api/v1/trades/1/"),
    ("get", "/api/v1/strategies/"),
    ("post", "/api/v1/strategies/"),
    ("get", "/api/v1/strategies/x/"),
    ("patch", "/api/v1/strategies/x/"),
    ("post", "/api/v1/strategies/select/"),
    ("get", "/api/v1/strategies/selections/"),
    ("post", "/api/v1/risk/position-size/"),
    ("get", "/api/v1/risk/adjustments/"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_every_endpoint_needs_authentication(anon, method, path):
    response = getattr(anon, method)(path, {}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("path", ["/health/", "/api/schema/", "/api/docs/"])
def test_public_endpoints(anon, path):
    assert anon.get(path).status_code == 200


def test_someone_elses_objects_are_404_for_every_verb(api, other_user):
    goal = GoalFactory(owner=other_user)
    trade = TradeFactory(owner=other_user)
    StrategyFactory(owner=other_user, strategy_id="theirs")
    calls = [
        ("get", f"/api/v1/goals/{goal.pk}/", None),
        ("patch", f"/api/v1/goals/{goal.pk}/", {"name": "x"}),
        ("delete", f"/api/v1/goals/{goal.pk}/", None),
        ("post", f"/api/v1/goals/{goal.pk}/progress/", {"current_value": "1"}),
        ("get", f"/api/v1/goals/{goal.pk}/history/", None),
        ("get", f"/api/v1/trades/{trade.pk}/", None),
        ("get", "/api/v1/strategies/theirs/", None),
        ("patch", "/api/v1/strategies/theirs/", {"status": "paused"}),
    ]
    for method, path, body in calls:
        response = getattr(api, method)(path, body, format="json")
        assert response.status_code == 404, (method, path)
        assert response.json() == {"code": "not_found", "message": response.json()["message"]}
    goal.refresh_from_db()
    assert goal.name != "x"


def test_error_shapes(api):
    assert api.put("/api/v1/goals/", {}, format="json").json()["code"] == "method_not_allowed"
    assert api.get("/api/v1/nowhere/").json()["code"] == "not_found"
    response = api.post("/api/v1/goals/", "{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "parse_error"


def test_oversized_body_is_413(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api.post(
        "/api/v1/goals/", {"name": "x" * 5000, "goal_type": "monthly_income", "target_value": "1"}, format="json"
    )
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"


def test_unexpected_error_is_json_500_with_request_id_only(user, monkeypatch, caplog):
    from goals import services

    def boom(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(services, "goal_create", boom)
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    response = client.post(
        "/api/v1/goals/", {"name": "x", "goal_type": "monthly_income", "target_value": "1"}, format="json"
    )
    assert response.status_code == 500
    body = response.json()
    assert set(body) == {"code", "request_id"} and body["code"] == "server_error"
    assert body["request_id"] == response["X-Request-ID"]
    assert "secret internals" not in response.content.decode()
    assert body["request_id"] in caplog.text


@pytest.fixture
def one_window(monkeypatch):
    """Pin the throttles' clock 30 s into a minute that no other test or run has used: a
    test never straddles two fixed windows (where the count would start again) and
    starts from zero without emptying the cache (the window is part of every key)."""
    from mastertrade.core.throttling import WindowThrottle

    now = 60.0 * (28_000_000 + secrets.randbelow(10**9)) + 30
    monkeypatch.setattr(WindowThrottle, "timer", staticmethod(lambda: now))


def test_write_throttle_429_with_retry_after(api, settings, one_window):
    settings.API_THROTTLE_WRITE = "3/minute"
    for _ in range(3):
        assert api.post("/api/v1/goals/", {}, format="json").status_code == 400
    response = api.post("/api/v1/goals/", {}, format="json")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert response.json()["code"] == "throttled"
    assert api.get("/api/v1/goals/").status_code == 200  # reads are not throttled


def test_token_endpoint(anon, user):
    response = anon.post(
        "/api/v1/auth/token/", {"username": user.username, "password": "correct-horse-battery"}, format="json"
    )
    assert response.status_code == 200
    key = response.json()["token"]
    assert token_client(key=key).get("/api/v1/goals/").status_code == 200
    wrong_password = anon.post("/api/v1/auth/token/", {"username": user.username, "password": "nope"}, format="json")
    no_user = anon.post("/api/v1/auth/token/", {"username": "ghost", "password": "nope"}, format="json")
    assert wrong_password.status_code == no_user.status_code == 400
    assert wrong_password.json() == no_user.json()
    assert wrong_password.json()["code"] == "invalid_credentials"
    assert anon.post("/api/v1/auth/token/", {}, format="json").json()["errors"].keys() == {"username", "password"}


def test_token_endpoint_is_throttled(anon, settings, one_window):
    settings.API_THROTTLE_TOKEN = "10/minute"
    codes = [
        anon.post("/api/v1/auth/token/", {"username": "a", "password": "b"}, format="json").status_code
        for _ in range(11)
    ]
    assert codes[:10] == [400] * 10 and codes[10] == 429


def test_schema_generates_with_zero_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))


def test_swagger_ui_needs_no_cdn(anon):
    html = anon.get("/api/docs/").content.decode()
    assert "swagger-ui" in html and "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html


def test_production_check_deploy_has_no_warnings():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},  # set by the browser tests
        "DJANGO_SETTINGS_MODULE": "mastertrade.settings.production",
        "DJANGO_SECRET_KEY": "k" * 20 + "-Zx9!q2#Lm4$Np6^Rt8&Vb0*Hj3@Wc5%Ye7",
        "DJANGO_ALLOWED_HOSTS": "goals.example.com",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://goals.example.com",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_write_throttle_is_atomic_under_concurrency(user, settings, one_window):
    """Concurrent writers never get past the limit together (one atomic INCR per write)."""
    import threading

    settings.API_THROTTLE_WRITE = "20/minute"
    codes, lock = [], threading.Lock()

    def writer():
        client = APIClient()
        client.force_authenticate(user)
        for _ in range(5):
            code = client.post("/api/v1/goals/", {}, format="json").status_code
            with lock:
                codes.append(code)

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes.count(429) == 20 and codes.count(400) == 20


def test_token_endpoint_throttle_is_atomic_under_concurrency(settings, one_window):
    """Concurrent token requests from one address never get past the limit together
    (DRF's AnonRateThrottle read-modify-wrote a list: more got through)."""
    from concurrent.futures import ThreadPoolExecutor

    settings.API_THROTTLE_TOKEN = "20/minute"

    def attempt(_):
        return APIClient().post("/api/v1/auth/token/", {"username": "a", "password": "b"}, format="json").status_code

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(attempt, range(40)))
    assert codes.count(400) == 20 and codes.count(429) == 20
