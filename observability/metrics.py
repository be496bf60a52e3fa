"""Prometheus metrics: the domain's `mastertrade_*` metrics, the functions services
call to record them, the Celery task counters, and the `/metrics` exposition.

Label values come only from bounded sets (stances, statuses, task names); anything
else is recorded as "other". Never a per-goal or per-user label.

Multiprocess: when PROMETHEUS_MULTIPROC_DIR is set (before prometheus_client is first
imported), every process — each gunicorn worker, each Celery pool process — writes its
samples to files in that directory and `/metrics` sums them. The scrape-time metrics
(goals by status and state, dependencies up) are computed by the process that answers
the scrape.
"""

import hmac
import ipaddress
import logging
import os
import time
from decimal import Decimal

from celery.signals import task_failure, task_postrun, worker_process_shutdown, worker_ready
from django.conf import settings
from django.db import DatabaseError, InterfaceError, connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from observability.health import check_redis

from . import backups

logger = logging.getLogger(__name__)

OTHER = "other"
# The bounded label sets. They mirror risk.Stance, strategies.SelectionStance,
# trades.TradeStatus, goals.GoalState and goals.progress statuses (a test checks it);
# they are spelled out here because core depends on no app.
SIZING_STANCES = ("aggressive", "balanced", "conservative", "protective", "halted", "paused")
SELECTION_STANCES = ("aggressive", "balanced", "conservative")
TRADE_STATUSES = ("open", "closed")
GOAL_STATES = ("active", "paused", "archived")
GOAL_STATUSES = ("on_track", "at_risk", "behind", "achieved", "missed")
SNAPSHOT_OUTCOMES = ("ok", "failed")

SIZING_DECISIONS = Counter("mastertrade_sizing_decisions", "Position-sizing decisions, by stance.", ["stance"])
SIZING_FACTOR = Histogram(
    "mastertrade_sizing_factor",
    "Adjustment factor of each sizing decision (0 = halted).",
    buckets=(0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.5, 2.0, 3.0),
)
SELECTIONS = Counter("mastertrade_strategy_selections", "Strategy selections, by stance.", ["stance"])
TRADES = Counter("mastertrade_trades_recorded", "Trades recorded, by status.", ["status"])
SNAPSHOT_RUNS = Counter("mastertrade_snapshot_runs", "Snapshot task runs, by outcome (ok / failed).", ["outcome"])
SNAPSHOT_ROWS = Counter("mastertrade_snapshot_rows_written", "Periodic snapshot rows written.")
SNAPSHOT_DURATION = Histogram(
    "mastertrade_snapshot_duration_seconds",
    "Duration of each snapshot task run.",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)
SNAPSHOT_LAST_SUCCESS = Gauge(
    "mastertrade_snapshot_last_success_timestamp_seconds",
    "Unix time of the last successful snapshot run (0 = none since start).",
    multiprocess_mode="max",
)
HEARTBEAT = Gauge(
    "mastertrade_heartbeat_timestamp_seconds",
    "Unix time a worker last ran beat's heartbeat task (every minute; 0 = none since start).",
    multiprocess_mode="max",
)
CELERY_TASKS = Counter("mastertrade_celery_tasks", "Celery tasks finished, by task name and state.", ["task", "state"])
CELERY_FAILURES = Counter("mastertrade_celery_task_failures", "Celery tasks that raised, by task name.", ["task"])

# Every bounded series exists from the start (at 0), so rates and dashboards have data.
for _stance in (*SIZING_STANCES, OTHER):
    SIZING_DECISIONS.labels(stance=_stance)
for _stance in (*SELECTION_STANCES, OTHER):
    SELECTIONS.labels(stance=_stance)
for _status in (*TRADE_STATUSES, OTHER):
    TRADES.labels(status=_status)
for _outcome in SNAPSHOT_OUTCOMES:
    SNAPSHOT_RUNS.labels(outcome=_outcome)


def _bounded(value: str, allowed: tuple[str, ...]) -> str:
    return value if value in allowed else OTHER


def record_sizing(*, stance: str, factor: Decimal) -> None:
    """One position-sizing decision."""
    SIZING_DECISIONS.labels(stance=_bounded(str(stance), SIZING_STANCES)).inc()
    SIZING_FACTOR.observe(float(factor))


def record_selection(*, stance: str) -> None:
    """One strategy selection."""
    SELECTIONS.labels(stance=_bounded(str(stance), SELECTION_STANCES)).inc()


def record_trade(*, status: str) -> None:
    """One trade recorded (not a repeated external_id)."""
    TRADES.labels(status=_bounded(str(status), TRADE_STATUSES)).inc()


def record_snapshot_run(*, rows: int, seconds: float, ok: bool) -> None:
    """One run of the snapshot task: rows written, how long it took, whether it succeeded."""
    SNAPSHOT_RUNS.labels(outcome="ok" if ok else "failed").inc()
    SNAPSHOT_DURATION.observe(seconds)
    if ok:
        SNAPSHOT_ROWS.inc(rows)
        SNAPSHOT_LAST_SUCCESS.set(time.time())


def record_heartbeat(now: float) -> None:
    """Beat's heartbeat task ran on a worker."""
    HEARTBEAT.set(now)


# --- Celery: connected on import; mastertrade.core's AppConfig.ready() imports this
# module, so every worker (and every pool process) counts its tasks.


def _task_name(sender) -> str:
    return getattr(sender, "name", None) or "unknown"


@task_postrun.connect
def _count_task(sender=None, state=None, **kwargs):
    CELERY_TASKS.labels(task=_task_name(sender), state=state or "UNKNOWN").inc()


@task_failure.connect
def _count_task_failure(sender=None, **kwargs):
    CELERY_FAILURES.labels(task=_task_name(sender)).inc()


@worker_process_shutdown.connect
def _pool_process_exited(pid=None, **kwargs):
    if multiprocess_dir() and pid:
        mark_process_dead(pid)


@worker_ready.connect
def _serve_worker_metrics(**kwargs):
    """CELERY_METRICS_PORT set (containers): the worker serves its own metrics on that
    port. Unset (`make run`): it shares PROMETHEUS_MULTIPROC_DIR with the web, whose
    /metrics shows them."""
    if settings.WORKER_METRICS_PORT:
        start_http_server(settings.WORKER_METRICS_PORT, registry=process_registry())
        logger.info("worker metrics on port %s", settings.WORKER_METRICS_PORT)


# --- Scrape time: goals by status and state (one query, through a hook), dependencies up.

_goal_counts_source = None


def goal_counts_source(func):
    """Register `func() -> {(status, state): number of goals}`, the goals metric's query.
    The goals app registers it (observability imports no domain app); unregistered, the metric is empty."""
    global _goal_counts_source
    _goal_counts_source = func
    return func


def goal_counts() -> dict[tuple[str, str], int]:
    """{(status, state): number of goals}, from the registered source."""
    return _goal_counts_source() if _goal_counts_source is not None else {}


class ScrapeTimeCollector:
    """Metrics read from the database and Redis when /metrics is scraped."""

    def collect(self):
        goals = GaugeMetricFamily("mastertrade_goals", "Goals, by status and state.", labels=["status", "state"])
        try:
            counts = goal_counts()
            database_up = True
        except (DatabaseError, InterfaceError):
            logger.warning("metrics: goals query failed", exc_info=True)
            connection.close_if_unusable_or_obsolete()
            counts, database_up = {}, False
        if database_up:
            for status in GOAL_STATUSES:
                for state in GOAL_STATES:
                    goals.add_metric([status, state], counts.get((status, state), 0))
        yield goals
        yield from wal_archiver_metrics(database_up)
        yield from replication_metrics(database_up)
        yield from backup_metrics()
        up = GaugeMetricFamily("mastertrade_dependency_up", "1 when a dependency answers.", labels=["dependency"])
        up.add_metric(["database"], int(database_up))
        up.add_metric(["cache"], int(check_redis(settings.REDIS_CACHE_URL)))
        up.add_metric(["broker"], int(check_redis(settings.CELERY_BROKER_URL)))
        yield up


ARCHIVER_SQL = """
SELECT archived_count, failed_count,
       coalesce(extract(epoch FROM last_archived_time), 0),
       coalesce(extract(epoch FROM last_failed_time), 0)
FROM pg_stat_archiver
"""


def wal_archiver_metrics(database_up: bool):
    """PostgreSQL's WAL archiving to pgBackRest (pg_stat_archiver), when the database answers."""
    if not database_up:
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute(ARCHIVER_SQL)
            archived, failed, last_archived, last_failed = cursor.fetchone()
    except (DatabaseError, InterfaceError):
        logger.warning("metrics: pg_stat_archiver query failed", exc_info=True)
        return
    yield CounterMetricFamily("mastertrade_wal_archived", "WAL segments archived (pg_stat_archiver).", value=archived)
    yield CounterMetricFamily(
        "mastertrade_wal_archive_failures", "Failed WAL archiving attempts (pg_stat_archiver).", value=failed
    )
    yield GaugeMetricFamily(
        "mastertrade_wal_last_archived_timestamp_seconds",
        "Unix time the last WAL segment was archived (0 = never).",
        value=float(last_archived),
    )
    yield GaugeMetricFamily(
        "mastertrade_wal_last_failed_timestamp_seconds",
        "Unix time of the last failed WAL archiving attempt (0 = never).",
        value=float(last_failed),
    )


REPLICATION_SQL = """
SELECT current_setting('synchronous_standby_names') <> '',
       count(*) FILTER (WHERE state = 'streaming'),
       count(*) FILTER (WHERE state = 'streaming' AND sync_state IN ('sync', 'quorum')),
       coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), 0),
       coalesce(max(extract(epoch FROM replay_lag)), 0)
FROM pg_stat_replication
"""


def replication_metrics(database_up: bool):
    """The primary's standbys (pg_stat_replication; its LSNs need the monitor role's
    pg_monitor), when the database answers. docs/operations/standby.md."""
    if not database_up:
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute(REPLICATION_SQL)
            required, streaming, synchronous, lag_bytes, lag_seconds = cursor.fetchone()
    except (DatabaseError, InterfaceError):
        logger.warning("metrics: pg_stat_replication query failed", exc_info=True)
        return
    for name, doc, value in (
        (
            "mastertrade_db_synchronous_commit_required",
            "1 when commits wait for a synchronous standby (synchronous_standby_names set), 0 when relaxed.",
            int(required),
        ),
        ("mastertrade_db_standbys_streaming", "Standbys streaming from the primary.", streaming),
        ("mastertrade_db_standbys_synchronous", "Streaming standbys a commit waits for.", synchronous),
        ("mastertrade_db_replication_lag_bytes", "WAL bytes the furthest standby has yet to replay.", float(lag_bytes)),
        ("mastertrade_db_replication_lag_seconds", "The furthest standby's replay lag (s).", float(lag_seconds)),
    ):
        yield GaugeMetricFamily(name, doc, value=value)


def backup_metrics():
    """The last backup and verification runs, from scripts/backup.py's status files."""
    last_success = GaugeMetricFamily(
        "mastertrade_backup_last_success_timestamp_seconds",
        "Unix time the last successful backup of this type finished (0 = none).",
        labels=["type"],
    )
    last_ok = GaugeMetricFamily(
        "mastertrade_backup_last_run_success",
        "1 when the last run of this type (full, incr, verify) succeeded, 0 when it failed.",
        labels=["type"],
    )
    duration = GaugeMetricFamily(
        "mastertrade_backup_duration_seconds", "Duration of the last successful backup of this type.", labels=["type"]
    )
    size = GaugeMetricFamily(
        "mastertrade_backup_size_bytes",
        "Repository bytes the last successful backup of this type added (compressed).",
        labels=["type"],
    )
    failures = CounterMetricFamily(
        "mastertrade_backup_failures", "Failed backup and verification runs, by type.", labels=["type"]
    )
    for kind in backups.RUN_TYPES:
        status = backups.backup_status(kind)
        if kind in backups.BACKUP_TYPES:
            last_success.add_metric([kind], status.last_success_at if status else 0)
            duration.add_metric([kind], status.duration_seconds if status and status.ok else 0)
            size.add_metric([kind], status.size_bytes if status and status.ok else 0)
        failures.add_metric([kind], status.failures if status else 0)
        if status:
            last_ok.add_metric([kind], int(status.ok))
    yield from (last_success, last_ok, duration, size, failures)


SCRAPE_TIME_REGISTRY = CollectorRegistry(auto_describe=False)
SCRAPE_TIME_REGISTRY.register(ScrapeTimeCollector())


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def process_registry():
    """This process's metrics, or every process's when in multiprocess mode."""
    if not multiprocess_dir():
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry


def exposition() -> bytes:
    """The text served on /metrics."""
    return generate_latest(process_registry()) + generate_latest(SCRAPE_TIME_REGISTRY)


# --- GET /metrics: loopback, METRICS_ALLOWED_NETWORKS, or `Authorization: Bearer <METRICS_TOKEN>`.


def _from_allowed_network(remote_addr: str) -> bool:
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_loopback:
        return True
    return any(address in ipaddress.ip_network(network) for network in settings.METRICS_ALLOWED_NETWORKS)


def _has_token(request) -> bool:
    token = settings.METRICS_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


@never_cache
@require_GET
def metrics_view(request):
    """Prometheus text format. REMOTE_ADDR is the peer's address (never X-Forwarded-For)."""
    if not (_from_allowed_network(request.META.get("REMOTE_ADDR", "")) or _has_token(request)):
        message = "Metrics are served to loopback, METRICS_ALLOWED_NETWORKS or a bearer METRICS_TOKEN only."
        return JsonResponse({"code": "permission_denied", "message": message}, status=403)
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
