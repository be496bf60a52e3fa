"""What the backups say about themselves: the status files scripts/backup.py writes after
every run (<BACKUP_STATUS_DIR>/<type>.json), read by /metrics and /health/."""

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings

BACKUP_TYPES = ("full", "incr")
RUN_TYPES = (*BACKUP_TYPES, "verify")


@dataclass(frozen=True)
class BackupStatus:
    type: str
    ok: bool
    finished_at: float
    duration_seconds: float
    size_bytes: int
    failures: int
    last_success_at: float  # 0 = never
    message: str


def _timestamp(value) -> float:
    return datetime.fromisoformat(value).timestamp() if value else 0.0


def backup_status(kind: str) -> BackupStatus | None:
    """The last run of `kind` (full, incr, verify), or None if there was none."""
    try:
        data = json.loads((Path(settings.BACKUP_STATUS_DIR) / f"{kind}.json").read_text())
        return BackupStatus(
            type=kind,
            ok=bool(data["ok"]),
            finished_at=_timestamp(data.get("finished_at")),
            duration_seconds=float(data.get("duration_seconds", 0)),
            size_bytes=int(data.get("size_bytes", 0)),
            failures=int(data.get("failures", 0)),
            last_success_at=_timestamp(data.get("last_success_at")),
            message=str(data.get("message", "")),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def backup_freshness(*, now: float) -> dict:
    """{"state": "ok" | "stale" | "none", "age_seconds": …}: the newest successful backup
    of any type against BACKUP_MAX_AGE_SECONDS."""
    newest = max((s.last_success_at for s in map(backup_status, BACKUP_TYPES) if s), default=0.0)
    if not newest:
        return {"state": "none", "age_seconds": None}
    age = max(0, int(now - newest))
    return {"state": "stale" if age > settings.BACKUP_MAX_AGE_SECONDS else "ok", "age_seconds": age}
