"""One error shape for the whole API: {"code", "message", "errors"?, "request_id"?}."""

import logging
import sys

import psycopg
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import Http404, JsonResponse
from kombu.exceptions import OperationalError as BrokerUnavailable
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

logger = logging.getLogger("mastertrade.api")


class ApplicationError(Exception):
    """A business rule said no. `code` is stable and machine-readable."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str, *, code: str = "invalid", status_code: int | None = None, errors=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.errors = errors
        if status_code is not None:
            self.status_code = status_code


class Conflict(ApplicationError):
    status_code = status.HTTP_409_CONFLICT

    def __init__(self, message: str, *, code: str = "conflict"):
        super().__init__(message, code=code)


# Refusals a schema cannot state, each with its own top-level code (still a 400 with
# messages per field): values that are each valid but not together (a deadline before
# the start), and ids in a body that name nothing of yours.
INVALID_COMBINATION = "invalid_combination"
UNKNOWN_REFERENCE = "unknown_reference"
RULE_CODES = (INVALID_COMBINATION, UNKNOWN_REFERENCE)


# What says a backing service is unreachable rather than that the request is wrong:
# Django's wrapped connection errors, psycopg's own where a statement ran on its cursor
# directly (AdminShutdown, "server closed the connection", "the connection is closed"
# are OperationalError subclasses), and the broker's.
UNAVAILABLE = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError, BrokerUnavailable)


# psycopg's errors that a server never sends: without a SQLSTATE they are libpq's or
# psycopg's own report that the protocol went wrong, not that a statement did.
PROTOCOL_ERRORS = (psycopg.DatabaseError, psycopg.InternalError)


def _connection_lost(exc: BaseException) -> bool:
    """A database error that says the connection, not the statement, failed: a psycopg
    DatabaseError or InternalError without a SQLSTATE (a result that never came, as when
    a connection closed while a cursor waited; or too many, as when PgBouncer answered a
    COMMIT with its own login error: "received 2 results from command 'COMMIT'"), or any
    database error on a connection that is now broken. A commit that failed so may or may
    not have happened: a 503 says retry, and an idempotent retry finds the row."""
    if type(exc) in PROTOCOL_ERRORS and exc.sqlstate is None:
        return True
    if isinstance(exc, (DatabaseError, psycopg.Error)):
        return any(
            getattr(conn.connection, "broken", False) or conn.closed_in_transaction
            for conn in connections.all(initialized_only=True)
        )
    return False


def is_unavailable(exc: BaseException | None) -> bool:
    """Whether `exc`, or an error it was raised from or while handling, says that the
    database or the broker is unreachable."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, UNAVAILABLE) or _connection_lost(exc):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def unavailable_body(request_id) -> dict:
    return _body("service_unavailable", "A backing service is unavailable; retry shortly.", request_id=request_id)


UNAVAILABLE_HEADERS = {"Retry-After": "2"}


def _flat_codes(codes) -> list:
    if isinstance(codes, dict):
        return [c for value in codes.values() for c in _flat_codes(value)]
    if isinstance(codes, list):
        return [c for value in codes for c in _flat_codes(value)]
    return [codes]


def validation_code(codes) -> str:
    """`validation_error`, or a rule code when every error has that one code."""
    flat = set(_flat_codes(codes))
    if len(flat) == 1 and next(iter(flat)) in RULE_CODES:
        return next(iter(flat))
    return "validation_error"


def _django_codes(exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        return {field: [e.code for e in errs] for field, errs in exc.error_dict.items()}
    return [e.code for e in exc.error_list]


def validation_errors(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for e in errs for m in e.messages] for field, errs in exc.error_dict.items()}
    return {"non_field_errors": list(exc.messages)}


def _body(code: str, message: str, errors=None, **extra) -> dict:
    body = {"code": code, "message": message}
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    return body


def _messages(detail, prefix: str = "") -> list[str]:
    """Flatten DRF error details (nested for list items and objects) into messages."""
    if isinstance(detail, dict):
        return [m for key, value in detail.items() for m in _messages(value, f"{prefix}{key}: ")]
    if isinstance(detail, list):
        return [m for item in detail for m in _messages(item, prefix)]
    return [f"{prefix}{detail}"]


def _drf_errors(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {key: _messages(value) for key, value in detail.items()}
    return {"non_field_errors": _messages(detail)}


def exception_handler(exc, context):
    """DRF exception handler: every error leaves in the same shape."""
    request = context.get("request")
    set_rollback()
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        return Response(_body("payload_too_large", "The request body is too large."), status=413)
    elif isinstance(exc, DjangoValidationError):
        code = validation_code(_django_codes(exc))
        return Response(_body(code, "Invalid input.", validation_errors(exc)), status=400)
    if isinstance(exc, ApplicationError):
        return Response(_body(exc.code, exc.message, exc.errors), status=exc.status_code)
    if isinstance(exc, exceptions.ValidationError):
        code = validation_code(exc.get_codes())
        return Response(_body(code, "Invalid input.", _drf_errors(exc.detail)), status=400)
    if isinstance(exc, exceptions.APIException):
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        return Response(_body(code, str(detail)), status=exc.status_code, headers=headers)
    request_id = getattr(getattr(request, "_request", request), "request_id", None)
    if is_unavailable(exc):
        logger.warning("service unavailable (request %s): %r", request_id, exc)
        return Response(unavailable_body(request_id), status=503, headers=UNAVAILABLE_HEADERS)
    if isinstance(exc, DatabaseError):
        logger.exception("database error (request %s)", request_id)
    else:
        logger.exception("unhandled error (request %s)", request_id)
    return Response({"code": "server_error", "request_id": request_id}, status=500)


def json_404(request, exception=None):
    return JsonResponse(_body("not_found", "Not found."), status=404)


def json_500(request):
    """Django's handler500, for what escaped DRF's handler (middleware, signals, the
    response's rendering): called while the exception is handled, so an unreachable
    database or broker is told apart from a defect here too."""
    request_id = getattr(request, "request_id", None)
    if is_unavailable(sys.exception()):
        return JsonResponse(unavailable_body(request_id), status=503, headers=UNAVAILABLE_HEADERS)
    return JsonResponse({"code": "server_error", "request_id": request_id}, status=500)


def json_400(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        return JsonResponse(_body("payload_too_large", "The request body is too large."), status=413)
    return JsonResponse(_body("bad_request", "Bad request."), status=400)


def json_403(request, exception=None):
    return JsonResponse(_body("permission_denied", "Forbidden."), status=403)
