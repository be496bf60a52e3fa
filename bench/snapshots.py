"""Benchmark: the periodic snapshot service against its floor.

Creates N active goals for a dedicated bench user (one set-based INSERT … SELECT
generate_series), then times, in the same run and through the same connection
(the app's: PgBouncer, transaction pooling):

(a) the service, `goals.services.goals_snapshot(now=…)`, counting the queries it issues;
(b) the floor: one hand-written `INSERT … SELECT` writing the same rows.

The service snapshots every active goal in the database, so the floor does too: both
write one `periodic` row per active goal, with the same columns and the same values
(the floor computes the status with the same thresholds, through
`goals.progress.status_sql`, so the rows can be compared). What the floor leaves out
is the machinery the service needs for safety and nothing else: `ON CONFLICT … DO
NOTHING` (the idempotence guard; the floor runs on an empty period) and the lateral
sub-selects. The rows of both are checked equal once, before timing.

Both run at a fixed bench period far from real time (2001-01-01), so deleting that
period's rows between repetitions never touches a real snapshot. Before each timed
run the period is emptied and the history table vacuumed, so (a) and (b) start from
the same state. Each is timed R times; the medians are reported.

    .venv/bin/python bench/snapshots.py --goals 100000 [--repeat 3] [--keep]

The bench goals (and their history) and the bench user are deleted at the end
unless --keep.
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mastertrade.settings.local")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from goals import progress  # noqa: E402
from goals.services import goals_snapshot, snapshot_period_start  # noqa: E402

BENCH_USER = "bench-snapshots"
BENCH_NOW = dt.datetime(2001, 1, 1, 0, 30, tzinfo=dt.UTC)

# N goals in one statement. Values vary with i so every status occurs: progress from
# 0 to 129 %, deadlines from 20 days past to 40 days ahead (one in ten without one).
CREATE_GOALS_SQL = """
INSERT INTO financial_goals
    (owner_id, name, goal_type, target_value, current_value, peak_value, capital_base,
     start_date, target_date, state, max_drawdown_pct, min_factor, max_factor, on_achieved,
     created_at, updated_at)
SELECT %(owner)s, 'bench goal ' || i, t.goal_type, t.target,
       t.target * mod(i * 37, 130) / 100, t.target * mod(i * 37, 130) / 100 + mod(i, 5),
       CASE WHEN t.goal_type = 'monthly_return' THEN 10000 END,
       %(today)s::date - (30 + mod(i, 30)),
       CASE WHEN mod(i, 10) <> 0 THEN %(today)s::date + (mod(i, 61) - 20) END,
       'active', 15, 0.5, 1.3, 'reduce', now(), now()
FROM generate_series(1, %(n)s) AS i
CROSS JOIN LATERAL (SELECT
    (ARRAY['monthly_return', 'monthly_income', 'portfolio_value'])[1 + mod(i, 3)] AS goal_type,
    CASE WHEN mod(i, 3) = 0 THEN 1 + mod(i, 10) ELSE 1000 + mod(i, 9000) END::numeric AS target) t
"""

# The floor: the same rows, written the plainest way.
FLOOR_SQL = """
INSERT INTO goal_progress_history
    (goal_id, snapshot_at, period_start, current_value, target_value, progress_pct, status, source)
SELECT id, %(now)s, %(period)s, current_value, target_value,
       ROUND(current_value / target_value * 100, 2), {status}, 'periodic'
FROM financial_goals
WHERE state = 'active'
""".format(
    status=progress.status_sql(
        "ROUND(current_value / target_value * 100, 2)",
        "(CASE WHEN target_date IS NULL THEN NULL"
        " ELSE ROUND(LEAST(GREATEST(%(today)s::date - start_date, 0), target_date - start_date)::numeric"
        " / (target_date - start_date) * 100, 2) END)",
        "(target_date IS NOT NULL AND %(today)s::date > target_date)",
    )
)


def sql(statement: str, params=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def scalar(statement: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()[0]


def delete_bench_data(user) -> None:
    """The bench goals and their history (set-based: the ORM's cascade would load 100k rows), then the user."""
    sql(
        "DELETE FROM goal_progress_history h USING financial_goals g WHERE h.goal_id = g.id AND g.owner_id = %s",
        [user.pk],
    )
    sql("DELETE FROM financial_goals WHERE owner_id = %s", [user.pk])
    user.delete()


def empty_period(period: dt.datetime) -> None:
    """Delete the bench period's periodic rows and vacuum, so every timed run starts from the same table."""
    sql("DELETE FROM goal_progress_history WHERE source = 'periodic' AND period_start = %s", [period])
    sql("VACUUM goal_progress_history")


def run_service(now: dt.datetime) -> tuple[float, int, list[str]]:
    """Time the service; also return the statements it sent (Django logs BEGIN and COMMIT too)."""
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        rows = goals_snapshot(now=now)
        elapsed = time.perf_counter() - started
    return elapsed, rows, [q["sql"].split(None, 1)[0].upper() for q in queries.captured_queries]


def run_floor(now: dt.datetime) -> tuple[float, int]:
    params = {"now": now, "period": snapshot_period_start(now), "today": now.date()}
    started = time.perf_counter()
    with transaction.atomic():
        rows = sql(FLOOR_SQL, params)
    return time.perf_counter() - started, rows


def check_same_rows(now: dt.datetime) -> None:
    """The floor writes exactly the service's rows (run once, untimed; also warms the caches)."""
    period = snapshot_period_start(now)
    empty_period(period)
    goals_snapshot(now=now)
    sql(
        "CREATE TEMP TABLE bench_service AS SELECT goal_id, snapshot_at, current_value, target_value, progress_pct,"
        " status FROM goal_progress_history WHERE source = 'periodic' AND period_start = %s",
        [period],
    )
    empty_period(period)
    run_floor(now)
    differ = scalar(
        "SELECT count(*) FROM ((TABLE bench_service EXCEPT SELECT goal_id, snapshot_at, current_value, target_value,"
        " progress_pct, status FROM goal_progress_history WHERE source = 'periodic' AND period_start = %s)"
        " UNION ALL (SELECT goal_id, snapshot_at, current_value, target_value, progress_pct, status"
        " FROM goal_progress_history WHERE source = 'periodic' AND period_start = %s EXCEPT TABLE bench_service)) d",
        [period, period],
    )
    sql("DROP TABLE bench_service")
    if differ:
        raise SystemExit(f"The floor does not write the service's rows: {differ} rows differ.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--goals", type=int, default=100_000, help="active bench goals to create (default 100000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each; the median is reported")
    parser.add_argument("--keep", action="store_true", help="keep the bench user and goals")
    args = parser.parse_args()
    if args.goals < 1 or args.repeat < 1:
        parser.error("--goals and --repeat must be at least 1")

    # Everything here runs in autocommit or in one atomic block (PgBouncer's transaction pooling;
    # VACUUM refuses to run inside a transaction).
    connection.ensure_connection()
    period = snapshot_period_start(BENCH_NOW)
    User = get_user_model()
    leftover = User.objects.filter(username=BENCH_USER).first()
    if leftover:
        print(f"Removing the bench data of an earlier run ({BENCH_USER}).")
        delete_bench_data(leftover)
    user = User.objects.create_user(username=BENCH_USER)
    try:
        started = time.perf_counter()
        with transaction.atomic():
            sql(CREATE_GOALS_SQL, {"owner": user.pk, "today": BENCH_NOW.date(), "n": args.goals})
        sql("ANALYZE financial_goals")
        bench_goals = scalar("SELECT count(*) FROM financial_goals WHERE owner_id = %s", [user.pk])
        active = scalar("SELECT count(*) FROM financial_goals WHERE state = 'active'")
        print(
            f"Created {bench_goals} active goals for {BENCH_USER} in {time.perf_counter() - started:.2f} s; "
            f"{active} active goals in the database (both (a) and (b) snapshot all of them)."
        )

        check_same_rows(BENCH_NOW)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT status, count(*) FROM goal_progress_history WHERE source = 'periodic' AND period_start = %s"
                " GROUP BY status ORDER BY status",
                [period],
            )
            statuses = dict(cursor.fetchall())
        print(f"Floor rows equal the service's rows. Statuses: {statuses}")

        service_times, floor_times, statements = [], [], set()
        for _ in range(args.repeat):
            empty_period(period)
            elapsed, rows, sent = run_service(BENCH_NOW)
            service_times.append(elapsed)
            statements.add(" ".join(sent))
            empty_period(period)
            elapsed, floor_rows = run_floor(BENCH_NOW)
            floor_times.append(elapsed)
            if rows != active or floor_rows != active:
                raise SystemExit(f"Expected {active} rows, the service wrote {rows} and the floor {floor_rows}.")

        empty_period(period)
        goals_snapshot(now=BENCH_NOW)
        again = goals_snapshot(now=BENCH_NOW)
        empty_period(period)

        service, floor = statistics.median(service_times), statistics.median(floor_times)
        print()
        header = (
            f"{'N':>9} {'active':>9} {'(a) service s':>14} {'(b) floor s':>12} {'ratio a/b':>10} {'queries (a)':>12}"
        )
        print(header)
        counts = "/".join(str(len(s.split())) for s in sorted(statements))
        print(f"{bench_goals:>9} {active:>9} {service:>14.3f} {floor:>12.3f} {service / floor:>10.2f} {counts:>12}")
        print(f"queries (a), as sent: {' | '.join(sorted(statements))}")
        print(
            f"runs (s): service {', '.join(f'{t:.3f}' for t in service_times)}; "
            f"floor {', '.join(f'{t:.3f}' for t in floor_times)}"
        )
        print(f"Second service run in the same period wrote {again} rows (idempotent: expected 0).")
        target = "met" if service / floor <= 1.5 else "MISSED"
        print(f"Target ratio <= 1.5: {target}.")
    finally:
        empty_period(period)
        if args.keep:
            print(f"Kept {BENCH_USER} and its goals (--keep).")
        else:
            delete_bench_data(user)


if __name__ == "__main__":
    main()
