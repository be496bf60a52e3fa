# MasterTrade Goals: `make run` starts the whole system, `make test` passes the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: run test test-busy stop status clean venv lint bench-snapshots bench-api bench-decisions bench-calibration bench-robustness bench-day \
	backup backup-info backup-verify restore clean-backups failover rebuild-standby standby-status standby-off standby-on bench-standby

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.installed

run: venv
	scripts/run.sh

test: venv
	scripts/test.sh $(PYTEST_ARGS)

# `make test` on a busy machine: `stress-ng --cpu 2` runs beside it for the whole run (started
# before, stopped after); the exit code is the tests'.
test-busy: venv
	@command -v stress-ng >/dev/null 2>&1 || scripts/stack.sh deps
	@setsid stress-ng --cpu 2 --quiet & hog=$$!; \
	  trap 'kill -TERM -- -$$hog 2>/dev/null; wait $$hog' EXIT; \
	  echo "[test-busy] stress-ng --cpu 2 (pid $$hog) runs beside make test"; \
	  scripts/test.sh $(PYTEST_ARGS)

stop:
	scripts/stack.sh stop

status:
	scripts/stack.sh status

lint: venv
	$(VENV)/bin/ruff check .

# Benchmarks (docs/performance.md): make bench-snapshots BENCH_ARGS="--goals 100000".
# bench-api drives a running server: `API_THROTTLE_WRITE=1000000/minute make run` in another terminal.
BENCH_ARGS ?=

bench-snapshots: venv
	scripts/stack.sh start
	$(PY) bench/snapshots.py $(BENCH_ARGS)

bench-api: venv
	$(PY) bench/api.py $(BENCH_ARGS)

# A trading engine's day against a running server (docs/performance.md).
bench-day: venv
	$(PY) bench/day.py $(BENCH_ARGS)

# Pure computation, no services: sizing policies against the DP optimum, and reach_probability's calibration.
bench-decisions: venv
	$(PY) bench/decisions.py $(BENCH_ARGS)

# The synchronous standby's cost to writes, against a running server (docs/performance.md).
bench-standby: venv
	$(PY) bench/standby.py $(BENCH_ARGS)

bench-calibration: venv
	$(PY) bench/calibration.py $(BENCH_ARGS)

# Sizing and reach_probability when returns are not Gaussian (docs/decisions.md): BENCH_ARGS="--quick" for a short run.
bench-robustness: venv
	$(PY) bench/robustness.py $(BENCH_ARGS)

# Stop everything and delete all local data (database, Redis, logs) but the backups
# (`scripts/stack.sh backup-repo`); `make clean-backups` deletes those too.
clean:
	scripts/stack.sh clean

clean-backups: stop
	scripts/stack.sh clean-backups

# Backups (pgBackRest; docs/operations/backups.md, docs/operations/runbook.md): make backup [TYPE=full|incr],
# make backup-info, make backup-verify, make restore [TARGET_TIME="2026-11-25 14:03:00+00"] [CONFIRM=yes].
# GNU make itself exits 2 whenever a command fails: the script's own exit code (0 done, 1 failed,
# 2 bad input, 75 busy) is printed on its last line ("exit code 75"); scripts and cron jobs that
# branch on it call scripts/backup.py directly.
# Plain assignments, not ?=: only the command line sets them, never a TARGET_TIME or CONFIRM
# left exported in the shell (a `make restore` must not turn into a point-in-time restore).
TYPE = incr
TARGET_TIME =
CONFIRM =
backup_run = scripts/backup.py $(1) || { rc=$$?; echo "[backup] exit code $$rc"; exit $$rc; }

backup:
	@$(call backup_run,backup $(TYPE))

backup-info:
	@$(call backup_run,info)

backup-verify:
	@$(call backup_run,verify)

restore:
	@CONFIRM="$(CONFIRM)" $(call backup_run,restore "$(TARGET_TIME)")

# The synchronous standby (docs/operations/standby.md): promote it and fence the primary;
# make a new one from the current primary; show it; relax / restore synchronous commit.
failover:
	scripts/stack.sh failover

rebuild-standby:
	scripts/stack.sh rebuild-standby

standby-status:
	scripts/stack.sh standby-status

standby-off:
	scripts/stack.sh standby-off

standby-on:
	scripts/stack.sh standby-on
