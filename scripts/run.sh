#!/usr/bin/env bash
# `make run`: the whole system on loopback. Ctrl-C stops everything it started.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY=.venv/bin/python
VAR="$ROOT/var"
WEB_BIND="${WEB_BIND:-127.0.0.1:8000}"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-mastertrade.settings.local}"
export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-$VAR/prometheus}"

export STACK_SESSION="run-$$"
scripts/stack.sh start
mkdir -p "$VAR/run" "$VAR/log"
rm -rf "$PROMETHEUS_MULTIPROC_DIR"; mkdir -p "$PROMETHEUS_MULTIPROC_DIR"

$PY manage.py migrate --no-input -v0
$PY manage.py collectstatic --no-input -v0
$PY manage.py ensure_admin

cleanup() {
  trap - INT TERM EXIT
  echo
  echo "[run] stopping…"
  for p in web worker beat; do scripts/stack.sh stop-service "$p"; done
  scripts/stack.sh stop-started  # the services this run started (all of them on a cold start)
}
trap cleanup INT TERM EXIT

# Workers, timeout and logs: gunicorn.conf.py (WEB_WORKERS, WEB_ACCESS_LOG).
.venv/bin/gunicorn -c gunicorn.conf.py mastertrade.wsgi:application --bind "$WEB_BIND" \
  --pid "$VAR/run/web.pid" &
.venv/bin/celery -A mastertrade worker --loglevel INFO --concurrency "${WORKER_CONCURRENCY:-2}" \
  --pidfile "$VAR/run/worker.pid" &
.venv/bin/celery -A mastertrade beat --loglevel INFO --pidfile "$VAR/run/beat.pid" \
  --schedule "$VAR/celerybeat-schedule" &

echo "[run] serving on http://$WEB_BIND/ (admin at /admin/, API docs at /api/docs/). Ctrl-C stops everything."
wait -n || true
