"""Any error that says the database or the broker is unreachable, wherever a request
raised it, is a clean 503 in the error shape (issue 21: a drill's 500 during an outage)."""

import psycopg
import pytest
from django.db import DatabaseError, InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerUnavailable
from rest_framework.test import APIRequestFactory

from mastertrade.core.errors import exception_handler, json_500


def raised(error, cause=None):
    """`error` as the project's code meets it: raised (from `cause`, as Django wraps)."""
    try:
        raise error from cause
    except Exception as exc:  # noqa: BLE001
        return exc


# libpq's report of a connection closed while a cursor waited for a result carries no
# SQLSTATE: psycopg raises its bare DatabaseError, Django wraps it in its own.
LOST = psycopg.DatabaseError("server closed the connection unexpectedly")

UNAVAILABLE = [
    raised(DatabaseError("server closed the connection unexpectedly"), LOST),
    LOST,
    # PgBouncer answered a COMMIT with its own error besides the server's result (the
    # ten-round drill's 500): psycopg's InternalError, no SQLSTATE.
    raised(
        DatabaseError("received 2 results from command 'COMMIT'"),
        psycopg.InternalError("received 2 results from command 'COMMIT'"),
    ),
    raised(OperationalError("terminating connection due to administrator command"), psycopg.errors.AdminShutdown()),
    psycopg.OperationalError("consuming input failed: server closed the connection unexpectedly"),
    psycopg.InterfaceError("the connection is closed"),
    InterfaceError("connection already closed"),
    BrokerUnavailable("Error 111 connecting to 127.0.0.1:6380. Connection refused."),
]


@pytest.mark.parametrize("error", UNAVAILABLE, ids=lambda e: f"{type(e).__module__}.{type(e).__name__}")
def test_in_a_view_it_is_a_503_in_the_error_shape(error):
    response = exception_handler(error, {"request": APIRequestFactory().get("/api/v1/goals/")})
    assert response.status_code == 503 and response["Retry-After"]
    assert response.data["code"] == "service_unavailable" and response.data["message"]


@pytest.mark.parametrize("error", UNAVAILABLE, ids=lambda e: f"{type(e).__module__}.{type(e).__name__}")
def test_outside_drf_it_is_a_503_in_the_error_shape(error):
    """Django's handler500 (middleware, authentication outside a view, signals)."""
    request = APIRequestFactory().get("/api/v1/goals/")
    try:
        raise error
    except Exception:  # noqa: BLE001 - Django calls handler500 while handling the exception
        response = json_500(request)
    assert response.status_code == 503 and response["Retry-After"]
    assert b'"service_unavailable"' in response.content


@pytest.mark.django_db
def test_a_statement_error_stays_a_500():
    error = raised(DatabaseError("division by zero"), psycopg.errors.DivisionByZero())
    assert exception_handler(error, {"request": None}).status_code == 500
    server_internal = raised(DatabaseError("could not open file"), psycopg.errors.InternalError_())
    assert exception_handler(server_internal, {"request": None}).status_code == 500
    try:
        raise RuntimeError("a defect")
    except RuntimeError:
        assert json_500(APIRequestFactory().get("/")).status_code == 500
