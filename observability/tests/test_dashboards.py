"""The monitoring files in ops/: every metric a Grafana dashboard queries is one the
app exports, the provisioning points at those dashboards, Prometheus's config parses."""

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from observability import metrics

ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = sorted((ROOT / "ops" / "grafana" / "dashboards").glob("*.json"))
PROMETHEUS_CONFIG = ROOT / "ops" / "prometheus" / "prometheus.yml"
PROVISIONING = ROOT / "ops" / "grafana" / "provisioning"

# Made by Prometheus itself for every target, not by the app.
PROMETHEUS_SERIES = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}
PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset"}
ERROR_COUNTERS = {
    "django_http_exceptions_total_by_type_total",
    "django_db_errors_total",
    "django_db_new_connection_errors_total",
    "django_cache_get_fail_total",
}
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "summary": ("_count", "_sum")}


def panels(items):
    for panel in items:
        yield panel
        yield from panels(panel.get("panels", []))


def expressions(dashboard: dict) -> list[str]:
    return [target["expr"] for panel in panels(dashboard["panels"]) for target in panel.get("targets", [])]


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads: identifiers that are not functions,
    keywords, label names (inside {} or a by/without list) or ranges ([5m], [$__range])."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    expr = re.sub(r"\{[^}]*\}", "{}", expr)
    expr = re.sub(r"\[[^\]]*\]", "[]", expr)
    expr = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)
    names = re.findall(r"(?<![\w.$])([a-zA-Z_:][\w:]*)\b(?!\s*\()", expr)
    return {name for name in names if name not in PROMQL_WORDS}


def test_metric_name_extraction():
    expr = (
        'histogram_quantile(0.95, sum by (le, view) (rate(a_bucket{view=~"x.+", le!="1"}[5m]))) '
        "/ ignoring(job) (b_total or vector(0)) > bool 1e-9 offset 1h + time() - c[$__rate_interval]"
    )
    assert metric_names(expr) == {"a_bucket", "b_total", "c"}


def test_there_are_two_dashboards_with_queries():
    assert {path.name for path in DASHBOARDS} == {"system.json", "goals-trading.json"}
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text())
        assert dashboard["uid"] and dashboard["title"]
        assert all(panel.get("description") for panel in panels(dashboard["panels"]))
        assert len(expressions(dashboard)) >= 8


def _exported(text: str) -> tuple[set[str], set[str]]:
    """(every series name the exposition declares, the names that have samples)."""
    declared, sampled = set(), set()
    for family in text_string_to_metric_families(text):
        declared |= {family.name, *(family.name + suffix for suffix in SUFFIXES.get(family.type, ()))}
        sampled |= {sample.name for sample in family.samples}
    return declared | sampled, sampled


@pytest.fixture
def exposition(client, settings, tmp_path):
    """/metrics after a little traffic: a request, a cache hit and miss, each recording
    function once, one Celery task finished and one failed, one full backup done."""
    from celery.signals import task_failure, task_postrun
    from django.core.cache import cache

    from alerts import metrics as alert_metrics
    from goals.tasks import snapshot_goals

    settings.BACKUP_STATUS_DIR = str(tmp_path)
    done = {"ok": True, "finished_at": "2026-11-25T01:00:00+00:00", "last_success_at": "2026-11-25T01:00:00+00:00"}
    (tmp_path / "full.json").write_text(json.dumps(done | {"duration_seconds": 12.5, "size_bytes": 4096}))
    assert client.get("/health/").status_code == 200
    cache.set("dashboards-test", 1, 10)
    assert cache.get("dashboards-test") == 1 and cache.get("dashboards-test-absent") is None
    metrics.record_sizing(stance="balanced", factor=Decimal("1"))
    metrics.record_selection(stance="balanced")
    metrics.record_trade(status="closed")
    metrics.record_snapshot_run(rows=1, seconds=0.01, ok=True)
    alert_metrics.record_notification(rule="goal_at_risk", severity="warning")
    alert_metrics.record_delivery(channel="webhook", outcome="sent", seconds=0.05)
    task_postrun.send(sender=snapshot_goals, task_id="t1", task=snapshot_goals, args=(), kwargs={}, state="SUCCESS")
    task_failure.send(sender=snapshot_goals, task_id="t2", exception=ValueError("x"), args=(), kwargs={})
    response = client.get("/metrics")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_every_dashboard_metric_is_exported(exposition):
    exported, sampled = _exported(exposition)
    used = {}
    for path in DASHBOARDS:
        for expr in expressions(json.loads(path.read_text())):
            for name in metric_names(expr) - PROMETHEUS_SERIES:
                used.setdefault(name, f"{path.name}: {expr}")
    assert len(used) >= 20
    assert {
        "mastertrade_alerts_firing",
        "mastertrade_alert_notifications_total",
        "mastertrade_alert_deliveries_total",
        "mastertrade_alert_delivery_latency_seconds_bucket",
        "mastertrade_alerts_heartbeat_age_seconds",
    } <= set(used)
    missing = {name: where for name, where in used.items() if name not in exported}
    assert not missing, f"dashboards query metrics the app does not export: {missing}"
    # Every one has data after a little traffic, except the error counters: declared
    # from the start, a series appears with the first error (panels add `or vector(0)`
    # where they divide).
    assert {name for name in used if name not in sampled} <= ERROR_COUNTERS


def test_prometheus_config_scrapes_the_web_and_the_worker():
    config = yaml.safe_load(PROMETHEUS_CONFIG.read_text())
    assert config["global"]["scrape_interval"]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    targets = {
        name: [target for static in job["static_configs"] for target in static["targets"]] for name, job in jobs.items()
    }
    assert targets["mastertrade-web"] == ["web:8000"]
    assert jobs["mastertrade-web"].get("metrics_path", "/metrics") == "/metrics"
    assert targets["mastertrade-worker"] == ["worker:9808"]
    for expr in (e for path in DASHBOARDS for e in expressions(json.loads(path.read_text()))):
        for job in re.findall(r'job=~?"([^"]+)"', expr):
            assert any(re.fullmatch(job, name) for name in jobs), expr


def test_grafana_provisioning_points_at_prometheus_and_the_dashboards():
    datasources = yaml.safe_load((PROVISIONING / "datasources" / "prometheus.yml").read_text())["datasources"]
    assert [(d["type"], d["uid"], d["url"]) for d in datasources] == [
        ("prometheus", "prometheus", "http://prometheus:9090")
    ]
    providers = yaml.safe_load((PROVISIONING / "dashboards" / "dashboards.yml").read_text())["providers"]
    assert [p["options"]["path"] for p in providers] == ["/var/lib/grafana/dashboards"]
    for path in DASHBOARDS:
        for panel in panels(json.loads(path.read_text())["panels"]):
            if panel.get("targets"):
                assert panel["datasource"]["uid"] == "prometheus", panel["title"]
