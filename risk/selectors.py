import datetime as dt

from django.db.models import QuerySet

from goals.models import FinancialGoal

from .models import GoalAdjustment


def adjustment_list_for_user(
    *, user, goal: FinancialGoal | None = None, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> QuerySet[GoalAdjustment]:
    """A user's sizing decisions, newest first, optionally for one goal and a time range."""
    qs = GoalAdjustment.objects.filter(owner=user)
    if goal is not None:
        qs = qs.filter(goal=goal)
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    if until is not None:
        qs = qs.filter(created_at__lt=until)
    return qs.order_by("-created_at", "-id")
