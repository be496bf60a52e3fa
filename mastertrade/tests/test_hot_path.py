"""The hot path's shortcuts (issue 15) give exactly what the general paths give."""

import datetime as dt
import io
import json
import sys
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from rest_framework import serializers

from goals.api.serializers import GoalSerializer
from goals.factories import GoalFactory
from goals.models import FinancialGoal
from mastertrade.core import handlers, sql
from mastertrade.core.serializers import RepresentationPlanMixin, Serializer, _build_plan, decimal_field
from risk.api.serializers import PositionSizeSerializer
from risk.models import GoalAdjustment
from tokens.services import api_token_create

pytestmark = pytest.mark.django_db


def _drf_output(serializer_class, instance, **kwargs):
    """What DRF's own Serializer.to_representation gives (the plan bypassed)."""
    serializer = serializer_class(instance, **kwargs)
    return super(RepresentationPlanMixin, serializer).to_representation(instance)


def test_goal_output_by_plan_is_drfs_output(user):
    goal = GoalFactory(owner=user, capital_base=None, reach_probability=Decimal("0.4321"))
    assert _build_plan(GoalSerializer) is not None
    assert GoalSerializer(goal).data == _drf_output(GoalSerializer, goal)
    assert GoalSerializer([goal, goal], many=True).data == [_drf_output(GoalSerializer, goal)] * 2


class _Shortcuts(Serializer):
    amount = decimal_field((12, 2))
    at = serializers.DateTimeField()
    label = serializers.CharField(source="describe")  # a method: DRF calls it
    nested_id = serializers.IntegerField(source="inner.pk")


class _Inner:
    pk = 7


class _Thing:
    inner = _Inner()

    def __init__(self, amount, at):
        self.amount, self.at = amount, at

    def describe(self):
        return f"thing {self.amount}"


@pytest.mark.parametrize(
    "amount, at",
    [
        (Decimal("12.30"), dt.datetime(2026, 11, 26, 3, 4, 5, 123456, tzinfo=dt.UTC)),  # the column's scale
        (Decimal("12.3"), dt.datetime(2026, 6, 1, 12, 0, tzinfo=ZoneInfo("America/New_York"))),  # other scale, zone
        (Decimal("-0.00"), dt.datetime(2026, 1, 1)),  # naive: DRF makes it aware
        (Decimal("1E+3"), "2026-01-01T00:00:00Z"),  # exponent form; a string passes through
    ],
)
@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris"])
def test_output_shortcuts_give_drfs_output(amount, at, zone):
    from django.utils import timezone

    plan = {name: (attr, represent) for name, _, _, attr, represent in _build_plan(_Shortcuts)}
    assert plan["amount"][0] == "amount" and plan["amount"][1] is not None
    assert plan["at"][1] is not None and plan["nested_id"][0] is None  # two attributes deep: DRF reads it
    thing = _Thing(amount, at)
    with timezone.override(ZoneInfo(zone)):
        assert _Shortcuts(thing).data == _drf_output(_Shortcuts, thing)
        row = {"amount": amount, "at": at, "describe": "a mapping", "inner": {"pk": 1}}
        assert _Shortcuts(row).data == _drf_output(_Shortcuts, row)


class _ContextField(serializers.IntegerField):
    def to_representation(self, value):
        return value + self.context["offset"]


class _WithContext(Serializer):
    plain = serializers.IntegerField(source="pk")
    seen = serializers.SerializerMethodField()

    def get_seen(self, obj):
        return self.context["who"]


class _CustomOutput(Serializer):
    shifted = _ContextField(source="pk")


def test_method_fields_see_their_own_instances_context(user):
    goal = GoalFactory(owner=user)
    assert _WithContext(goal, context={"who": "a"}).data == {"plain": goal.pk, "seen": "a"}
    assert _WithContext(goal, context={"who": "b"}).data == {"plain": goal.pk, "seen": "b"}


def test_a_field_with_its_own_output_keeps_drfs_path(user):
    goal = GoalFactory(owner=user)
    assert _build_plan(_CustomOutput) is None
    assert _CustomOutput(goal, context={"offset": 5}).data == {"shifted": goal.pk + 5}


def _adjustment(goal, **extra):
    return GoalAdjustment(
        owner_id=goal.owner_id,
        goal=goal,
        base_position_size=Decimal("1000.5"),
        current_value=goal.current_value,
        target_value=goal.target_value,
        progress_pct=Decimal("12.5"),
        drawdown_pct=Decimal("0"),
        adjustment_factor=Decimal("1.1"),
        adjusted_size=Decimal("1100.55"),
        stance="aggressive",
        reason="r",
        mu=0.25,
        sigma=0.4,
        **extra,
    )


def test_precompiled_insert_writes_what_the_orm_writes(user):
    goal = GoalFactory(owner=user)
    fast = sql.insert(_adjustment(goal))
    orm = _adjustment(goal)
    orm.save()
    assert fast.pk and not fast._state.adding
    fields = GoalAdjustment._meta.concrete_fields
    columns = [f.attname for f in fields if not f.primary_key and f.attname != "created_at"]
    stored = GoalAdjustment.objects.values(*columns)
    assert stored.get(pk=fast.pk) == stored.get(pk=orm.pk)
    assert PositionSizeSerializer(fast).data["adjustment_id"] == fast.pk


def test_precompiled_statements_run_on_psycopgs_cursor_unless_statements_are_counted(user, django_assert_num_queries):
    from django.db import IntegrityError, connection, transaction

    goal = GoalFactory(owner=user)
    with django_assert_num_queries(2):  # counted: Django's cursor
        sql.get(FinancialGoal, id=goal.pk, owner_id=user.pk)
        sql.insert(_adjustment(goal))
    assert not connection.queries_logged
    with sql._statement(connection) as cursor:
        assert not hasattr(cursor, "db")  # psycopg's own, not Django's CursorWrapper
    assert sql.get(FinancialGoal, id=goal.pk, owner_id=user.pk) == goal
    broken = _adjustment(goal)
    broken.stance = None
    with pytest.raises(IntegrityError), transaction.atomic():  # django.db's error, as through the ORM
        sql.insert(broken)


def test_values_passed_as_they_are_are_what_the_orm_would_pass(user):
    from django.db import connection

    adjustment = _adjustment(GoalFactory(owner=user))
    _, plan = sql._insert_sql(GoalAdjustment)
    as_is = [(f, v) for f, same in plan if same is not None and type(v := f.pre_save(adjustment, True)) is same]
    assert len(as_is) >= 12  # decimals, texts, the timestamp
    for field, value in as_is:
        prepared = field.get_db_prep_save(value, connection)
        assert prepared == value and type(prepared) is type(value), field.name


def test_the_audit_insert_is_counted_in_the_statement_metrics(user):
    from django_prometheus.db import execute_total

    goal = GoalFactory(owner=user)
    counted = execute_total.labels("default", "postgresql")
    before = counted._value.get()
    sql.insert(_adjustment(goal))
    assert counted._value.get() == before + 1


def test_precompiled_get_reads_what_the_orm_reads(user, other_user):
    goal = GoalFactory(owner=user, reach_probability=Decimal("0.25"))
    fast = sql.get(FinancialGoal, id=goal.pk, owner_id=user.pk)
    orm = FinancialGoal.objects.get(pk=goal.pk)
    fields = [f.attname for f in FinancialGoal._meta.concrete_fields]
    assert [getattr(fast, f) for f in fields] == [getattr(orm, f) for f in fields]
    assert not fast._state.adding
    assert sql.get(FinancialGoal, id=goal.pk, owner_id=other_user.pk) is None


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
    application = handlers.get_wsgi_application()
    path = f"/api/v1/goals/{goal.pk}/"
    answers = {}
    for cookie in (None, "sessionid=nothing"):
        status, headers = {}, {}

        def start_response(line, header_list, exc_info=None, status=status, headers=headers):
            status["line"] = line
            headers.update(header_list)

        body = b"".join(application(_environ(path, key, cookie), start_response))
        assert status["line"].startswith("200"), body
        assert "X-Request-ID" in headers and headers["X-Frame-Options"] == "DENY"
        answers[cookie] = json.loads(body)
    assert answers[None] == answers["sessionid=nothing"]
    assert handlers.is_engine_request({"PATH_INFO": path})
    assert not handlers.is_engine_request({"PATH_INFO": path, "HTTP_COOKIE": "a=b"})
    assert not handlers.is_engine_request({"PATH_INFO": "/admin/"})
    settings_before = list(settings.MIDDLEWARE)
    lean, whole = handlers.EngineHandler(), handlers.WSGIHandler()
    assert settings_before == settings.MIDDLEWARE  # restored after loading the lean chain

    def view_middleware(handler):
        return {type(method.__self__).__name__ for method in handler._view_middleware}

    assert "CsrfViewMiddleware" in view_middleware(whole)
    assert "CsrfViewMiddleware" not in view_middleware(lean)


# --- The write throttle's counter: its own RESP socket, the same counts as redis-py.


def test_the_throttle_counter_counts_like_redis_py_and_sets_the_expiry_once():
    from django.conf import settings
    from django_redis import get_redis_connection

    from mastertrade.core.throttling import counter

    redis = get_redis_connection("default")
    key = "mt:test:hot-path:counter"
    redis.delete(key)
    try:
        assert [counter().incr(key, expire_seconds=61) for _ in range(3)] == [1, 2, 3]
        assert redis.get(key) == b"3" and 59 <= redis.ttl(key) <= 61
        redis.expire(key, 500)
        assert counter().incr(key, expire_seconds=61) == 4
        assert redis.ttl(key) > 61  # NX: an expiry already set is kept
        # Same database as the cache (the test cache has its own).
        assert settings.CACHES["default"]["LOCATION"].endswith(f"/{redis.connection_pool.connection_kwargs['db']}")
    finally:
        redis.delete(key)


def test_the_throttle_counter_reconnects_after_an_error():
    from django_redis import get_redis_connection

    from mastertrade.core.throttling import RedisError, counter

    redis = get_redis_connection("default")
    key = "mt:test:hot-path:not-a-number"
    redis.set(key, "x")
    try:
        with pytest.raises(RedisError, match="not an integer"):
            counter().incr(key, expire_seconds=61)
        redis.delete(key)
        assert counter().incr(key, expire_seconds=61) == 1
    finally:
        redis.delete(key)


def test_with_the_cache_redis_unreachable_writes_are_allowed(settings, user):
    from types import SimpleNamespace

    from mastertrade.core.throttling import RedisCounter, WriteRateThrottle
    from mastertrade.testing import free_port

    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{free_port()}/1"},
    }
    settings.API_THROTTLE_WRITE = "1/minute"
    unreachable = RedisCounter(settings.CACHES["default"]["LOCATION"], connect_timeout=0.5, timeout=0.5)
    with pytest.raises(OSError):
        unreachable.incr("k", expire_seconds=61)
    request = SimpleNamespace(method="POST", user=user)
    assert all(WriteRateThrottle().allow_request(request, None) for _ in range(3))


def test_the_throttle_counter_reads_password_and_database_from_the_url():
    from mastertrade.core.throttling import RedisCounter

    c = RedisCounter("redis://me:p%40ss@cache.example:6390/4", connect_timeout=1, timeout=1)
    assert (c.address, c.username, c.password, c.database) == (("cache.example", 6390), "me", "p@ss", 4)
    c = RedisCounter("unix:///run/redis.sock?db=2", connect_timeout=1, timeout=1)
    assert (c.address, c.password, c.database) == ("/run/redis.sock", None, 2)
    assert RedisCounter("rediss://cache.example/0", connect_timeout=1, timeout=1).tls
    with pytest.raises(ValueError, match="http"):
        RedisCounter("http://cache.example/0", connect_timeout=1, timeout=1)


# --- Content negotiation, remembered: DRF's answer for every Accept header.


@pytest.mark.parametrize(
    "accept, query",
    [
        (None, ""),
        ("application/json", ""),
        ("*/*", ""),
        ("text/html", ""),
        ("application/json; indent=4", ""),
        ("text/html;q=0.5, application/json", ""),
        ("application/*", ""),
        ("*/*", "format=api"),
        (None, "format=json"),
    ],
)
def test_remembered_negotiation_gives_drfs_answer(rf, accept, query):
    from rest_framework.negotiation import DefaultContentNegotiation
    from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
    from rest_framework.request import Request

    from mastertrade.core.negotiation import RememberingContentNegotiation

    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    renderers = [JSONRenderer(), BrowsableAPIRenderer()]
    expected = DefaultContentNegotiation().select_renderer(Request(rf.get(f"/?{query}", **headers)), renderers)
    for _ in range(2):  # the first asks DRF, the second remembers
        request = Request(rf.get(f"/?{query}", **headers))
        renderer, media_type = RememberingContentNegotiation().select_renderer(request, renderers)
        assert (renderer, media_type) == expected


def test_a_refused_accept_header_is_refused_every_time(rf):
    from rest_framework.exceptions import NotAcceptable
    from rest_framework.renderers import JSONRenderer
    from rest_framework.request import Request

    from mastertrade.core.negotiation import RememberingContentNegotiation

    for _ in range(2):
        with pytest.raises(NotAcceptable):
            RememberingContentNegotiation().select_renderer(
                Request(rf.get("/", HTTP_ACCEPT="image/png")), [JSONRenderer()]
            )


# --- Timestamps: Django's loader's answers, psycopg's C parser.

TIMESTAMPS = [
    "2026-11-26 03:04:05.123456+00",
    "2026-11-26 03:04:05+05:30",
    "1999-12-31 23:59:59.999999-08",
    "2026-03-29 01:30:00+01",
    "1900-01-01 00:00:00+00",
    "2999-12-31 23:59:59.999999+00",
]


@pytest.mark.parametrize("session_zone", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_the_fast_timestamp_loader_loads_what_djangos_loads(session_zone):
    from django.db import connection
    from django.db.backends.postgresql.psycopg_any import register_tzloader

    select = "SELECT " + ", ".join(f"'{ts}'::timestamptz" for ts in TIMESTAMPS) + ", NULL::timestamptz"
    with connection.cursor() as cursor:
        assert issubclass(cursor.cursor.adapters.get_loader(1184, 0), sql.FastTzLoader)
        cursor.execute("SET LOCAL TIME ZONE %s", [session_zone])
        cursor.execute(select)
        fast = cursor.fetchone()
    with connection.cursor() as cursor:
        register_tzloader(connection.timezone, cursor.cursor)  # Django's own, on this cursor
        cursor.execute(select)
        django_rows = cursor.fetchone()
    assert fast == django_rows
    assert (
        [v.tzinfo for v in fast[:-1]] == [v.tzinfo for v in django_rows[:-1]] == [connection.timezone] * len(TIMESTAMPS)
    )


# --- The JSON parser: DRF's answers and errors, read in one step.


@pytest.mark.parametrize(
    "body, encoding",
    [
        (b'{"goal": 1, "base_position_size": "10.5", "symbol": "BTC/USDT"}', "utf-8"),
        ('{"name": "café ☕"}'.encode(), "utf-8"),
        ('{"name": "café"}'.encode("latin-1"), "latin-1"),
        (b'{"x": NaN}', "utf-8"),
        (b'{"x": -Infinity}', "utf-8"),
        (b'{"x": 1e999}', "utf-8"),
        (b"\xff\xfe{}", "utf-8"),
        (b'\xef\xbb\xbf{"x": 1}', "utf-8"),
        (b'{"x": 1,}', "utf-8"),
        (b"[1, 2", "utf-8"),
        (b"  ", "utf-8"),
    ],
)
def test_the_json_parser_parses_and_refuses_as_drfs(body, encoding):
    from rest_framework.exceptions import ParseError
    from rest_framework.parsers import JSONParser

    from mastertrade.core.parsers import StrictJSONParser

    def outcome(parser):
        try:
            return ("ok", parser.parse(io.BytesIO(body), "application/json", {"encoding": encoding}))
        except ParseError as error:
            return ("400", str(error.detail))

    assert outcome(StrictJSONParser()) == outcome(JSONParser())


def test_absurd_nesting_is_a_parse_error():
    from rest_framework.exceptions import ParseError

    from mastertrade.core.parsers import StrictJSONParser

    with pytest.raises(ParseError, match="nested too deeply"):
        StrictJSONParser().parse(io.BytesIO(b"[" * 100_000 + b"]" * 100_000), "application/json", {})


def test_fields_are_copied_as_copy_copy_copies_them():
    import copy

    from mastertrade.core.serializers import _shallow_copy
    from risk.api.serializers import PositionSizeInputSerializer

    for field in PositionSizeInputSerializer._declared_fields.values():
        ours, python = _shallow_copy(field), copy.copy(field)
        assert type(ours) is type(python) and ours is not field
        assert ours.__dict__ == python.__dict__


def test_the_loaded_application_is_kept_out_of_the_garbage_collectors_scans():
    import subprocess

    code = "import gc, mastertrade.wsgi; print(gc.get_freeze_count())"
    frozen = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert int(frozen.stdout.split()[-1]) > 10_000
