"""GET /metrics: who may read it, what the domain metrics say, and that the counts are
right across processes (gunicorn workers, Celery pool processes)."""

import concurrent.futures
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from mastertrade.testing import START_TIMEOUT, app_process_env, celery_worker_start, free_port, stop_process, wait_for
from observability import metrics

ROOT = Path(__file__).resolve().parents[2]


def parse(text: str) -> dict[tuple[str, frozenset], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def scrape(client) -> dict:
    response = client.get("/metrics")
    assert response.status_code == 200
    return parse(response.content.decode())


# --- Access control


@pytest.mark.django_db
@pytest.mark.parametrize("remote_addr", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
def test_loopback_may_read_metrics(client, remote_addr):
    response = client.get("/metrics", REMOTE_ADDR=remote_addr)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert b"django_http_requests_total_by_view_transport_method_total" in response.content


@pytest.mark.parametrize("remote_addr", ["203.0.113.5", "10.0.0.7", "2001:db8::1", "", "unix-socket"])
def test_anyone_else_gets_403(client, remote_addr):
    response = client.get("/metrics", REMOTE_ADDR=remote_addr)
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "permission_denied" and body["message"]
    assert b"mastertrade_" not in response.content


def test_forwarded_for_is_not_trusted(client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert response.status_code == 403


@pytest.mark.django_db
def test_configured_networks_may_read_metrics(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8", "2001:db8::/32"]
    assert client.get("/metrics", REMOTE_ADDR="10.20.30.40").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="2001:db8::7").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="11.0.0.1").status_code == 403


@pytest.mark.django_db
def test_bearer_token_opens_metrics_from_anywhere(client, settings):
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    outside = {"REMOTE_ADDR": "203.0.113.5"}
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token", **outside).status_code == 200
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong", **outside).status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Token s3cret-metrics-token", **outside).status_code == 403
    assert client.get("/metrics", **outside).status_code == 403


def test_an_empty_token_never_matches(client, settings):
    settings.METRICS_TOKEN = ""
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.5", HTTP_AUTHORIZATION="Bearer ")
    assert response.status_code == 403


def test_metrics_is_get_only(client):
    assert client.post("/metrics").status_code == 405


# --- Domain metrics


@pytest.mark.django_db
def test_recording_functions_show_up_on_metrics(client):
    before = scrape(client)
    metrics.record_sizing(stance="balanced", factor=Decimal("1.05"))
    metrics.record_sizing(stance="halted", factor=Decimal("0"))
    metrics.record_selection(stance="aggressive")
    metrics.record_trade(status="closed")
    metrics.record_snapshot_run(rows=7, seconds=0.2, ok=True)
    metrics.record_snapshot_run(rows=0, seconds=0.1, ok=False)
    after = scrape(client)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("mastertrade_sizing_decisions_total", stance="balanced") == 1
    assert delta("mastertrade_sizing_decisions_total", stance="halted") == 1
    assert delta("mastertrade_sizing_factor_count") == 2
    assert delta("mastertrade_sizing_factor_bucket", le="0.0") == 1  # the halt
    assert delta("mastertrade_sizing_factor_bucket", le="1.0") == 1
    assert delta("mastertrade_sizing_factor_bucket", le="1.1") == 2
    assert delta("mastertrade_strategy_selections_total", stance="aggressive") == 1
    assert delta("mastertrade_trades_recorded_total", status="closed") == 1
    assert delta("mastertrade_snapshot_runs_total", outcome="ok") == 1
    assert delta("mastertrade_snapshot_runs_total", outcome="failed") == 1
    assert delta("mastertrade_snapshot_rows_written_total") == 7
    assert delta("mastertrade_snapshot_duration_seconds_count") == 2
    assert abs(value(after, "mastertrade_snapshot_last_success_timestamp_seconds") - time.time()) < 60


LATENCY = "django_http_requests_latency_seconds_by_view_method"
REQUEST_SERIES = {
    "django_http_requests_total_by_view_transport_method_total": {
        "view": "health",
        "transport": "http",
        "method": "GET",
    },
    "django_http_responses_total_by_status_view_method_total": {"status": "200", "view": "health", "method": "GET"},
    f"{LATENCY}_count": {"view": "health", "method": "GET"},
}


@pytest.mark.django_db
def test_each_request_is_counted_in_the_documented_series_only(client):
    """One request moves each documented request series by one, and nothing else of
    django-prometheus's HTTP family (those series are not written at all)."""
    before = scrape(client)
    assert client.get("/health/").status_code == 200
    after = scrape(client)
    for name, labels in REQUEST_SERIES.items():
        assert value(after, name, **labels) == value(before, name, **labels) + 1, name
    moved = {
        name
        for key, v in after.items()
        if v != before.get(key) and (name := key[0]).startswith("django_http_") and not name.endswith("_created")
    }
    assert moved <= REQUEST_SERIES.keys() | {f"{LATENCY}_bucket", f"{LATENCY}_sum"}, moved


@pytest.mark.django_db
def test_an_unhandled_exception_is_counted_by_type(client, rf):
    from mastertrade.fastpath.prometheus import PrometheusMiddleware

    name = "django_http_exceptions_total_by_type_total"
    before = value(scrape(client), name, type="ZeroDivisionError")
    PrometheusMiddleware(lambda request: None).process_exception(rf.get("/"), ZeroDivisionError())
    assert value(scrape(client), name, type="ZeroDivisionError") == before + 1


@pytest.mark.django_db
def test_unknown_label_values_are_recorded_as_other(client):
    before = scrape(client)
    metrics.record_sizing(stance="user-42", factor=Decimal("1"))
    metrics.record_selection(stance="goal-7")
    metrics.record_trade(status="weird")
    after = scrape(client)
    assert value(after, "mastertrade_sizing_decisions_total", stance="other") == (
        value(before, "mastertrade_sizing_decisions_total", stance="other") + 1
    )
    assert value(after, "mastertrade_strategy_selections_total", stance="other") == (
        value(before, "mastertrade_strategy_selections_total", stance="other") + 1
    )
    assert value(after, "mastertrade_trades_recorded_total", status="other") == (
        value(before, "mastertrade_trades_recorded_total", status="other") + 1
    )
    assert not any("user-42" in str(labels) or "goal-7" in str(labels) for _, labels in after)


def test_bounded_label_sets_match_the_apps():
    from goals.models import GoalState
    from goals.progress import STATUS_CHOICES
    from risk.models import Stance
    from strategies.models import SelectionStance
    from trades.models import TradeStatus

    assert set(metrics.SIZING_STANCES) == set(Stance.values)
    assert set(metrics.SELECTION_STANCES) == set(SelectionStance.values)
    assert set(metrics.TRADE_STATUSES) == set(TradeStatus.values)
    assert set(metrics.GOAL_STATES) == set(GoalState.values)
    assert set(metrics.GOAL_STATUSES) == {code for code, _ in STATUS_CHOICES}


@pytest.mark.django_db
def test_goals_by_status_and_state_match_each_goals_status(client, django_assert_max_num_queries):
    import datetime as dt

    from goals.factories import GoalFactory
    from goals.models import FinancialGoal
    from mastertrade.core import clock

    today = clock.today()
    GoalFactory(current_value=Decimal("1000"))  # achieved
    GoalFactory(current_value=Decimal("500"), start_date=today - dt.timedelta(days=20))  # on pace 66 %: at_risk
    GoalFactory(current_value=Decimal("10"), start_date=today - dt.timedelta(days=25))  # behind
    GoalFactory(current_value=Decimal("10"), target_date=None)  # no deadline: on_track
    GoalFactory(
        current_value=Decimal("10"), start_date=today - dt.timedelta(days=40), target_date=today - dt.timedelta(days=1)
    )  # missed
    GoalFactory(current_value=Decimal("10"), state="paused")
    GoalFactory(current_value=Decimal("999"), state="archived")
    expected = Counter((goal.status(), goal.state) for goal in FinancialGoal.objects.all())
    assert len(expected) >= 6

    with django_assert_max_num_queries(1):
        counts = metrics.goal_counts()
    assert counts == dict(expected)

    samples = scrape(client)
    for status in metrics.GOAL_STATUSES:
        for state in metrics.GOAL_STATES:
            assert value(samples, "mastertrade_goals", status=status, state=state) == expected[(status, state)]
    assert value(samples, "mastertrade_dependency_up", dependency="database") == 1
    assert value(samples, "mastertrade_dependency_up", dependency="cache") == 1
    assert value(samples, "mastertrade_dependency_up", dependency="broker") == 1


@pytest.mark.django_db(transaction=True)
def test_metrics_still_answer_when_the_database_is_down(client):
    from django.db import connection

    connection.close()
    original = connection.settings_dict["PORT"]
    connection.settings_dict["PORT"] = "1"  # nothing listens there
    try:
        samples = scrape(client)
    finally:
        connection.close()
        connection.settings_dict["PORT"] = original
    assert value(samples, "mastertrade_dependency_up", dependency="database") == 0
    assert value(samples, "mastertrade_dependency_up", dependency="cache") == 1
    assert not any(name == "mastertrade_goals" for name, _ in samples)
    assert ("mastertrade_sizing_decisions_total", frozenset({("stance", "balanced")})) in samples


# --- Several processes


def _get(url: str, timeout: float = 5) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback URL)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _wait_for(url: str, proc: subprocess.Popen, log: Path, seconds: float = START_TIMEOUT) -> str:
    """The body of `url` once it answers 200 (the process must stay up meanwhile)."""

    def answer():
        if proc.poll() is not None:
            raise AssertionError(f"process exited: {log.read_text()}")
        try:
            status, body = _get(url, timeout=2)
        except OSError:
            return None
        return body if status == 200 else None

    body = wait_for(answer, seconds, 0.2)
    assert body is not None, f"{url} did not answer in {seconds}s: {log.read_text()}"
    return body


def _app_env(multiproc_dir: Path, **extra) -> dict:
    env = app_process_env(PROMETHEUS_MULTIPROC_DIR=str(multiproc_dir))
    env.pop("CELERY_METRICS_PORT", None)
    return env | extra


HEALTH_REQUESTS = "django_http_requests_total_by_view_transport_method_total"


def _health_requests(metrics_text: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(metrics_text)
        for sample in family.samples
        if sample.name == HEALTH_REQUESTS and sample.labels.get("view") == "health"
    )


@pytest.mark.django_db(transaction=True)
def test_gunicorn_with_two_workers_counts_every_request_once(tmp_path):
    """N requests spread over two gunicorn workers: /metrics (served by either one)
    shows the counter up by exactly N."""
    multiproc_dir = tmp_path / "prometheus"
    multiproc_dir.mkdir()
    port, log, access_log = free_port(), tmp_path / "gunicorn.log", tmp_path / "access.log"
    base = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "-w", "2", "--bind", f"127.0.0.1:{port}",
        "--access-logfile", str(access_log), "--access-logformat", "%(p)s %(U)s %(s)s",
        "mastertrade.wsgi:application",
    ]  # fmt: skip
    with open(log, "w") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=_app_env(multiproc_dir), stdout=out, stderr=subprocess.STDOUT)
    try:
        before = _health_requests(_wait_for(f"{base}/metrics", proc, log))
        n = 40
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(lambda _: _get(f"{base}/health/", timeout=10)[0], range(n)))
        assert statuses == [200] * n
        # Several scrapes, whichever worker answers: always the same sum.
        for _ in range(4):
            status, text = _get(f"{base}/metrics")
            assert status == 200
            assert _health_requests(text) == before + n
    finally:
        stop_process(proc)
    pids = {line.split()[0] for line in access_log.read_text().splitlines() if " /health/ " in line}
    assert len(pids) == 2, f"both workers should have served /health/: {pids}"


@pytest.mark.django_db(transaction=True)
def test_celery_worker_serves_its_task_counts_on_its_metrics_port(tmp_path):
    """The worker (prefork: tasks run in a pool process) with CELERY_METRICS_PORT set
    serves the tasks it ran, and the failures, on that port."""
    from mastertrade.celery import app

    multiproc_dir = tmp_path / "prometheus"
    multiproc_dir.mkdir()
    port, log = free_port(), tmp_path / "worker.log"
    queue = f"metrics-test-{os.getpid()}-{time.monotonic_ns()}"
    env = _app_env(multiproc_dir, CELERY_METRICS_PORT=str(port))
    args = ("--pool", "prefork", "--concurrency", "1", "-Q", queue, "--without-heartbeat")
    proc = celery_worker_start(log, hostname=f"{queue}@localhost", env=env, args=args)
    try:
        _wait_for(f"http://127.0.0.1:{port}/metrics", proc, log)
        app.send_task("goals.snapshot_goals", queue=queue)
        app.send_task("goals.snapshot_goals", args=["unexpected"], queue=queue)  # raises TypeError
        task = "goals.snapshot_goals"

        def both_counted():
            samples = parse(_get(f"http://127.0.0.1:{port}/metrics")[1])
            ran = value(samples, "mastertrade_celery_tasks_total", task=task, state="SUCCESS")
            failed = value(samples, "mastertrade_celery_task_failures_total", task=task)
            return (ran, failed, samples) if ran and failed else None

        counted = wait_for(both_counted, 30, 0.2)
        assert counted is not None, log.read_text()
        ran, failed, samples = counted
        assert (ran, failed) == (1, 1), log.read_text()
        assert value(samples, "mastertrade_celery_tasks_total", task=task, state="FAILURE") == 1
    finally:
        stop_process(proc)


@pytest.mark.django_db
def test_statements_are_counted_timed_and_their_errors_counted_by_type(client):
    from django.db import DatabaseError, connection, transaction

    labels = {"alias": "default", "vendor": "postgresql"}
    before = scrape(client)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.executemany("SELECT %s", [(1,), (2,)])
        with pytest.raises(DatabaseError), transaction.atomic():
            cursor.execute("SELECT * FROM no_such_table")
    after = scrape(client)
    moved = {
        name: value(after, name, **extra) - value(before, name, **extra)
        for name, extra in [
            ("django_db_execute_total", labels),
            ("django_db_execute_many_total", labels),
            ("django_db_query_duration_seconds_count", labels),
            ("django_db_errors_total", {**labels, "type": "UndefinedTable"}),
        ]
    }
    # The scrapes' own statements (the goals gauge) add to the counts; at least ours moved them.
    assert moved["django_db_execute_many_total"] == 2 and moved["django_db_errors_total"] == 1
    assert moved["django_db_execute_total"] >= 2 + 2 and moved["django_db_query_duration_seconds_count"] >= 3
