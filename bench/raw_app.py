"""The raw floor (bench/api.py): the SQL sizing must run, with no framework.

A minimal WSGI application, served by gunicorn with the project's settings file, that
does through PgBouncer with psycopg exactly what the API must do per request:

- `POST /raw/size`: look up the token's user (the hashed-token row joined to its user,
  the digest compared in Python), read the goal, insert one audit row and commit;
- `GET /raw/read`: the first two only (the raw read floor).

It answers small JSON bodies. Nothing else: no routing, no validation, no metrics —
this is the physical limit of this stack for each endpoint, not an application.
Connection settings come from the same environment variables as Django's settings.
"""

import datetime as dt
import hashlib
import json
import os
from decimal import Decimal
from hmac import compare_digest

import psycopg

TOKEN_KEY_LENGTH = 15
_conn = None

AUTH_SQL = (
    "SELECT t.digest, t.expiry, u.id, u.is_active FROM api_tokens t "
    "JOIN auth_user u ON u.id = t.user_id WHERE t.token_key = %s"
)
GOAL_SQL = "SELECT * FROM financial_goals WHERE id = %s AND owner_id = %s"
# Every column the API's audit row fills (the decision's inputs included).
INSERT_SQL = (
    "INSERT INTO goal_adjustment_log (owner_id, goal_id, base_position_size, portfolio_value, symbol, "
    "current_value, target_value, progress_pct, expected_pct, drawdown_pct, adjustment_factor, adjusted_size, "
    "stance, reason, policy, policy_version, min_factor, max_factor, max_drawdown_pct, on_achieved, peak_value, "
    "days_since_peak, mu, sigma, target_return, horizon_days, reach_probability, created_at) "
    "VALUES (%s, %s, %s, NULL, %s, %s, %s, 0, NULL, 0, 1, %s, 'balanced', 'raw floor', 'default', '2', "
    "%s, %s, %s, %s, %s, 0, 0.1, 0.4, 0.1, 21, %s, now()) RETURNING id"
)


def connection() -> psycopg.Connection:
    """One connection per worker process, kept (like Django's CONN_MAX_AGE)."""
    global _conn
    if _conn is None or _conn.closed:
        _conn = psycopg.connect(
            host=os.environ.get("DB_HOST", "127.0.0.1"),
            port=os.environ.get("DB_PORT", "6432"),
            dbname=os.environ.get("DB_NAME", "mastertrade"),
            user=os.environ.get("DB_USER", "mastertrade"),
            password=os.environ.get("DB_PASSWORD", "mastertrade"),
            autocommit=True,
            prepare_threshold=None,  # transaction pooling: no prepared statements
        )
    return _conn


def user_for(conn, environ) -> int | None:
    header = environ.get("HTTP_AUTHORIZATION", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "token" or len(key) < TOKEN_KEY_LENGTH:
        return None
    digest = hashlib.sha512(key.encode()).hexdigest()
    now = dt.datetime.now(dt.UTC)
    for row_digest, expiry, user_id, active in conn.execute(AUTH_SQL, (key[:TOKEN_KEY_LENGTH],)).fetchall():
        if compare_digest(digest, row_digest) and active and (expiry is None or expiry > now):
            return user_id
    return None


def respond(start_response, status: str, body: dict):
    data = json.dumps(body, default=str).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def app(environ, start_response):
    conn = connection()
    user_id = user_for(conn, environ)
    if user_id is None:
        return respond(start_response, "401 Unauthorized", {"code": "not_authenticated"})
    goal_id = int(environ.get("QUERY_STRING", "goal=0").partition("=")[2] or 0)
    if environ["PATH_INFO"] == "/raw/read":
        cursor = conn.execute(GOAL_SQL, (goal_id, user_id))
        row = cursor.fetchone()
        if row is None:
            return respond(start_response, "404 Not Found", {"code": "not_found"})
        names = [c.name for c in cursor.description]
        return respond(start_response, "200 OK", dict(zip(names, row, strict=True)))
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = json.loads(environ["wsgi.input"].read(length) or b"{}")
    base = Decimal(body["base_position_size"])
    # Like the API: the goal read, then the audit row's INSERT, which commits on its own.
    cursor = conn.execute(GOAL_SQL, (goal_id, user_id))
    row = cursor.fetchone()
    if row is None:
        return respond(start_response, "404 Not Found", {"code": "not_found"})
    goal = dict(zip([c.name for c in cursor.description], row, strict=True))
    adjustment_id = conn.execute(INSERT_SQL, (
        user_id, goal_id, base, body.get("symbol", ""), goal["current_value"], goal["target_value"], base,
        goal["min_factor"], goal["max_factor"], goal["max_drawdown_pct"], goal["on_achieved"], goal["peak_value"],
        goal["reach_probability"],
    )).fetchone()[0]  # fmt: skip
    return respond(
        start_response,
        "200 OK",
        {"goal": goal_id, "base_position_size": str(base), "adjusted_size": str(base), "adjustment_id": adjustment_id},
    )
