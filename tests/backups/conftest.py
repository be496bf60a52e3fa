"""Backup drills: a second PostgreSQL + PgBouncer of the local stack (their own ports, their
own data folder and pgBackRest repository), so a drill that deletes or replaces the cluster
never touches the stack the rest of the suite runs on. Redis is the main stack's.

One scratch stack for the whole stage (session scope): the backup drills and the runbook
drill (test_runbook.py) share it and its base backup, which keeps the stage short."""

import json
import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mastertrade.testing import START_TIMEOUT, Http, free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]
STACK = str(ROOT / "scripts" / "stack.sh")
BACKUP = str(ROOT / "scripts" / "backup.py")


@dataclass
class Drill:
    """One drill stack: run its scripts with `run`, query its cluster with `sql`."""

    root: Path
    env: dict = field(default_factory=dict)

    @property
    def pg_root(self) -> Path:
        return Path(self.env["STACK_PG_ROOT"])

    @property
    def data(self) -> Path:
        """The primary's data folder (after a failover, the promoted standby's)."""
        node = self.pg_root / "primary-node"
        return self.pg_root / (node.read_text().strip() if node.exists() else "data")

    @property
    def standby_where(self) -> dict:
        """`sql`'s arguments for the standby."""
        return {"port": self.env["DB_STANDBY_PORT"], "socket_dir": self.pg_root / "run-standby"}

    @property
    def repo_path(self) -> Path:
        """The pgBackRest repository: beside the cluster's folder, not in it."""
        return Path(self.env["BACKUP_REPO_PATH"])

    @property
    def repo(self) -> Path:
        return self.repo_path / "backup" / "mastertrade"

    @property
    def status_dir(self) -> Path:
        return Path(self.env["BACKUP_STATUS_DIR"])

    def run(self, *cmd: str, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
        result = subprocess.run(
            list(cmd), cwd=ROOT, env=self.env | (env or {}), capture_output=True, text=True, timeout=600, check=False
        )
        if check and result.returncode != 0:
            raise AssertionError(f"{cmd} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result

    def backup(self, *args: str, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
        return self.run(sys.executable, BACKUP, *args, check=check, env=env)

    def make(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.run("make", "--no-print-directory", *args, check=check)

    def sql(self, query: str, *, port: str | None = None, socket_dir: Path | None = None) -> str:
        cmd = ["psql", "-h", str(socket_dir or self.pg_root / "run"), "-p", port or self.env["DB_DIRECT_PORT"]]
        cmd += ["-U", "postgres", "-d", "mastertrade", "-qtAX", "-v", "ON_ERROR_STOP=1", "-c", query]
        return self.run(*as_postgres(cmd)).stdout

    def backups(self) -> list[dict]:
        info = json.loads(self.pgbackrest("info", "--output=json").stdout)
        return info[0]["backup"] if info else []

    def pgbackrest(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        conf = self.pg_root / "pgbackrest" / "pgbackrest.conf"
        return self.run(*as_postgres(["pgbackrest", f"--config={conf}", "--stanza=mastertrade", *args]), check=check)

    def manage(self, *args: str) -> str:
        return self.run(sys.executable, "manage.py", *args).stdout


def as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="session")
def drill():
    """A PostgreSQL + PgBouncer of its own, migrated, with WAL archiving and a stanza."""
    # Not pytest's tmp_path: as root, `postgres` must reach the folder (a 700 parent would stop it).
    root = Path(f"/var/tmp/mastertrade-drill-{uuid.uuid4().hex[:10]}")  # noqa: S108
    root.mkdir(mode=0o755)
    (root / "var" / "run").mkdir(parents=True)
    (root / "var" / "prometheus").mkdir()
    env = os.environ | {
        "STACK_PG_ROOT": str(root / "pg"),
        "BACKUP_REPO_PATH": str(root / "backups"),
        "STACK_VAR": str(root / "var"),
        "STACK_SESSION": f"drill-{os.getpid()}",
        "DB_DIRECT_PORT": str(free_port()),
        "DB_PORT": str(free_port()),
        "DB_STANDBY_PORT": str(free_port()),
        "STACK_STANDBY": "1",
        "DB_NAME": "mastertrade",
        "WEB_BIND": f"127.0.0.1:{free_port()}",
        "WEB_WORKERS": "2",
        "DJANGO_SETTINGS_MODULE": "mastertrade.settings.test",
        "BACKUP_STATUS_DIR": str(root / "var" / "backup-status"),
        "PROMETHEUS_MULTIPROC_DIR": str(root / "var" / "prometheus"),
    }
    drill = Drill(root=root, env=env)
    try:
        drill.run(STACK, "start-service", "postgres")
        drill.run(STACK, "start-service", "pgbouncer")
        drill.manage("migrate", "--no-input", "-v0")
        # A synchronous standby, as `make run` has: every drill (restores rebuild it, the
        # runbook's failover promotes it) runs where production does.
        drill.run(STACK, "rebuild-standby")
        yield drill
    finally:
        for service in ("web", "worker", "beat", "pgbouncer", "postgres", "standby"):
            drill.run(STACK, "stop-service", service, check=False)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def drill_app(drill):
    """The drill's web (gunicorn in the background, as `make run` starts it; a restore stops
    and restarts it) and an API client with a token."""
    drill.run(STACK, "start-app", "web")
    http = Http(f"http://{drill.env['WEB_BIND']}")
    # start-app returns once web listens; /health/ then needs the database and Redis.
    assert wait_for(lambda: http.call("GET", "/health/")[0] == 200, START_TIMEOUT), "the drill's web is not healthy"
    password = uuid.uuid4().hex
    drill.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.create_user('drill', password='{password}')",
    )
    code, body = http.call("POST", "/api/v1/auth/token/", {"username": "drill", "password": password})
    assert code == 200, body
    http.token = json.loads(body)["token"]
    return http
