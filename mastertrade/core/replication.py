"""A write the synchronous standby has not confirmed is never acknowledged.

With synchronous commit (docs/operations/standby.md) a COMMIT waits until the standby has
flushed it, for as long as it takes: statement_timeout does not cover that wait, nor does
a client that hangs up. So each request has a database deadline (DB_REQUEST_DEADLINE_SECONDS,
below gunicorn's 30 s timeout): past it, the request's running statement is cancelled.

A cancelled query fails (a 503, as any unreachable database). A cancelled *commit wait*
does not: PostgreSQL keeps the commit locally and only sends the WARNING "canceling wait
for synchronous replication"; the driver reports success. That notice is caught here and
the request answered 503 (Retry-After) in place of its 2xx: the client retries, and its
idempotent retry (the same external_id) finds the row instead of doubling it."""

import logging
import threading
import time

from django.conf import settings
from django.db import ProgrammingError, connections, transaction
from django.db.backends.signals import connection_created
from django.http import JsonResponse

from .errors import UNAVAILABLE_HEADERS, unavailable_body

logger = logging.getLogger(__name__)

UNREPLICATED = "canceling wait for synchronous replication"


def _watch_notices(sender, connection, **kwargs):
    """Flag the wrapper when its server reports a commit it kept without the standby."""
    if connection.vendor != "postgresql":
        return

    def on_notice(diagnostic):
        if (diagnostic.message_primary or "").startswith(UNREPLICATED):
            connection.unreplicated_commit = True

    connection.connection.add_notice_handler(on_notice)


connection_created.connect(_watch_notices, dispatch_uid="mastertrade.core.replication")


class _Watchdog:
    """One thread per process: every half second, cancels the running statement of each
    request past its deadline (a thread per request would cost the hot path)."""

    def __init__(self):
        self.lock, self.active, self.thread = threading.Lock(), {}, None

    def begin(self, wrapper, seconds: float) -> object:
        token = object()
        with self.lock:
            self.active[token] = (wrapper, time.monotonic() + seconds)
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="db-deadline", daemon=True)
                self.thread.start()
        return token

    def end(self, token) -> None:
        with self.lock:
            self.active.pop(token, None)

    def _run(self):
        while True:
            time.sleep(0.5)
            now = time.monotonic()
            with self.lock:
                # Every half second past the deadline until the request ends: a statement
                # it runs after a cancelled one (an on-commit write) is cancelled too.
                for wrapper, deadline in self.active.values():
                    if now >= deadline and wrapper.connection is not None:
                        logger.warning("a request is past its database deadline: cancelling its statement")
                        try:
                            wrapper.connection.cancel_safe(timeout=2)
                        except Exception:
                            logger.warning("could not cancel the statement", exc_info=True)


WATCHDOG = _Watchdog()


class SynchronousCommitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        wrapper = connections["default"]
        wrapper.unreplicated_commit = False
        token = WATCHDOG.begin(wrapper, settings.DB_REQUEST_DEADLINE_SECONDS)
        try:
            response = self.get_response(request)
        finally:
            WATCHDOG.end(token)
        if wrapper.unreplicated_commit:
            wrapper.unreplicated_commit = False
            request_id = getattr(request, "request_id", None)
            logger.warning("request %s: a commit was not confirmed by the synchronous standby: 503", request_id)
            return JsonResponse(unavailable_body(request_id), status=503, headers=UNAVAILABLE_HEADERS)
        return response


def confirm_replicated() -> None:
    """Wait until the synchronous standby has everything committed so far: for answers that
    acknowledge a row found rather than written (an idempotent replay, whose first commit may
    have been kept without the standby). A transactional message is a WAL record of its own
    transaction, whose commit waits for the standby like any other (or is cancelled: then a
    503). Needs EXECUTE on pg_logical_emit_message (the monitor role, scripts/stack.sh)."""
    try:
        with transaction.atomic(), connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_logical_emit_message(true, 'mastertrade', 'replicated?')")
    except ProgrammingError:  # no grant (a database set up by hand): acknowledge as before
        logger.warning("pg_logical_emit_message is not granted to the app role: replay not confirmed", exc_info=True)
