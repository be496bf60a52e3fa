#!/usr/bin/env python3
"""Backups of MasterTrade Goals' PostgreSQL with pgBackRest (stanza `mastertrade`).

(One file of about 650 lines on purpose: an operator runs it, and compose's `backup` service
runs it, on its own, without the project's packages or Django.)

    backup.py backup [full|incr]     take a backup, expire old ones, verify the repository
    backup.py info                   the backups and WAL archive in the repository, and the last runs
    backup.py verify                 verify every backup and WAL file in the repository
    backup.py restore [TARGET_TIME]  restore the local stack to the latest state, or to TARGET_TIME
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
import subprocess
import sys
import time
import urllib.error
import urllib.request
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
    for kind in ("full", "incr", "verify"):
        status = read_status(kind)
        if status:
            state = "ok" if status.get("ok") else "FAILED"
            print(f"last {kind}: {state} at {status.get('finished_at')} — {status.get('message')}")
    return result.returncode


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


def stop_time(backup: dict) -> datetime:
    return datetime.fromtimestamp(backup["timestamp"]["stop"], UTC)


def check_restore_request(target: datetime | None) -> list[dict]:
    """Raise BadInput unless there is a backup to restore and the target is reachable."""
    available = backups()
    if not available:
        raise BadInput(f"there is no backup in the repository ({repo_path()}) to restore from; nothing was changed")
    if target is None:
        return available
    oldest = stop_time(available[0])
    if target > now_utc():
        raise BadInput(f"TARGET_TIME {iso(target)} is in the future (now {iso(now_utc())}); nothing was changed")
    if target < oldest:
        raise BadInput(
            f"TARGET_TIME {iso(target)} is before the oldest backup ({available[0]['label']}, consistent from "
            f"{iso(oldest)}); the earliest time you can restore to is {iso(oldest)}; nothing was changed"
        )
    return available


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
    """The restore failed and the cluster it started from runs again."""


def restore_cluster(target: datetime | None, root: str, port: str, done: list[str]) -> None:
    """pgBackRest restore into the (empty) data folder, then start PostgreSQL and wait until
    it has replayed the archive and the database answers. Raises Failed."""
    data, db = Path(root) / "data", os.environ.get("DB_NAME", "mastertrade")
    data.mkdir(parents=True, mode=0o700)
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    args = ["restore", "--delta", "--log-level-console=warn"]
    if target is not None:
        args += ["--type=time", f"--target={target.strftime('%Y-%m-%d %H:%M:%S.%f+00')}", "--target-action=promote"]
    started = time.monotonic()
    result = pgbackrest(*args)
    if result.returncode != 0:
        raise Failed(f"pgbackrest restore failed: {output_of(result)}")
    done.append(
        f"restored {data} to {'the point in time ' + iso(target) if target else 'the latest archived state'} "
        f"in {time.monotonic() - started:.1f} s"
    )
    # PostgreSQL replays the archived WAL and opens on a new timeline.
    pglog = f"{root}/postgres.log"
    start = subprocess.run(
        as_postgres([f"{PG_BIN}/pg_ctl", "-D", str(data), "-l", pglog, "-w", "-t", "600", "start"]),
        capture_output=True,
        text=True,
        cwd="/",
        check=False,
    )
    if start.returncode != 0:
        if "recovery ended before configured recovery target was reached" in Path(pglog).read_text()[-5000:]:
            raise Failed(
                f"the archived WAL ends before TARGET_TIME {iso(target)}: the last archived transaction is "
                "older than that. Restore the latest state instead (make restore)"
            )
        tail = " / ".join(Path(pglog).read_text().strip().splitlines()[-3:])
        raise Failed(f"PostgreSQL did not start after the restore: {tail} (see {pglog})")
    if not wait_for(lambda: psql(root, port, "SELECT pg_is_in_recovery()").stdout.strip() == "f", 600):
        raise Failed(f"PostgreSQL is still recovering after 10 minutes (see {pglog})")
    check = psql(root, port, "SELECT count(*) FROM django_migrations", db=db)
    if check.returncode != 0:
        raise Failed(f"the restored database {db} does not answer: {output_of(check)}")
    timeline = psql(root, port, "SELECT timeline_id FROM pg_control_checkpoint()").stdout.strip()
    done.append(f"started PostgreSQL: out of recovery on timeline {timeline}, database {db} answers")
    stack("start-service", "postgres")  # settings, archiving, roles (idempotent)
    stack("start-service", "pgbouncer")
    done.append("started PgBouncer")


def start_apps(app: list[str], done: list[str]) -> list[str]:
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
    if "web" in started:
        timeout = env_int("RESTORE_HEALTH_TIMEOUT", 300)
        if wait_for(lambda: health_code() == 200, timeout):
            done.append(f"{health_url()} answers 200")
        else:
            failed.append(f"{health_url()} did not answer 200 within {timeout} s (RESTORE_HEALTH_TIMEOUT)")
    return failed


def roll_back(root: str, aside: Path, done: list[str]) -> None:
    """Put the cluster the restore started from back in place and start it with PgBouncer."""
    data = Path(root) / "data"
    stack("stop-service", "pgbouncer")
    stack("stop-service", "postgres")
    if data.exists():
        failed = data.with_name(f"data.failed-restore-{now_utc().strftime('%Y%m%dT%H%M%S')}")
        data.rename(failed)
        done.append(f"kept the failed restore aside in {failed} (delete it once looked at)")
    aside.rename(data)
    stack("start-service", "postgres")
    stack("start-service", "pgbouncer")
    done.append(f"ROLLED BACK: the cluster the restore started from runs again ({data})")


def command_restore(target_text: str) -> int:
    """Restore the local stack's cluster; the app that ran before runs again afterwards.

    The cluster the restore starts from is moved aside (data.before-restore-<time>) and the
    backup restored into an empty folder. When the restored cluster does not come up, or
    /health/ does not answer 200 within RESTORE_HEALTH_TIMEOUT seconds (default 300) of the
    app's start, the restore rolls back to the cluster it started from and exits 1. An app
    that does not start while /health/ answers 200 keeps the restore, and exits 1 too."""
    if in_container():
        raise BadInput(f"in compose, restore with the steps in {RUNBOOK}#restore-in-compose")
    target = parse_target(target_text) if target_text.strip() else None
    check_restore_request(target)
    root, port = pg_root(), os.environ.get("DB_DIRECT_PORT", "5432")
    data = Path(root) / "data"
    done: list[str] = []
    failed: list[str] = []
    aside: Path | None = None
    lock = VAR / "run" / "restore.lock"
    (VAR / "run").mkdir(parents=True, exist_ok=True)
    lock.write_text(str(os.getpid()))
    try:
        # 1. The app: nothing may write while the cluster is replaced.
        app = [name for name in ("web", "worker", "beat") if pid_alive(name)]
        for name in ("web", "worker", "beat"):
            stack("stop-service", name)
        done.append(f"stopped the app ({', '.join(app) or 'none was running'})")
        # 2. PgBouncer, then PostgreSQL. A running cluster first archives its current WAL
        #    segment, so "latest" includes the last committed transaction.
        stack("stop-service", "pgbouncer")
        done.append("stopped PgBouncer")
        running = (data / "postmaster.pid").exists() and psql(root, port, "SELECT 1").returncode == 0
        if running:
            # A committed transaction stamped now: recovery to any earlier time then sees a
            # commit past its target and stops there (PostgreSQL needs one to end the replay).
            psql(root, port, "SELECT pg_current_xact_id()")
            checked = pgbackrest("check")
            done.append(
                "archived the current WAL segment"
                if checked.returncode == 0
                else f"could not archive the current WAL segment ({output_of(checked)})"
            )
        stack("stop-service", "postgres")
        done.append("stopped PostgreSQL" if running else "PostgreSQL was not running")
        # 3. The cluster it starts from is kept aside until the restored one serves; the
        #    remains of a damaged one (no PG_VERSION) are kept aside as well, never overwritten.
        stamp = now_utc().strftime("%Y%m%dT%H%M%S")
        if (data / "PG_VERSION").exists():
            aside = data.with_name(f"data.before-restore-{stamp}")
            data.rename(aside)
            (aside / "postmaster.pid").unlink(missing_ok=True)
            done.append(f"moved the cluster aside to {aside} (put back if the restore fails)")
        elif data.is_dir() and any(data.iterdir()):
            damaged = data.with_name(f"data.damaged-{stamp}")
            data.rename(damaged)
            done.append(f"moved the damaged data folder aside to {damaged} (delete it once the restore is checked)")
        elif data.is_dir():
            data.rmdir()
        else:
            done.append(f"recreated the missing data folder {data}")
        # 4. Restore, start and check PostgreSQL, start PgBouncer; then the app.
        try:
            restore_cluster(target, root, port, done)
        except Failed as err:
            if aside is None:
                raise
            roll_back(root, aside, done)
            failed = [*start_apps(app, done), f"the restore failed: {err}"]
            raise RolledBack("; ".join(failed)) from None
        failed = start_apps(app, done)
        if aside is not None and any("/health/" in reason for reason in failed):
            for name in ("web", "worker", "beat"):
                stack("stop-service", name)
            roll_back(root, aside, done)
            failed = [*start_apps(app, done), *failed]
            raise RolledBack("; ".join(failed))
        if aside is not None:
            shutil.rmtree(aside)
            done.append(f"removed {aside}: the restored cluster serves")
    except Failed as err:
        for line in done:
            say(f"done: {line}")
        if isinstance(err, RolledBack):
            say(f"the restore FAILED and was ROLLED BACK to the cluster it started from; see {RUNBOOK}#restore-latest")
        else:
            say(f"the restore stopped here; see {RUNBOOK}#restore-latest")
        raise
    finally:
        lock.unlink(missing_ok=True)
    for line in done:
        say(f"done: {line}")
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
        return command_schedule()
    except BadInput as err:
        say(f"ERROR: {err}")
        return EXIT_BAD_INPUT
    except BusyError as err:
        say(str(err))
        return EXIT_BUSY
    except Failed as err:
        say(f"FAILED: {err}")
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
