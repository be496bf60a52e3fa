"""The `middleware` piece: two middleware chains, the whole one for browsers, a lean one
for the trading engine.

A request under /api/ that carries no cookie can have no session, no login, no CSRF
cookie to check and no flash message to show, so the browser-only middleware
(BROWSER_ONLY) has nothing to do for it — yet it cost the trading engine's hot path a
tenth of a goal read's CPU (bench/api.py). Such requests go through the same chain,
in the same order, without those entries: metrics, security headers, the request id,
the API error shape, CommonMiddleware and the clickjacking header all still run.
A request with any cookie (the browsable API, the admin) takes the whole chain.

The lean chain is built from its own list (Django's load_middleware reads only
settings.MIDDLEWARE, which is left alone): the same steps as Django's for a synchronous
(WSGI) handler, every middleware being sync-capable. Off (FASTPATH_OFF=middleware):
`get_wsgi_application` is Django's own, one WSGIHandler with the whole chain."""

import django
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.utils.module_loading import import_string

from mastertrade.fastpath import on

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
    """A WSGIHandler whose middleware chain is `middleware` (by default settings.MIDDLEWARE
    without BROWSER_ONLY), read once, at start-up."""

    def __init__(self, middleware=None):
        self.middleware = (
            [path for path in settings.MIDDLEWARE if path not in BROWSER_ONLY] if middleware is None else middleware
        )
        super().__init__()

    def load_middleware(self, is_async=False):
        """BaseHandler.load_middleware's steps for a synchronous handler, over self.middleware."""
        if is_async:
            raise ImproperlyConfigured("EngineHandler is a WSGI (synchronous) handler")
        self._view_middleware, self._template_response_middleware, self._exception_middleware = [], [], []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(self.middleware):
            middleware = import_string(path)
            if not getattr(middleware, "sync_capable", True):
                raise ImproperlyConfigured(f"the lean chain runs synchronous middleware only, not {path}")
            try:
                instance = middleware(handler)
            except MiddlewareNotUsed:
                continue
            if instance is None:
                raise ImproperlyConfigured(f"Middleware factory {path} returned None.")
            if hasattr(instance, "process_view"):
                self._view_middleware.insert(0, instance.process_view)
            if hasattr(instance, "process_template_response"):
                self._template_response_middleware.append(instance.process_template_response)
            if hasattr(instance, "process_exception"):
                self._exception_middleware.append(instance.process_exception)
            handler = convert_exception_to_response(instance)
        self._middleware_chain = handler


def is_engine_request(environ) -> bool:
    return "HTTP_COOKIE" not in environ and environ.get("PATH_INFO", "").startswith("/api/")


def get_wsgi_application():
    """The project's WSGI application: cookieless API requests take the lean chain
    (or, the piece off, Django's own application)."""
    django.setup(set_prefix=False)
    browser = WSGIHandler()
    if not on("middleware"):
        return browser
    engine = EngineHandler()

    def application(environ, start_response):
        handler = engine if is_engine_request(environ) else browser
        return handler(environ, start_response)

    return application
