#!/usr/bin/env python3
"""Backups of MasterTrade Goals' PostgreSQL with pgBackRest (stanza `mastertrade`).

(One file of about 900 lines on purpose: an operator runs it, and compose's `backup` service
runs it, on its own, without the project's packages or Django. Sections: status files,
backup/verify, timelines, restore, schedule.)

    backup.py backup [full|incr]     take a backup, expire old ones, verify the repository
    backup.py info                   the backups and WAL archive in the repository, and the last runs
    backup.py verify                 verify every backup and WAL file in the repository
    backup.py restore [TARGET_TIME]  restore the local stack to the latest state, or to TARGET_TIME
                                     (CONFIRM=yes, or a yes on the terminal, for a point in time)
    backup.py restore-options [TARGET_TIME]   pgBackRest's restore options for it (backup set,
                                     timeline, target): for a restore into a scratch folder
    backup.py schedule               run full and incremental backups forever (compose's `backup` service)

Standard library only, so it runs with any python3 (the host's or the database image's).
pgBackRest always talks to PostgreSQL directly (Unix socket), never through PgBouncer.

Exit codes: 0 done; 1 failed (backup, verification or restore; the message says why);
2 bad input (nothing touched); 75 another backup is running (nothing done).

Every backup and verify run writes <BACKUP_STATUS_DIR>/<type>.json, which /metrics and
/health/ read (observability/backups.py).
"""

import argparse
import fcntl
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STACK = str(ROOT / "scripts" / "stack.sh")
VAR = Path(os.environ.get("STACK_VAR") or ROOT / "var")
STANZA = "mastertrade"
PG_BIN = os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin")
RUNBOOK = "docs/operations/runbook.md"

EXIT_FAILED, EXIT_BAD_INPUT, EXIT_BUSY = 1, 2, 75


class BadInput(Exception):
    """The request cannot be carried out; nothing was touched."""


class Failed(Exception):
    """A backup, verification or restore step failed."""


def say(message: str) -> None:
    print(f"[backup] {message}", flush=True)


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def status_dir() -> Path:
    return Path(os.environ.get("BACKUP_STATUS_DIR") or VAR / "backup-status")


def in_container() -> bool:
    """compose's database image: configuration in /etc/pgbackrest, no stack.sh services."""
    return bool(os.environ.get("PGBACKREST_CONFIG"))


def pg_root() -> str:
    return subprocess.run([STACK, "pg-root"], check=True, capture_output=True, text=True).stdout.strip()


def config_path() -> str:
    return os.environ.get("PGBACKREST_CONFIG") or f"{pg_root()}/pgbackrest/pgbackrest.conf"


def as_postgres(cmd: list[str]) -> list[str]:
    """PostgreSQL's files belong to `postgres`: as root, run pgBackRest and pg_ctl as that user."""
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return cmd
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def pgbackrest(*args: str) -> subprocess.CompletedProcess:
    cmd = as_postgres(["pgbackrest", f"--config={config_path()}", f"--stanza={STANZA}", *args])
    return subprocess.run(cmd, capture_output=True, text=True, cwd="/", check=False)


def output_of(result: subprocess.CompletedProcess) -> str:
    return (result.stderr.strip() or result.stdout.strip() or f"exit code {result.returncode}")[-1500:]


def repo_info() -> dict:
    result = pgbackrest("info", "--output=json")
    if result.returncode != 0:
        raise Failed(f"pgbackrest info failed: {output_of(result)}")
    stanzas = json.loads(result.stdout or "[]")
    return stanzas[0] if stanzas else {}


def backups() -> list[dict]:
    return repo_info().get("backup", [])


# --- status files: what /metrics and /health/ report


def read_status(kind: str) -> dict:
    try:
        return json.loads((status_dir() / f"{kind}.json").read_text())
    except (OSError, ValueError):
        return {}


def write_status(kind: str, **fields) -> None:
    folder = status_dir()
    folder.mkdir(parents=True, exist_ok=True)
    previous = read_status(kind)
    status = {"type": kind, **fields}
    if fields["ok"]:
        status["last_success_at"] = fields["finished_at"]
        status["last_success_duration_seconds"] = fields["duration_seconds"]
        status["last_success_size_bytes"] = fields.get("size_bytes", 0)
    else:
        for key in ("last_success_at", "last_success_duration_seconds", "last_success_size_bytes"):
            if key in previous:
                status[key] = previous[key]
    status["failures"] = previous.get("failures", 0) + (0 if fields["ok"] else 1)
    tmp = folder / f".{kind}.json.tmp"
    tmp.write_text(json.dumps(status, indent=1))
    tmp.chmod(0o644)
    tmp.replace(folder / f"{kind}.json")


class BackupLock:
    """Our own lock around every backup (pgBackRest holds its own as well): a second
    backup started while one runs does nothing and says so."""

    def __enter__(self):
        status_dir().mkdir(parents=True, exist_ok=True)
        self.path = status_dir() / ".backup.lock"
        self.file = open(self.path, "a")  # noqa: SIM115 - closed in __exit__
        try:
            fcntl.flock(self.file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.file.close()
            raise BusyError(f"another backup is running (lock {self.path}); nothing done") from None
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.file, fcntl.LOCK_UN)
        self.file.close()


class BusyError(Exception):
    pass


def now_utc() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


# --- backup / verify


def verify_repository() -> None:
    """Every backup in backup.info has its files and they check out; the WAL archive too."""
    result = pgbackrest("verify", "--output=text")
    if result.returncode != 0 or "error" in result.stdout.lower():
        raise Failed(f"verification failed: {output_of(result)}")
    for backup in backups():
        manifest = repo_path() / "backup" / STANZA / backup["label"] / "backup.manifest"
        if not file_exists(manifest):
            raise Failed(f"backup {backup['label']} is listed but missing from the repository ({manifest.parent})")


def repo_path() -> Path:
    for line in Path(config_path()).read_text().splitlines() if file_exists(Path(config_path())) else []:
        if line.strip().startswith("repo1-path="):
            return Path(line.split("=", 1)[1].strip())
    return Path("/var/lib/pgbackrest")


def file_exists(path: Path) -> bool:
    return subprocess.run(as_postgres(["test", "-f", str(path)]), check=False).returncode == 0


def take_backup(kind: str) -> dict:
    """One backup of `kind` (full / incr), then expiry and verification. Raises Failed."""
    retention = env_int("BACKUP_RETENTION_FULL", 7)
    if retention < 1:
        raise BadInput("BACKUP_RETENTION_FULL must be at least 1")
    result = pgbackrest("backup", f"--type={kind}", f"--repo1-retention-full={retention}")
    if result.returncode == 50 or "unable to acquire lock" in result.stderr:
        raise BusyError(f"pgBackRest holds its lock (another backup is running): {output_of(result)}")
    if result.returncode != 0:
        raise Failed(f"pgbackrest backup failed: {output_of(result)}")
    expired = pgbackrest("expire", f"--repo1-retention-full={retention}")
    if expired.returncode != 0:
        raise Failed(f"pgbackrest expire failed: {output_of(expired)}")
    latest = backups()[-1]
    if os.environ.get("BACKUP_VERIFY", "1") != "0":
        verify_repository()
    return latest


def command_backup(kind: str) -> int:
    if kind not in ("full", "incr"):
        raise BadInput(f"TYPE must be full or incr, not {kind!r}")
    with BackupLock():
        started = now_utc()
        say(f"{kind} backup of stanza {STANZA} started")
        try:
            latest = take_backup(kind)
        except Failed as err:
            finished = now_utc()
            write_status(
                kind,
                ok=False,
                started_at=iso(started),
                finished_at=iso(finished),
                duration_seconds=(finished - started).total_seconds(),
                message=str(err),
            )
            raise
        finished = now_utc()
        size = latest.get("info", {}).get("repository", {}).get("delta", 0)
        write_status(
            kind,
            ok=True,
            started_at=iso(started),
            finished_at=iso(finished),
            duration_seconds=(finished - started).total_seconds(),
            size_bytes=size,
            label=latest["label"],
            message=f"backup {latest['label']} done; retention {env_int('BACKUP_RETENTION_FULL', 7)} full backups",
        )
        say(
            f"{kind} backup {latest['label']} done in {(finished - started).total_seconds():.1f} s "
            f"({size} bytes in the repository), expired past {env_int('BACKUP_RETENTION_FULL', 7)} full backups, "
            "verified"
        )
    return 0


def command_verify() -> int:
    started = now_utc()
    try:
        verify_repository()
    except Failed as err:
        finished = now_utc()
        write_status(
            "verify",
            ok=False,
            started_at=iso(started),
            finished_at=iso(finished),
            duration_seconds=(finished - started).total_seconds(),
            message=str(err),
        )
        raise
    finished = now_utc()
    count = len(backups())
    write_status(
        "verify",
        ok=True,
        started_at=iso(started),
        finished_at=iso(finished),
        duration_seconds=(finished - started).total_seconds(),
        message=f"{count} backups and their WAL verified",
    )
    say(f"{count} backups and their WAL archive verified")
    return 0


def command_info() -> int:
    result = pgbackrest("info")
    print(result.stdout.rstrip() or output_of(result))
    if result.returncode == 0:
        history = Timelines.read()
        current = history.current(live_timeline())
        print(f"\ntimelines (the live cluster's: {current}):")
        for timeline in history.by_id.values():
            state = "current" if timeline.id == current else "ancestor"
            state = state if timeline.id in history.ancestry(current) else "abandoned"
            since = f"opened {iso(timeline.started)} ({timeline.reason})" if timeline.started else "the first"
            print(f"  {timeline.id}: {state}, {since}")
        usable = history.usable(backups(), current)
        print("backups:")
        for backup in backups():
            mark = "" if backup in usable else "  ABANDONED: not on the live cluster's history (timeline above)"
            since = iso(earliest_of(backup))
            print(f"  {backup['label']} on timeline {backup_timeline(backup)}, restorable from {since}{mark}")
        if usable:
            print(f"restorable: from {iso(min(map(earliest_of, usable)))} to the last archived transaction")
    for kind in ("full", "incr", "verify"):
        status = read_status(kind)
        if status:
            state = "ok" if status.get("ok") else "FAILED"
            print(f"last {kind}: {state} at {status.get('finished_at')} — {status.get('message')}")
    return result.returncode


# --- timelines: which history a time belongs to


def lsn(text: str) -> int:
    high, low = text.split("/")
    return (int(high, 16) << 32) | int(low, 16)


def backup_timeline(backup: dict) -> int:
    return int(backup["archive"]["start"][:8], 16)


def earliest_of(backup: dict) -> datetime:
    """The first time a backup can be restored to: its stop time, which pgBackRest rounds down
    to the second, plus one second (its consistency point lies within that second)."""
    return datetime.fromtimestamp(backup["timestamp"]["stop"] + 1, UTC)


@dataclass
class Timeline:
    id: int
    started: datetime | None = None  # when its history file was archived: when the restore opened it
    reason: str = ""
    ends: dict[int, int] = field(default_factory=dict)  # ancestor -> the LSN where this history left it


@dataclass
class Timelines:
    """The timelines in the repository's WAL archive, from their history files."""

    by_id: dict[int, Timeline]
    wal_times: list[tuple[int, float]]  # (timeline, time archived) of each WAL segment

    @classmethod
    def read(cls) -> "Timelines":
        archive_ids = [entry["id"] for entry in repo_info().get("archive", [])]
        by_id, wal_times = {1: Timeline(1)}, []
        for archive_id in archive_ids[-1:]:
            listing = pgbackrest("repo-ls", f"archive/{STANZA}/{archive_id}", "--recurse", "--output=json")
            if listing.returncode != 0:
                raise Failed(f"pgbackrest repo-ls failed: {output_of(listing)}")
            for name, entry in json.loads(listing.stdout or "{}").items():
                base = name.rsplit("/", 1)[-1]
                if base.endswith(".history"):
                    text = pgbackrest("repo-get", f"archive/{STANZA}/{archive_id}/{base}").stdout
                    timeline = Timeline(int(base[:8], 16), datetime.fromtimestamp(entry["time"], UTC))
                    for line in text.splitlines():
                        parts = line.split("\t")
                        if len(parts) >= 2 and parts[0].strip().isdigit():
                            timeline.ends[int(parts[0])] = lsn(parts[1].strip())
                            timeline.reason = parts[2].strip() if len(parts) > 2 else ""
                    by_id[timeline.id] = timeline
                elif entry.get("type") == "file" and len(base) > 24 and base[:24].isalnum() and "." not in base[:24]:
                    wal_times.append((int(base[:8], 16), entry["time"]))
        return cls(dict(sorted(by_id.items())), wal_times)

    def latest(self) -> int:
        return max(self.by_id)

    def current(self, live: int | None) -> int:
        """The live cluster's timeline when it answers, else the newest one."""
        return live if live in self.by_id else self.latest()

    def ancestry(self, timeline: int) -> set[int]:
        return {timeline, *self.by_id[timeline].ends}

    def usable(self, candidates: list[dict], timeline: int) -> list[dict]:
        """Backups a restore along `timeline` can start from: taken on it, or on an ancestor
        before this history left that ancestor."""
        ends = self.by_id[timeline].ends
        return [
            backup
            for backup in candidates
            if backup_timeline(backup) == timeline
            or (backup_timeline(backup) in ends and lsn(backup["lsn"]["stop"]) <= ends[backup_timeline(backup)])
        ]

    def live_at(self, moment: datetime, current: int) -> int:
        """The timeline the live cluster was on at `moment`: the last one opened before it
        (a later point-in-time restore may since have abandoned it)."""
        opened = self.by_id[current].started
        if opened is None or moment >= opened:
            return current  # a timeline opened since (a failed attempt's) was never live
        return max(t.id for t in self.by_id.values() if t.started is None or t.started <= moment)

    def archived_after(self, moment: datetime) -> int:
        return sum(1 for _timeline, at in self.wal_times if at > moment.timestamp())


def live_timeline() -> int | None:
    """The timeline of this stack's running cluster, or None when none answers."""
    if in_container():
        return None
    port = os.environ.get("DB_DIRECT_PORT", "5432")
    result = psql(pg_root(), port, "SELECT timeline_id FROM pg_control_checkpoint()")
    text = result.stdout.strip()
    return int(text) if result.returncode == 0 and text.isdigit() else None


@dataclass
class Plan:
    """What a restore will do, decided before anything is touched."""

    target: datetime | None
    timeline: int
    backup: dict
    current: int
    lost_segments: int = 0

    def options(self, action: str = "promote") -> list[str]:
        """pgBackRest restore options (for any folder: the runbook's scratch restore uses them)."""
        args = [f"--set={self.backup['label']}", f"--target-timeline={self.timeline}"]
        if self.target is not None:
            target = self.target.strftime("%Y-%m-%d %H:%M:%S.%f+00")
            args += ["--type=time", f"--target={target}", f"--target-action={action}"]
        return args


def plan_restore(target: datetime | None) -> Plan:
    """Raise BadInput unless a backup can bring the cluster to `target` (latest when None):
    the target lies in the restorable range of the timeline that was live at that time."""
    available = backups()
    if not available:
        raise BadInput(f"there is no backup in the repository ({repo_path()}) to restore from; nothing was changed")
    history = Timelines.read()
    current = history.current(live_timeline())
    if target is None:
        usable = history.usable(available, current)
        if not usable:
            raise BadInput(f"no backup in the repository lies on timeline {current}; nothing was changed")
        return Plan(None, current, usable[-1], current)
    if target > now_utc():
        raise BadInput(f"TARGET_TIME {iso(target)} is in the future (now {iso(now_utc())}); nothing was changed")
    timeline = history.live_at(target, current)
    usable = history.usable(available, timeline)
    if not usable:
        raise BadInput(f"no backup lies on timeline {timeline}, live at {iso(target)}; nothing was changed")
    earliest = min(map(earliest_of, usable))
    if target < earliest:
        raise BadInput(
            f"TARGET_TIME {iso(target)} is before the oldest backup on timeline {timeline} "
            f"({usable[0]['label']}); the earliest time you can restore to is {iso(earliest)}; nothing was changed"
        )
    if live_timeline() is None and history.wal_times:
        last = max(at for tl, at in history.wal_times if tl in history.ancestry(timeline))
        if timeline == current and target.timestamp() > last:
            archived = iso(datetime.fromtimestamp(last, UTC))
            raise BadInput(
                f"TARGET_TIME {iso(target)} is after the last archived WAL segment ({archived}): what came after "
                "it was lost with the cluster. Restore the latest state instead (make restore); nothing was changed"
            )
    chosen = [backup for backup in usable if earliest_of(backup) <= target][-1]
    return Plan(target, timeline, chosen, current, history.archived_after(target))


def command_restore_options(target_text: str) -> int:
    target = parse_target(target_text) if target_text.strip() else None
    print("\n".join(plan_restore(target).options()))  # one a line: `mapfile -t` reads them
    return 0


# --- restore


def parse_target(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(
            f"TARGET_TIME {text!r} is not a time: give it as 'YYYY-MM-DD HH:MM:SS+00' (with its UTC offset)"
        ) from None
    if moment.tzinfo is None:
        raise BadInput(f"TARGET_TIME {text!r} has no UTC offset: add one, e.g. '{text.strip()}+00'")
    return moment.astimezone(UTC)


def psql(root: str, port: str, sql: str, db: str = "postgres") -> subprocess.CompletedProcess:
    cmd = as_postgres(["psql", "-h", f"{root}/run", "-p", port, "-U", "postgres", "-d", db, "-qtAX", "-c", sql])
    return subprocess.run(cmd, capture_output=True, text=True, cwd="/", check=False)


def stack(*args: str) -> None:
    result = subprocess.run([STACK, *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise Failed(f"scripts/stack.sh {' '.join(args)} failed: {(result.stderr or result.stdout).strip()[-1500:]}")


def pid_alive(name: str) -> bool:
    try:
        os.kill(int((VAR / "run" / f"{name}.pid").read_text().split()[0]), 0)
        return True
    except (OSError, ValueError, IndexError):
        return False


def wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def health_url() -> str:
    host, _, port = os.environ.get("WEB_BIND", "127.0.0.1:8000").rpartition(":")
    return f"http://{'127.0.0.1' if host in ('', '0.0.0.0') else host}:{port}/health/"  # noqa: S104 - a bind address


def health_code() -> int:
    try:
        with urllib.request.urlopen(health_url(), timeout=10) as response:  # noqa: S310 - the local web
            return response.status
    except urllib.error.HTTPError as err:
        return err.code
    except OSError:
        return 0


class RolledBack(Failed):
    """The restore failed and the cluster it started from serves again."""


@dataclass
class OldServer:
    """This stack's PostgreSQL as the restore finds it."""

    pid: int | None = None
    healthy: bool = False  # runs on its data folder and answers
    where: str = ""


def postmasters() -> list[tuple[int, str]]:
    """(pid, working folder) of every PostgreSQL postmaster on the machine we can see; a
    postmaster works in its data folder ("… (deleted)" once that folder is gone)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() != "postgres":
                continue
            parent = (Path("/proc") / (entry / "stat").read_text().rsplit(")", 1)[1].split()[1] / "comm").read_text()
            if parent.strip() == "postgres":
                continue  # a backend or helper, not the postmaster
            found.append((int(entry.name), os.readlink(entry / "cwd")))
        except (OSError, IndexError):
            continue
    return found


def port_in_use(port: str) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", int(port))) == 0


def find_old_server(data: Path, root: str, port: str) -> OldServer:
    """Raise BadInput when something other than this stack's PostgreSQL holds its port."""
    mine = [(pid, cwd) for pid, cwd in postmasters() if cwd.removesuffix(" (deleted)") == str(data)]
    healthy = (data / "PG_VERSION").exists() and psql(root, port, "SELECT 1").returncode == 0
    if mine:
        pid, cwd = mine[0]
        return OldServer(pid, healthy and not cwd.endswith("(deleted)"), cwd)
    if port_in_use(port) and not healthy:
        raise BadInput(
            f"port {port} (DB_DIRECT_PORT) is held by a process that is not this stack's PostgreSQL on {data}: "
            "stop it, or give the stack its own port; nothing was changed"
        )
    return OldServer(healthy=healthy)


def stop_old_server(server: OldServer, done: list[str]) -> None:
    """A postmaster whose data folder is gone still acknowledges writes it cannot keep: stop
    it now (SIGQUIT, an immediate shutdown; SIGKILL after 30 s), before its port is needed."""
    os.kill(server.pid, signal.SIGQUIT)
    if not wait_for(lambda: not Path(f"/proc/{server.pid}").exists(), 30):
        os.kill(server.pid, signal.SIGKILL)
        wait_for(lambda: not Path(f"/proc/{server.pid}").exists(), 30)
    done.append(
        f"stopped the old PostgreSQL (pid {server.pid}) that still ran on {server.where}: SIGQUIT, an immediate "
        "shutdown (what it acknowledged after the last archived WAL segment was lost with its folder)"
    )


def free_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


def pg_ctl(data: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = as_postgres([f"{PG_BIN}/pg_ctl", "-D", str(data), *args])
    return subprocess.run(cmd, capture_output=True, text=True, cwd="/", check=False)


def restore_beside(plan: Plan, root: str, new: Path, done: list[str]) -> None:
    """pgBackRest restore into the new folder `new`, then start it on a port of its own (Unix
    socket only) and wait until it has replayed the archive and answers. Raises Failed."""
    new.mkdir(mode=0o700)
    if os.geteuid() == 0:
        shutil.chown(new, "postgres", "postgres")
    started = time.monotonic()
    # To a point in time, recovery pauses at the target, so the checks run before it opens a
    # new timeline: a failed check leaves no timeline behind in the repository.
    result = pgbackrest("restore", f"--pg1-path={new}", "--log-level-console=warn", *plan.options("pause"))
    if result.returncode != 0:
        raise Failed(f"pgbackrest restore failed: {output_of(result)}")
    what = f"the point in time {iso(plan.target)}" if plan.target else "the latest archived state"
    done.append(
        f"restored backup {plan.backup['label']} into {new}, to {what} on timeline {plan.timeline}, "
        f"in {time.monotonic() - started:.1f} s"
    )
    port, pglog = free_port(), f"{new}.log"
    start = pg_ctl(new, "-l", pglog, "-o", f"-p {port} -c listen_addresses=''", "-w", "-t", "600", "start")
    if start.returncode != 0:
        text = Path(pglog).read_text() if Path(pglog).exists() else ""
        if "recovery ended before configured recovery target was reached" in text[-5000:]:
            raise Failed(
                f"the archived WAL ends before TARGET_TIME {iso(plan.target)}: the last archived transaction is "
                "older than that. Restore the latest state instead (make restore)"
            )
        tail = " / ".join(text.strip().splitlines()[-3:])
        raise Failed(f"the restored cluster did not start: {tail} (see {pglog})")
    state = "SELECT CASE WHEN pg_is_in_recovery() THEN pg_get_wal_replay_pause_state() ELSE 'open' END"
    settled = ("paused", "open") if plan.target else ("open",)
    if not wait_for(lambda: psql(root, port, state).stdout.strip() in settled, 600):
        raise Failed(f"the restored cluster is still recovering after 10 minutes (see {pglog})")
    db = os.environ.get("DB_NAME", "mastertrade")
    check = psql(root, port, "SELECT count(*) FROM django_migrations", db=db)
    if check.returncode != 0:
        raise Failed(f"the restored database {db} does not answer: {output_of(check)}")
    psql(root, port, "SELECT pg_wal_replay_resume() WHERE pg_is_in_recovery()")  # paused: end recovery
    if not wait_for(lambda: psql(root, port, "SELECT pg_is_in_recovery()").stdout.strip() == "f", 600):
        raise Failed(f"the restored cluster did not leave recovery (see {pglog})")
    timeline = psql(root, port, "SELECT timeline_id FROM pg_control_checkpoint()").stdout.strip()
    done.append(f"the restored cluster is out of recovery on timeline {timeline} and database {db} answers")
    stopped = pg_ctl(new, "-m", "fast", "-w", "-t", "300", "stop")
    if stopped.returncode != 0:
        raise Failed(f"the restored cluster did not stop: {output_of(stopped)}")


FENCE = "archive_mode = off  # fenced by scripts/backup.py restore: this cluster was replaced\n"


def set_fence(data: Path, on: bool) -> None:
    """A replaced cluster never archives into the repository again, even if started by mistake."""
    conf = data / "postgresql.conf"
    text = conf.read_text().replace(FENCE, "")
    conf.write_text(text + FENCE if on else text)


def swap_in(new: Path, data: Path, old: OldServer, stamp: str, done: list[str]) -> Path | None:
    """Stop PgBouncer and the old cluster, move the old folder aside (kept), the restored one
    in, start both. Returns the old folder's new place (None when there was no old folder)."""
    stack("stop-service", "pgbouncer")
    if old.healthy:
        stack("stop-service", "postgres")
        done.append("stopped PgBouncer and the old PostgreSQL")
    aside = None
    if data.exists():
        kind = "before-restore" if (data / "PG_VERSION").exists() else "damaged"
        aside = data.with_name(f"{data.name}.{kind}-{stamp}")
        data.rename(aside)
        (aside / "postmaster.pid").unlink(missing_ok=True)
        if kind == "before-restore":
            set_fence(aside, True)
        done.append(f"moved the old data folder aside to {aside}")
    new.rename(data)
    Path(f"{new}.log").rename(data.with_name(f"{data.name}.restore-{stamp}.log"))
    stack("start-service", "postgres")  # settings, archiving, roles (idempotent)
    stack("start-service", "pgbouncer")
    done.append(f"started the restored cluster in {data} and PgBouncer")
    return aside


def swap_back(data: Path, aside: Path, stamp: str, done: list[str]) -> None:
    """Undo swap_in: the restored cluster goes aside, the old one back, started with PgBouncer."""
    for name in ("web", "worker", "beat", "pgbouncer", "postgres"):
        stack("stop-service", name)
    failed = data.with_name(f"{data.name}.failed-restore-{stamp}")
    data.rename(failed)
    aside.rename(data)
    set_fence(data, False)
    stack("start-service", "postgres")
    stack("start-service", "pgbouncer")
    done.append(f"ROLLED BACK: the old cluster serves again ({data}); the restored one is kept in {failed}")


def say_what_is_lost(plan: Plan) -> None:
    """A point-in-time restore drops what was committed after its target: say how much, and
    ask (on a terminal) or require CONFIRM=yes."""
    if plan.target is None:
        return
    window = now_utc() - plan.target
    branch = "" if plan.timeline == plan.current else f" (it lies on timeline {plan.timeline}, abandoned by a restore)"
    say(
        f"restoring to {iso(plan.target)}{branch} from backup {plan.backup['label']}: everything committed after "
        f"it — the last {window.total_seconds() / 60:.0f} min, {plan.lost_segments} archived WAL segment(s) — "
        "leaves the live database (it stays in the repository, on the timeline the restore abandons)"
    )
    if os.environ.get("CONFIRM", "") == "yes":
        return
    if sys.stdin.isatty():
        if input("[backup] type yes to restore: ").strip() == "yes":
            return
        raise BadInput("not confirmed; nothing was changed")
    raise BadInput("a point-in-time restore needs confirmation: run it again with CONFIRM=yes; nothing was changed")


def command_restore(target_text: str) -> int:
    """Restore the local stack's cluster into a new folder; swap it in once it is up.

    Every check runs before anything is stopped. The app (web, worker, beat) is then stopped
    so nothing writes, the backup restored into <data>.restoring-<time> and started on a
    port of its own until it has left recovery and answers; only then are PgBouncer and the
    old cluster stopped, the old folder moved aside (kept: data.before-restore-<time>) and
    the restored one swapped in. A failure before the swap leaves the old cluster as it ran;
    /health/ not answering 200 within RESTORE_HEALTH_TIMEOUT seconds (default 300) after it
    swaps back. An app that does not start while /health/ answers 200 keeps the restore and
    exits 1."""
    if in_container():
        raise BadInput(f"in compose, restore with the steps in {RUNBOOK}#restore-in-compose")
    target = parse_target(target_text) if target_text.strip() else None
    root, port = pg_root(), os.environ.get("DB_DIRECT_PORT", "5432")
    data = Path(stack_output("pg-data"))
    old = find_old_server(data, root, port)
    plan = plan_restore(target)
    say_what_is_lost(plan)
    done: list[str] = []
    stamp = now_utc().strftime("%Y%m%dT%H%M%S")
    new = data.with_name(f"{data.name}.restoring-{stamp}")
    app = [name for name in ("web", "worker", "beat") if pid_alive(name)]
    try:
        for name in ("web", "worker", "beat"):
            stack("stop-service", name)
        done.append(f"stopped the app ({', '.join(app) or 'none was running'})")
        if old.healthy:
            # A committed transaction stamped now, archived: a recovery to any earlier time
            # then sees a commit past its target (PostgreSQL needs one to end the replay).
            psql(root, port, "SELECT pg_current_xact_id()")
            checked = pgbackrest("check")
            archived = checked.returncode == 0
            done.append(f"archived the current WAL segment{'' if archived else ': FAILED, ' + output_of(checked)}")
        elif old.pid:
            stop_old_server(old, done)
        try:
            restore_beside(plan, root, new, done)
        except Failed as err:
            pg_ctl(new, "-m", "immediate", "-w", "stop")
            failed = new.with_name(f"{data.name}.failed-restore-{stamp}")
            if new.exists():
                new.rename(failed)
            problems = start_apps(app, done, wait_health=old.healthy)  # as they ran before
            keep = f"the attempt is kept in {failed} (delete it once looked at)"
            if old.healthy:
                raise RolledBack("; ".join([*problems, f"the restore failed: {err}", keep])) from None
            raise Failed(f"{err}; {keep}") from None
        aside = swap_in(new, data, old, stamp, done)
        rebuild_standby(done)  # before the app: its writes would wait for a standby that cannot follow
        failed = start_apps(app, done)
        if old.healthy and aside is not None and any("/health/" in reason for reason in failed):
            swap_back(data, aside, stamp, done)
            raise RolledBack("; ".join([*start_apps(app, done), *failed]))
    except Failed as err:
        for line in done:
            say(f"done: {line}")
        if isinstance(err, RolledBack):
            say(f"the restore FAILED; the cluster it started from serves as before; see {RUNBOOK}#restore-latest")
        else:
            say(f"the restore stopped here; see {RUNBOOK}#restore-latest")
        raise
    for line in done:
        say(f"done: {line}")
    if aside is not None:
        say(f"the old data folder is kept in {aside}; delete it once the restore is checked: rm -rf {aside}")
    if target is not None:
        # A point-in-time restore starts a new timeline: the next restore needs a backup taken on it.
        say("taking a full backup on the new timeline")
        command_backup("full")
    if failed:
        for reason in failed:
            say(f"FAILED: {reason}")
        raise Failed("the database was restored, but not all of the app is back (see above)")
    say("restore finished")
    return 0


def rebuild_standby(done: list[str]) -> None:
    """A synchronous standby cannot follow the restored cluster (a new timeline, or a history
    the standby went past): writes would wait for it forever. With a standby (STACK_STANDBY,
    default 1) the stack makes a new one from the restored cluster; without, nothing to do."""
    if os.environ.get("STACK_STANDBY", "1") == "0":
        return
    say("rebuilding the standby from the restored cluster")
    stack("rebuild-standby")
    done.append("rebuilt the synchronous standby from the restored cluster")


def stack_output(*args: str) -> str:
    return subprocess.run([STACK, *args], check=True, capture_output=True, text=True).stdout.strip()


def start_apps(app: list[str], done: list[str], wait_health: bool = True) -> list[str]:
    """Start each app that ran before (a failure of one never keeps the others down), then
    wait for /health/ 200 when web is among them. Returns what failed, with the reason."""
    failed = []
    for name in app:
        try:
            stack("start-app", name)
        except Failed as err:
            failed.append(f"{name} did not start: {err}")
    started = [name for name in app if pid_alive(name)]
    if started:
        done.append(f"started the app again ({', '.join(started)})")
    if not app:
        done.append("the app was not running: start it with make run")
    if "web" in started and wait_health:
        timeout = env_int("RESTORE_HEALTH_TIMEOUT", 300)
        if wait_for(lambda: health_code() == 200, timeout):
            done.append(f"{health_url()} answers 200")
        else:
            failed.append(f"{health_url()} did not answer 200 within {timeout} s (RESTORE_HEALTH_TIMEOUT)")
    return failed



# --- schedule (compose's backup service: beside the database container, sharing its volumes)


def next_full(now: datetime, hhmm: str) -> datetime:
    hour, minute = (int(part) for part in hhmm.split(":"))
    moment = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return moment if moment > now else moment + timedelta(days=1)


def next_incr(now: datetime, minute: int) -> datetime:
    moment = now.replace(minute=minute, second=0, microsecond=0)
    return moment if moment > now else moment + timedelta(hours=1)


def command_schedule() -> int:
    full_at = os.environ.get("BACKUP_FULL_TIME", "02:30")
    incr_minute = env_int("BACKUP_INCR_MINUTE", 0)
    say(f"schedule: full daily at {full_at} UTC, incremental hourly at minute {incr_minute}")
    if in_container():
        # compose: the stanza is created here (idempotent); until then archive-push retries.
        created = pgbackrest("stanza-create")
        if created.returncode != 0:
            say(f"pgbackrest stanza-create failed: {output_of(created)}")
            return EXIT_FAILED
    if not backups():
        run_scheduled("full")
    while True:
        now = now_utc()
        full, incr = next_full(now, full_at), next_incr(now, incr_minute)
        kind, when = ("full", full) if full <= incr else ("incr", incr)
        time.sleep(max(0.0, (when - now_utc()).total_seconds()))
        run_scheduled(kind)


def run_scheduled(kind: str) -> None:
    for _attempt in range(6):
        try:
            command_backup(kind)
            return
        except BusyError as err:
            say(f"{err}; retrying in 5 minutes")
            time.sleep(300)
        except (Failed, BadInput) as err:
            say(f"{kind} backup FAILED: {err}")
            return


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    backup = sub.add_parser("backup")
    backup.add_argument("type", nargs="?", default="incr")
    sub.add_parser("info")
    sub.add_parser("verify")
    restore = sub.add_parser("restore")
    restore.add_argument("target_time", nargs="?", default="")
    options = sub.add_parser("restore-options")
    options.add_argument("target_time", nargs="?", default="")
    sub.add_parser("schedule")
    args = parser.parse_args(argv)
    if shutil.which("pgbackrest") is None:
        say("pgbackrest is not installed: scripts/stack.sh deps installs it (apt-get install -y pgbackrest)")
        return EXIT_FAILED
    try:
        if args.command == "backup":
            return command_backup(args.type)
        if args.command == "info":
            return command_info()
        if args.command == "verify":
            return command_verify()
        if args.command == "restore":
            return command_restore(args.target_time)
        if args.command == "restore-options":
            return command_restore_options(args.target_time)
        return command_schedule()
    except BadInput as err:
        say(f"ERROR: {err}" if "nothing was changed" in str(err) else f"ERROR: {err}; nothing was changed")
        return EXIT_BAD_INPUT
    except BusyError as err:
        say(str(err))
        return EXIT_BUSY
    except Failed as err:
        say(f"FAILED: {err}")
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
