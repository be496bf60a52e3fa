"""The operator's tasks: the local stack's backups, the beat heartbeat."""

import subprocess
import time

from celery import shared_task
from django.conf import settings

from . import metrics

BACKUP_BUSY = 75  # scripts/backup.py: another backup is running, nothing done


class BackupBusy(Exception):
    pass


@shared_task(
    name="observability.backup",
    acks_late=True,
    autoretry_for=(BackupBusy,),
    retry_backoff=300,
    retry_jitter=False,
    max_retries=6,
    time_limit=6 * 3600,
    soft_time_limit=6 * 3600 - 60,
)
def backup(kind: str) -> int:
    """A pgBackRest backup of the local cluster (`kind`: full or incr) with scripts/backup.py,
    which records the outcome for /metrics. Safe to run twice: its lock makes a second run
    that overlaps the first a no-op (retried later)."""
    result = subprocess.run(
        [str(settings.BASE_DIR / "scripts" / "backup.py"), "backup", kind],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == BACKUP_BUSY:
        raise BackupBusy(result.stdout.strip())
    if result.returncode != 0:
        raise RuntimeError(f"backup {kind} failed: {(result.stdout + result.stderr).strip()[-2000:]}")
    return result.returncode


@shared_task(name="observability.heartbeat", ignore_result=True, expires=120)
def heartbeat() -> None:
    """Sent by beat every minute, run by a worker: a stale heartbeat means beat or every worker is silent."""
    metrics.record_heartbeat(time.time())
