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
.venv/bin/python -m pytest "$@"
