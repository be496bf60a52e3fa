"""The `middleware` piece against Django's WSGIHandler: the lean chain answers an API
request as the whole chain does, is built as Django builds a chain, and leaves
settings.MIDDLEWARE alone; off, the application is Django's own."""

import io
import json
import sys

import pytest
from django.core.handlers.wsgi import WSGIHandler

from goals.factories import GoalFactory
from mastertrade.fastpath import handlers
from tokens.services import api_token_create

pytestmark = pytest.mark.django_db


def _environ(path, token, cookie=None):
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_AUTHORIZATION": f"Token {token}",
    }
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    return environ


@pytest.fixture
def keep_test_connection():
    """As Django's test client does: the handler must not close the test's connection."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_cookieless_api_requests_take_the_lean_chain_with_the_same_answer(user, settings, keep_test_connection):
    settings.ALLOWED_HOSTS = ["testserver"]
    goal = GoalFactory(owner=user)
    _, key = api_token_create(user=user, name="hot-path")
    path = f"/api/v1/goals/{goal.pk}/"
    answers = {}
    for application, cookie in ((handlers.EngineHandler(), None), (WSGIHandler(), None), (WSGIHandler(), "s=1")):
        status, headers = {}, {}

        def start_response(line, header_list, exc_info=None, status=status, headers=headers):
            status["line"] = line
            headers.update(header_list)

        body = b"".join(application(_environ(path, key, cookie), start_response))
        assert status["line"].startswith("200"), body
        assert "X-Request-ID" in headers and headers["X-Frame-Options"] == "DENY"
        answers[type(application).__name__, cookie] = (status["line"], json.loads(body), sorted(headers))
    lean, whole, browser = answers.values()
    assert lean == whole
    assert browser[:2] == whole[:2]
    assert handlers.is_engine_request({"PATH_INFO": path})
    assert not handlers.is_engine_request({"PATH_INFO": path, "HTTP_COOKIE": "a=b"})
    assert not handlers.is_engine_request({"PATH_INFO": "/admin/"})


def test_the_chain_is_built_as_django_builds_it(settings):
    """Given the whole list, the lean chain's builder gives Django's chain."""

    def shape(handler):
        lists = (handler._view_middleware, handler._template_response_middleware, handler._exception_middleware)
        return [[(type(m.__self__).__name__, m.__name__) for m in methods] for methods in lists]

    assert shape(handlers.EngineHandler(middleware=list(settings.MIDDLEWARE))) == shape(WSGIHandler())
    lean = shape(handlers.EngineHandler())
    assert ("CsrfViewMiddleware", "process_view") in shape(WSGIHandler())[0]
    assert ("CsrfViewMiddleware", "process_view") not in lean[0]


def test_loading_the_lean_chain_leaves_the_settings_alone(monkeypatch):
    from django.conf import LazySettings

    written = []
    monkeypatch.setattr(LazySettings, "__setattr__", lambda self, name, value: written.append(name))
    handlers.EngineHandler()
    assert written == []


def test_the_application_follows_the_switch(settings):
    settings.FASTPATH_OFF = frozenset({"middleware"})
    assert type(handlers.get_wsgi_application()) is WSGIHandler
    settings.FASTPATH_OFF = frozenset()
    assert not isinstance(handlers.get_wsgi_application(), WSGIHandler)


def test_which_requests_take_the_lean_chain():
    assert handlers.is_engine_request({"PATH_INFO": "/api/v1/goals/"})
    assert not handlers.is_engine_request({"PATH_INFO": "/api/v1/goals/", "HTTP_COOKIE": "a=b"})
    assert not handlers.is_engine_request({"PATH_INFO": "/admin/"})
