from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404

from mastertrade.core import clock
from mastertrade.fastpath import statements

from . import progress
from .models import FinancialGoal, GoalProgressSnapshot


def goal_list_for_user(*, user) -> QuerySet[FinancialGoal]:
    return FinancialGoal.objects.filter(owner=user).order_by("-created_at", "-id")


def goal_get_for_user(*, user, goal_id) -> FinancialGoal:
    """The only way API code reaches a goal: someone else's (or no) goal is a 404."""
    try:
        goal_id = int(goal_id)
    except (TypeError, ValueError):
        raise Http404("No such goal.") from None
    if not 0 < goal_id < 2**63 or user.pk is None:
        raise Http404("No such goal.")
    # One precompiled SELECT: compiling the ORM query was a fifth of a goal read's CPU.
    goal = statements.get(FinancialGoal, id=goal_id, owner_id=user.pk)
    if goal is None:
        raise Http404("No such goal.")
    return goal


def goal_history(*, goal: FinancialGoal) -> QuerySet[GoalProgressSnapshot]:
    return GoalProgressSnapshot.objects.filter(goal=goal).order_by("snapshot_at", "id")


def goal_filter_by_status(*, queryset: QuerySet[FinancialGoal], status: str, today) -> QuerySet[FinancialGoal]:
    """The goals of `queryset` whose derived status (as `goal.status(today)`) is `status`,
    filtered in the database with the one SQL form of the status (goals.progress), the
    same the snapshots and the goals metric use."""
    joins = progress.goal_status_sql_joins().replace("%(today)s", "%s")
    ids = f"SELECT g.id FROM financial_goals g {joins} WHERE s.status = %s"
    # SQL from goals.progress's constants; today and the status are parameters.
    return queryset.filter(pk__in=RawSQL(ids, [today] * joins.count("%s") + [status]))  # noqa: S611


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
