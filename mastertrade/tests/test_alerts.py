"""The operator alerts (ops/prometheus/alerts.yml): promtool's unit tests pass, every rule
says how bad it is and where its runbook section is, that section exists, and every metric
a rule reads is exported by the app or by an exporter compose runs. Alertmanager's
configuration renders from the environment and passes amtool."""

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from observability.tests.test_dashboards import _exported, metric_names

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "ops" / "prometheus"
ALERTMANAGER = ROOT / "ops" / "alertmanager"
RUNBOOK = ROOT / "docs" / "operations" / "runbook.md"
# Series from the exporters docker-compose.yml runs (pgbouncer-exporter, redis_exporter for
# the broker) and from Prometheus itself.
EXPORTER_SERIES = {
    "pgbouncer_pools_client_waiting_connections",
    "redis_memory_used_bytes",
    "redis_memory_max_bytes",
    "up",
}


def rules() -> list[dict]:
    groups = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def github_anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives a Markdown file's headings (lower case, punctuation dropped,
    spaces to hyphens), plus explicit <a id="..."> ones."""
    anchors = set(re.findall(r'<a id="([^"]+)"', markdown))
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*$", markdown, flags=re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        anchors.add(slug)
    return anchors


def test_promtool_unit_tests_pass():
    result = subprocess.run(
        ["promtool", "test", "rules", "alerts.test.yml"], cwd=PROMETHEUS, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_prometheus_config_and_rules_check():
    result = subprocess.run(
        ["promtool", "check", "config", "prometheus.yml"], cwd=PROMETHEUS, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 rule files found" in result.stdout + result.stderr


def test_the_issue_alerts_exist_with_severity_summary_and_runbook():
    names = {rule["alert"] for rule in rules()}
    assert {
        "MastertradeWeb5xxRate",
        "MastertradeWebLatencyP99High",
        "MastertradeSnapshotsMissing",
        "MastertradeWorkerDown",
        "MastertradeBeatSilent",
        "MastertradeBackupTooOld",
        "MastertradeBackupFailed",
        "MastertradeWalArchivingFailing",
        "MastertradePgBouncerClientsWaiting",
        "MastertradeBrokerMemoryNearLimit",
    } <= names
    for rule in rules():
        assert rule["labels"]["severity"] in {"critical", "warning"}, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        assert rule["annotations"]["runbook_url"].startswith("docs/operations/runbook.md#"), rule["alert"]


def test_every_runbook_url_points_to_a_section_of_the_runbook():
    anchors = github_anchors(RUNBOOK.read_text())
    for rule in rules():
        anchor = rule["annotations"]["runbook_url"].split("#", 1)[1]
        assert anchor in anchors, f"{rule['alert']}: no section #{anchor} in docs/operations/runbook.md"


def test_every_alert_has_a_unit_test():
    tested = set()
    for case in yaml.safe_load((PROMETHEUS / "alerts.test.yml").read_text())["tests"]:
        for check in case.get("alert_rule_test", []):
            if check.get("exp_alerts"):
                tested.add(check["alertname"])
    assert tested == {rule["alert"] for rule in rules()}


@pytest.mark.django_db
def test_every_metric_a_rule_reads_exists(client):
    from django.core.cache import cache

    assert client.get("/health/").status_code == 200
    cache.get("alerts-test")
    declared, _ = _exported(client.get("/metrics").content.decode())
    for rule in rules():
        missing = metric_names(rule["expr"]) - declared - EXPORTER_SERIES
        assert not missing, f"{rule['alert']} reads {missing}, which nothing exports"


NASTY = {
    "ALERT_EMAIL_TO": "ops@example.com",
    "ALERT_SMTP_USERNAME": "user: with a colon # and a hash",
    "ALERT_SMTP_PASSWORD": 'back\\slash \\" with "quotes" & pipes| \'single\' ${NOT_A_PLACEHOLDER}\nsecond line\ttab',
    "ALERT_WEBHOOK_URL": "https://hooks.example.com/alerts?a=1&b=2#x:y",
    "ALERT_REPEAT_INTERVAL": "2h",
    "RUNBOOK_BASE_URL": 'https://example.com/back\\slash/"quoted"',
}


def render_alertmanager(tmp_path, **values) -> tuple[subprocess.CompletedProcess, Path]:
    out = tmp_path / "alertmanager.yml"
    env = os.environ | {
        "RENDER_ONLY": "1",
        "ALERTMANAGER_TEMPLATE": str(ALERTMANAGER / "alertmanager.yml.tmpl"),
        "ALERTMANAGER_CONFIG": str(out),
        **values,
    }
    result = subprocess.run(["sh", str(ALERTMANAGER / "render.sh")], env=env, capture_output=True, text=True)
    return result, out


def test_alertmanager_config_renders_any_secret_to_itself_and_amtool_accepts_it(tmp_path):
    """Backslashes, quotes, newlines, colons: every value comes out of the YAML as it went in."""
    result, out = render_alertmanager(tmp_path, **NASTY)
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(out.read_text())
    assert config["receivers"][0]["email_configs"][0]["to"] == NASTY["ALERT_EMAIL_TO"]
    assert config["receivers"][0]["webhook_configs"][0]["url"] == NASTY["ALERT_WEBHOOK_URL"]
    assert config["global"]["smtp_auth_username"] == NASTY["ALERT_SMTP_USERNAME"]
    assert config["global"]["smtp_auth_password"] == NASTY["ALERT_SMTP_PASSWORD"]
    assert config["global"]["smtp_require_tls"] is True
    assert config["route"]["repeat_interval"] == "2h"
    assert config["route"]["group_by"] == ["alertname", "severity"]
    text = config["receivers"][0]["email_configs"][0]["text"]
    assert 'Runbook: {{ "https://example.com/back\\\\slash/\\"quoted\\"" }}/' in text  # a Go string literal
    checked = subprocess.run(["amtool", "check-config", str(out)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_alertmanager_render_refuses_a_require_tls_that_is_not_a_boolean(tmp_path):
    result, _ = render_alertmanager(tmp_path, ALERT_SMTP_REQUIRE_TLS="yes: true")
    assert result.returncode == 2 and "must be true or false" in result.stderr


def runbook_sections(title: str) -> dict[str, str]:
    """The ### sections under one ## heading of the runbook, by heading."""
    part = RUNBOOK.read_text().split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]
    chunks = re.split(r"^### (.+)$", part, flags=re.MULTILINE)[1:]
    return dict(zip(chunks[::2], chunks[1::2], strict=True))


def test_every_procedure_names_the_test_or_drill_that_exercises_it():
    for heading, body in runbook_sections("Procedures").items():
        if heading == "Restore in compose":
            assert "(compose)" in body, heading
            continue
        assert "Exercised by" in body, f"runbook procedure {heading!r} names no test or drill"


def test_tests_the_runbook_names_exist():
    text = RUNBOOK.read_text()
    for path, name in re.findall(r"`([a-z_]+/[\w/]+\.py)::(\w+)`", text):
        assert f"def {name}(" in (ROOT / path).read_text(), f"{path}::{name} named in the runbook does not exist"
    for path in re.findall(r"`([a-z_]+/[\w/.]+\.(?:py|yml))`", text):
        assert (ROOT / path).exists(), path


def test_every_alert_has_its_runbook_section_with_the_five_parts():
    sections = runbook_sections("Alerts")
    for rule in rules():
        body = sections[rule["alert"]]
        for part in ("**Meaning.**", "**Impact.**", "**Diagnosis.**", "**Mitigation", "**Fixed when**"):
            assert part in body, (rule["alert"], part)
