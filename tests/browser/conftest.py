"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live
server, on the real test database (through PgBouncer).

pytest-playwright cannot find Debian's Chromium by channel, so the launch arguments
name the binary. Playwright's sync API runs an event loop in the test thread, so
Django's async-safety check must be relaxed for the ORM calls made by the tests."""

import os
import uuid
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1366, "height": 768}  # a laptop screen
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install it with `apt-get install -y chromium`.")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url():
    """No base URL: the tests use live_server.url. (Overriding it also keeps pytest-playwright's
    own base_url fixture, which pytest 9 warns about, out of the run.)"""
    return None


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": VIEWPORT}


@pytest.fixture
def screenshots() -> Path:
    """Where the tests leave screenshots for people to look at (var/ is git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def offline(page, live_server):
    """Fail the test if a page asks for anything but the live server (no CDN: the
    admin must work offline). Yields the list of refused URLs."""
    refused = []

    def route(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    yield refused
    assert refused == [], f"the page asked for outside resources: {refused}"


PASSWORD = "browser-test-password-1"


def _user(*, staff: bool):
    from django.contrib.auth import get_user_model

    from mastertrade.core.admin import login_failure_key, login_failures_clear

    prefix = "staff" if staff else "plain"
    user = get_user_model().objects.create_user(
        username=f"{prefix}-{uuid.uuid4().hex[:8]}", password=PASSWORD, is_staff=staff, is_superuser=staff
    )
    yield user
    login_failures_clear(login_failure_key(user.username, "127.0.0.1"))


@pytest.fixture
def staff_user(transactional_db):
    """A staff superuser (password: PASSWORD); its login failures are forgotten afterwards."""
    yield from _user(staff=True)


@pytest.fixture
def plain_user(transactional_db):
    """A user who is not staff (password: PASSWORD)."""
    yield from _user(staff=False)


@pytest.fixture
def log_in(page, live_server):
    def log_in(user):
        page.goto(f"{live_server.url}/admin/login/?next=/admin/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("#login-form input[type=submit]")

    return log_in
