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
  # Stage 1: the whole suite but the contract run and the fault drills. Stage 2: the
  # contract — schemathesis (every check, every phase) against a live gunicorn over
  # HTTP, two fixed seeds. Stage 3: the drills, which stop and start PostgreSQL,
  # PgBouncer and Redis under a live app, on their own.
  .venv/bin/python -m pytest -m "not faults and not contract"
  .venv/bin/python -m pytest -m contract tests/contract
  .venv/bin/python -m pytest -m faults tests/faults
fi
