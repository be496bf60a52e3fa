"""A restore cannot make things worse (issue 23 item 3), drilled on the stage's scratch stack:
the times it names are restorable, and an old server on the stack's port is detected before
anything stops. (A time on a timeline a restore abandoned: the runbook drill's "Undo a
point-in-time restore", test_runbook.py.)"""

import re
import subprocess
import sys

import pytest

from .conftest import STACK
from .test_backups import ScratchCluster, committed_rows, full_backup, postmaster_pid

pytestmark = pytest.mark.backups


def test_the_earliest_time_backup_info_names_is_restorable(drill):
    if not drill.backups():
        full_backup(drill)
    info = drill.backup("info").stdout
    earliest = re.search(r"^restorable: from (\S+)", info, re.MULTILINE).group(1)
    options = drill.backup("restore-options", earliest).stdout.splitlines()
    # Recovery to a time ends at the first commit after it: one, archived (as `make restore` does).
    drill.sql("SELECT pg_current_xact_id()")
    drill.pgbackrest("check")
    assert any(option.startswith("--target-timeline=") for option in options), options
    scratch = ScratchCluster(drill).restore(*options)
    try:
        assert drill.sql("SELECT 1", **scratch.where).strip() == "1"
    finally:
        scratch.stop()


def test_restore_refuses_a_foreign_server_on_the_stack_port(drill):
    """Not PostgreSQL of this stack on its port: refused before anything is stopped."""
    drill.pgbackrest("check")
    drill.run(STACK, "stop-service", "postgres")
    port = int(drill.env["DB_DIRECT_PORT"])
    listener = listen_on(port, name="python3")
    try:
        result = drill.make("restore", check=False)
        assert result.returncode == 2, result.stdout + result.stderr
        assert f"port {port} (DB_DIRECT_PORT) is held by a process" in result.stdout
        assert "nothing was changed" in result.stdout
        assert listener.poll() is None  # left alone
    finally:
        listener.kill()
        listener.wait()
        drill.run(STACK, "start-service", "postgres")
    assert drill.sql("SELECT 1").strip() == "1"


def test_restore_stops_a_postmaster_whose_data_folder_is_gone(drill, tmp_path):
    """A postmaster still listening on the stack's port after its data folder was deleted:
    `make restore` stops it (and says so), then restores the latest state."""
    goal_rows = committed_rows(drill)
    drill.pgbackrest("check")  # the last transactions archived
    drill.run(STACK, "stop-service", "postgres")
    real = drill.data.with_name("data.drill-real")
    drill.data.rename(real)
    drill.data.mkdir()
    zombie = listen_on(int(drill.env["DB_DIRECT_PORT"]), name="postgres", cwd=drill.data, bin_dir=tmp_path)
    drill.data.rmdir()  # the zombie's working folder is now "<data> (deleted)"
    try:
        result = drill.make("restore", check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"stopped the old PostgreSQL (pid {zombie.pid})" in result.stdout and "SIGQUIT" in result.stdout
        assert zombie.wait(timeout=30) != 0
        assert committed_rows(drill) == goal_rows
        assert postmaster_pid(drill) != zombie.pid
    finally:
        zombie.kill()
        subprocess.run(["rm", "-rf", str(real)], check=False)


def listen_on(port: int, *, name: str, cwd=None, bin_dir=None) -> subprocess.Popen:
    """A process that holds `port`, named `name` (a symlink to Python under that name)."""
    executable = sys.executable
    if bin_dir is not None:
        link = bin_dir / name
        link.symlink_to(sys.executable)
        executable = str(link)
    code = (
        "import signal, socket\n"
        "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
        f"s.bind(('127.0.0.1', {port})); s.listen(); print('ready', flush=True)\n"
        "signal.pause()  # holds the port until a signal ends it (the restore's, or the test's kill)\n"
    )
    process = subprocess.Popen([executable, "-c", code], cwd=cwd, stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready"
    return process

