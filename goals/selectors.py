from functools import cache

from django.db import connection, connections, router
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404

from mastertrade.core import clock

from . import progress
from .models import FinancialGoal, GoalProgressSnapshot


def goal_list_for_user(*, user) -> QuerySet[FinancialGoal]:
    return FinancialGoal.objects.filter(owner=user).order_by("-created_at", "-id")


@cache
def _goal_by_owner_sql() -> tuple[str, list[str]]:
    """The one-row read behind every goal request (sizing, selection, the goal itself),
    written once: building and compiling the same ORM query on every request cost a
    fifth of a request's CPU (bench/api.py). The same columns as `.get()`."""
    fields = FinancialGoal._meta.concrete_fields
    columns = ", ".join(f'"{f.column}"' for f in fields)
    sql = f'SELECT {columns} FROM "{FinancialGoal._meta.db_table}" WHERE "id" = %s AND "owner_id" = %s'
    return sql, [f.attname for f in fields]


def goal_get_for_user(*, user, goal_id) -> FinancialGoal:
    """The only way API code reaches a goal: someone else's (or no) goal is a 404."""
    try:
        goal_id = int(goal_id)
    except (TypeError, ValueError):
        raise Http404("No such goal.") from None
    if not 0 < goal_id < 2**63 or user.pk is None:
        raise Http404("No such goal.")
    sql, attnames = _goal_by_owner_sql()
    alias = router.db_for_read(FinancialGoal)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [goal_id, user.pk])
        row = cursor.fetchone()
    if row is None:
        raise Http404("No such goal.")
    return FinancialGoal.from_db(alias, attnames, row)


def goal_history(*, goal: FinancialGoal) -> QuerySet[GoalProgressSnapshot]:
    return GoalProgressSnapshot.objects.filter(goal=goal).order_by("snapshot_at", "id")


def goal_filter_by_status(*, queryset: QuerySet[FinancialGoal], status: str, today) -> QuerySet[FinancialGoal]:
    """The goals of `queryset` whose derived status (as `goal.status(today)`) is `status`,
    filtered in the database with the one SQL form of the status (goals.progress), the
    same the snapshots and the goals metric use."""
    joins = progress.goal_status_sql_joins().replace("%(today)s", "%s")
    sql = f"SELECT g.id FROM financial_goals g {joins} WHERE s.status = %s"
    # SQL from goals.progress's constants; today and the status are parameters.
    return queryset.filter(pk__in=RawSQL(sql, [today] * joins.count("%s") + [status]))  # noqa: S611


GOAL_COUNTS_SQL = """
SELECT s.status, g.state, count(*)
FROM financial_goals g
{joins}
GROUP BY 1, 2
"""


def goal_counts_by_status_and_state(*, today=None) -> dict[tuple[str, str], int]:
    """{(status, state): number of goals}, status computed in SQL exactly as the
    snapshots do (one query); the source of the `mastertrade_goals` metric."""
    with connection.cursor() as cursor:
        cursor.execute(
            GOAL_COUNTS_SQL.format(joins=progress.goal_status_sql_joins()), {"today": today or clock.today()}
        )
        return {(status, state): count for status, state, count in cursor.fetchall()}
