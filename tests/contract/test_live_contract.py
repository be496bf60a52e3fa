"""The contract stage: schemathesis (its own CLI, every check, every phase including
stateful) against a real gunicorn serving the test database over HTTP, authenticated
with a token from the public token endpoint. Zero failures is the bar.

Runs in its own stage of `make test` (marker `contract`); bounded to a few minutes."""

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from mastertrade.testing import gunicorn_on_test_db

ROOT = Path(__file__).resolve().parents[2]
SEEDS = (20261125, 1312)
MAX_EXAMPLES = int(os.environ.get("CONTRACT_MAX_EXAMPLES", "25"))
RUN_TIMEOUT = 300  # seconds per seed: the stage stays bounded even if something hangs

pytestmark = pytest.mark.contract


@pytest.fixture
def live_server_url(transactional_db, tmp_path):
    with gunicorn_on_test_db(tmp_path, workers=2) as base:
        yield base


def token_for(base: str, username: str, password: str) -> str:
    body = json.dumps({"username": username, "password": password}).encode()
    request = urllib.request.Request(base + "/api/v1/auth/token/", data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
        return json.loads(response.read())["token"]


@pytest.fixture
def seeded(live_server_url):
    """A user with a goal (id 1), a strategy and a trade, so fixed-id paths reach real rows."""
    from django.db import connection

    from goals.factories import GoalFactory
    from mastertrade.factories import UserFactory
    from strategies.factories import StrategyFactory
    from tokens.services import api_token_create

    user = UserFactory(username="contract")
    user.set_password("contract-password-1")
    user.save()
    GoalFactory(owner=user, pk=1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence('financial_goals', 'id'), 100)")
        # The run's token gets an id no generated request is likely to name.
        cursor.execute("SELECT setval(pg_get_serial_sequence('api_tokens', 'id'), 7000000000000)")
    StrategyFactory(owner=user, strategy_id="btc-momentum")
    token = token_for(live_server_url, "contract", "contract-password-1")
    for n in range(SPARE_TOKENS):
        api_token_create(user=user, name=f"spare-{n}")
    return live_server_url, token


# Revoking a token can revoke the run's own: the token operations run last, on their own,
# with spare tokens (newer than the run's, so listed first) to revoke.
TOKENS = ("v1_auth_tokens_list", "v1_auth_tokens_destroy")
SPARE_TOKENS = 5


def schemathesis_run(base: str, token: str, seed: int, cwd: Path, *selection: str) -> tuple[int, str]:
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file",
        str(Path(__file__).with_name("schemathesis.toml")),
        "run",
        f"{base}/api/schema/",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--seed",
        str(seed),
        "--max-examples",
        str(MAX_EXAMPLES),
        "--header",
        f"Authorization: Token {token}",
        "--generation-database",
        "none",
        # NUL is refused in every string (PostgreSQL cannot store it); JSON Schema has no
        # word for "no NUL anywhere", so none is generated (unit tests cover the refusal).
        "--generation-allow-x00",
        "false",
        "--workers",
        "1",
        "--no-color",
        "--request-timeout",
        "20",
        # Kept for `st replay` (crash files under .schemathesis/ in `cwd`) and as a VCR
        # cassette of every request and answer.
        "--report",
        "vcr",
        "--report-dir",
        str(cwd),
        *selection,
    ]
    env = os.environ | {"SCHEMATHESIS_HOOKS": "tests.contract.hooks", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT, cwd=cwd, env=env)
    return result.returncode, result.stdout + result.stderr


def run_dir(seed: int, name: str) -> Path:
    """var/contract/<seed>-<name>/: the run's log, its VCR cassette and (under
    .schemathesis/) the crash files of its failures, emptied before each run and kept
    after it, so `st replay` run there replays exactly the failing cases (docs/testing.md)."""
    directory = ROOT / "var" / "contract" / f"{seed}-{name}"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    return directory


@pytest.mark.parametrize("seed", SEEDS)
def test_live_contract(seeded, seed):
    base, token = seeded
    exclude = [arg for op in TOKENS for arg in ("--exclude-operation-id", op)]
    include = [arg for op in TOKENS for arg in ("--include-operation-id", op)]
    for name, selection in (("all", exclude), ("tokens", include)):
        directory = run_dir(seed, name)
        code, output = schemathesis_run(base, token, seed, directory, *selection)
        (directory / "run.log").write_text(output)
        assert code == 0, f"kept for `st replay` in {directory}\n" + output[-20000:]
