"""What backups report about themselves: /health/ says how old the newest backup is (never a
503 for that alone), /metrics carries the last runs; and a DJANGO_SECRET_KEY rotation with
fallbacks keeps signed values valid (docs/operations/runbook.md)."""

import json
import time
from datetime import UTC, datetime

import pytest
from django.core import signing
from prometheus_client.parser import text_string_to_metric_families


def write_status(folder, kind: str, *, ok: bool, age: float, failures: int = 0) -> None:
    finished = datetime.fromtimestamp(time.time() - age, UTC).isoformat(timespec="seconds")
    status = {"type": kind, "ok": ok, "finished_at": finished, "duration_seconds": 2.5, "failures": failures}
    if ok:
        status |= {"last_success_at": finished, "size_bytes": 1234}
    (folder / f"{kind}.json").write_text(json.dumps(status))


@pytest.fixture
def status_dir(settings, tmp_path):
    settings.BACKUP_STATUS_DIR = str(tmp_path)
    settings.BACKUP_MAX_AGE_SECONDS = 7200
    return tmp_path


@pytest.mark.django_db
def test_health_without_any_backup_says_none(anon, status_dir):
    response = anon.get("/health/")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["backup"] == {"state": "none", "age_seconds": None}


@pytest.mark.django_db
def test_health_fresh_backup_is_ok(anon, status_dir):
    write_status(status_dir, "full", ok=True, age=86000)
    write_status(status_dir, "incr", ok=True, age=60)
    backup = anon.get("/health/").json()["backup"]
    assert backup["state"] == "ok" and 55 <= backup["age_seconds"] <= 600


@pytest.mark.django_db
def test_health_stale_backup_is_reported_and_a_failed_run_is_degraded_never_a_503(anon, status_dir):
    write_status(status_dir, "full", ok=True, age=3 * 86400)
    write_status(status_dir, "incr", ok=False, age=60)  # a failed run is not a fresh backup
    response = anon.get("/health/")
    assert response.status_code == 200
    # The failed last run is a degraded check (`last_backup`); the age is reported apart.
    assert (response.json()["status"], response.json()["checks"]["last_backup"]) == ("degraded", "down")
    assert response.json()["backup"]["state"] == "stale"
    assert response.json()["backup"]["age_seconds"] >= 3 * 86400


@pytest.mark.django_db
def test_metrics_carry_the_last_backup_runs(anon, status_dir):
    write_status(status_dir, "full", ok=True, age=100)
    write_status(status_dir, "verify", ok=False, age=10, failures=3)
    text = anon.get("/metrics").content.decode()
    full_at = datetime.fromisoformat(json.loads((status_dir / "full.json").read_text())["finished_at"])
    samples = {
        sample.labels.get("type"): sample.value
        for family in text_string_to_metric_families(text)
        if family.name == "mastertrade_backup_last_success_timestamp_seconds"
        for sample in family.samples
    }
    assert samples == {"full": full_at.timestamp(), "incr": 0.0}
    assert 'mastertrade_backup_last_run_success{type="full"} 1.0' in text
    assert 'mastertrade_backup_last_run_success{type="verify"} 0.0' in text
    assert 'mastertrade_backup_failures_total{type="verify"} 3.0' in text
    assert 'mastertrade_backup_duration_seconds{type="full"} 2.5' in text
    assert 'mastertrade_backup_size_bytes{type="full"} 1234.0' in text
    assert "mastertrade_wal_archived_total" in text
    assert "mastertrade_wal_archive_failures_total" in text


def test_secret_key_rotation_keeps_signed_values_valid(settings):
    settings.SECRET_KEY = "old-key-" + "x" * 50
    signed = signing.dumps({"session": 1})
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "new-key-" + "y" * 50, ["old-key-" + "x" * 50]
    assert signing.loads(signed) == {"session": 1}
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(signing.BadSignature):
        signing.loads(signed)
