#!/usr/bin/env bash
# `make test`: start what is not running, run the whole suite, stop what we started.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export STACK_SESSION="test-$$"
scripts/stack.sh deps
scripts/stack.sh start
trap 'scripts/stack.sh stop-started' EXIT
.venv/bin/python manage.py collectstatic --no-input -v0
if [ $# -gt 0 ]; then
  .venv/bin/python -m pytest "$@"
else
  # Stage 1: the whole suite but the contract run and the drills, then the API and
  # hot-path tests once more with every fast-path piece off (mastertrade/fastpath:
  # the framework's own path in each piece's place). Stage 2: the
  # contract — schemathesis (every check, every phase) against a live gunicorn over
  # HTTP, two fixed seeds. Stage 3: the fault drills, which stop and start PostgreSQL,
  # PgBouncer and Redis under a live app, on their own. Stage 4: the backup drills (a
  # second PostgreSQL + PgBouncer of their own: PITR, disaster, retention).
  .venv/bin/python -m pytest -m "not faults and not contract and not backups"
  FASTPATH_OFF=all .venv/bin/python -m pytest -m "not faults and not contract and not backups" \
    goals/tests/test_api.py trades/tests/test_api.py risk/tests/test_api.py risk/tests/test_simulate_api.py \
    strategies/tests/test_api.py alerts/tests/test_api.py mastertrade/tests/test_api_contract.py \
    tokens/tests mastertrade/tests/test_hot_path.py mastertrade/fastpath/tests tests/integration
  .venv/bin/python -m pytest -m contract tests/contract
  .venv/bin/python -m pytest -m faults tests/faults
  .venv/bin/python -m pytest -m backups tests/backups
fi
