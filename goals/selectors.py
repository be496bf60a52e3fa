from django.db.models import QuerySet
from django.http import Http404

from .models import FinancialGoal, GoalProgressSnapshot


def goal_list_for_user(*, user) -> QuerySet[FinancialGoal]:
    return FinancialGoal.objects.filter(owner=user).order_by("-created_at", "-id")


def goal_get_for_user(*, user, goal_id) -> FinancialGoal:
    """The only way API code reaches a goal: someone else's (or no) goal is a 404."""
    try:
        return FinancialGoal.objects.get(owner=user, pk=int(goal_id))
    except (FinancialGoal.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Http404("No such goal.") from None


def goal_history(*, goal: FinancialGoal) -> QuerySet[GoalProgressSnapshot]:
    return GoalProgressSnapshot.objects.filter(goal=goal).order_by("snapshot_at", "id")


def _status_sql() -> str:
    """`FinancialGoal.status(today)` as SQL over the goal's own columns (today is a parameter)."""
    from . import progress

    g = "financial_goals"
    pct = f"ROUND({g}.current_value / {g}.target_value * 100, 2)"
    expected = (
        f"(CASE WHEN {g}.target_date IS NULL THEN NULL"
        f" WHEN {g}.target_date <= {g}.start_date THEN 100.00"
        f" ELSE ROUND(LEAST(GREATEST(%s::date - {g}.start_date, 0), {g}.target_date - {g}.start_date)::numeric"
        f" / ({g}.target_date - {g}.start_date) * 100, 2) END)"
    )
    passed = f"({g}.target_date IS NOT NULL AND %s::date > {g}.target_date)"
    return progress.status_sql(pct, expected, passed)


def goal_filter_by_status(*, queryset: QuerySet[FinancialGoal], status: str, today) -> QuerySet[FinancialGoal]:
    """The goals of `queryset` whose derived status (as `goal.status(today)`) is `status`,
    filtered in the database with the thresholds of goals.progress."""
    from django.db.models.expressions import RawSQL

    sql = _status_sql()
    # Built from the constants of goals.progress; the only value, today, is a parameter.
    expression = RawSQL(sql, [today] * sql.count("%s"))  # noqa: S611
    return queryset.annotate(derived_status=expression).filter(derived_status=status)
