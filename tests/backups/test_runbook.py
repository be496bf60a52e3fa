"""The runbook runs (issue 23 item 5): every ```sh block of docs/operations/runbook.md, run
verbatim, in page order, on the stage's scratch stack — web, worker and beat running, rows
written after a base backup — each in `bash -euo pipefail` after the line the runbook tells
an operator to run once, `eval "$(scripts/stack.sh env)"`. ```console and ```text blocks
are illustrations and are not run. A procedure added later is run too: no list to update."""

import re
from datetime import UTC, datetime

import pytest

from mastertrade.testing import wait_for

from .conftest import ROOT
from .test_backups import committed_rows, create_goal, drill_make_run, full_backup, write_rows  # noqa: F401

pytestmark = pytest.mark.backups

RUNBOOK = ROOT / "docs" / "operations" / "runbook.md"
BLOCK = re.compile(r"^### (?P<heading>.+?)$|^```sh\n(?P<code>.*?)^```$", re.MULTILINE | re.DOTALL)


def runbook_blocks() -> list[tuple[str, str]]:
    """(procedure heading, shell block) for every ```sh block, in page order."""
    blocks, heading = [], ""
    for match in BLOCK.finditer(RUNBOOK.read_text()):
        if match["heading"]:
            heading = match["heading"]
        else:
            blocks.append((heading, match["code"]))
    return blocks


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f+00")


def test_every_sh_block_of_the_runbook_runs_on_the_scratch_stack(drill, drill_make_run):  # noqa: F811
    http = drill_make_run
    if not drill.backups():
        full_backup(drill)
    goal = create_goal(http)
    write_rows(http, goal, "runbook-A")
    rows_a = committed_rows(drill)
    variables = {"TARGET_TIME": stamp(datetime.now(UTC))}  # what an operator sets, named in **Needs**
    write_rows(http, goal, "runbook-B")
    rows_b = committed_rows(drill)

    blocks = runbook_blocks()
    assert {"Restore latest", "Restore to a point in time", "Undo a point-in-time restore"} <= {h for h, _ in blocks}
    for heading, code in blocks:
        if heading == "Restore to a point in time":
            variables["UNDO_TIME"] = stamp(datetime.now(UTC))  # before it: what backup-info's "opened" bounds
        script = 'eval "$(scripts/stack.sh env)"\n' + code
        result = drill.run("bash", "-euo", "pipefail", "-c", script, env=variables, check=False)
        outcome = f"runbook, {heading}:\n{code}\nexit {result.returncode}\n{result.stdout}\n{result.stderr}"
        assert result.returncode == 0, outcome
        if heading == "Restore to a point in time":
            assert committed_rows(drill) == rows_a, "the point-in-time restore did not go back to TARGET_TIME"
            # The backups the runbook took after TARGET_TIME now lie on the abandoned timeline.
            assert re.search(r"restorable from \S+  ABANDONED", drill.backup("info").stdout)
        if heading == "Undo a point-in-time restore":
            # UNDO_TIME lies on the timeline the point-in-time restore abandoned: restored along it.
            assert "abandoned by a restore" in result.stdout, result.stdout
            assert committed_rows(drill) == rows_b, "undoing the point-in-time restore did not bring B back"
    assert wait_for(lambda: http.call("GET", "/health/")[0] == 200, 60)
