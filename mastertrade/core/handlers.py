"""Two middleware chains: the whole one for browsers, a lean one for the trading engine.

A request under /api/ that carries no cookie can have no session, no login, no CSRF
cookie to check and no flash message to show, so the browser-only middleware
(BROWSER_ONLY) has nothing to do for it — yet it cost the trading engine's hot path a
tenth of a goal read's CPU (bench/api.py). Such requests go through the same chain,
in the same order, without those entries: metrics, security headers, the request id,
the API error shape, CommonMiddleware and the clickjacking header all still run.
A request with any cookie (the browsable API, the admin) takes the whole chain."""

import django
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

BROWSER_ONLY = frozenset(
    {
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
    }
)


class EngineHandler(WSGIHandler):
    """A WSGIHandler whose middleware chain is settings.MIDDLEWARE without BROWSER_ONLY."""

    def load_middleware(self, is_async=False):
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = [path for path in full if path not in BROWSER_ONLY]
        try:  # read once, at start-up (load_middleware has no other way in)
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


def is_engine_request(environ) -> bool:
    return "HTTP_COOKIE" not in environ and environ.get("PATH_INFO", "").startswith("/api/")


def get_wsgi_application():
    """The project's WSGI application: cookieless API requests take the lean chain."""
    django.setup(set_prefix=False)
    browser, engine = WSGIHandler(), EngineHandler()

    def application(environ, start_response):
        handler = engine if is_engine_request(environ) else browser
        return handler(environ, start_response)

    return application
