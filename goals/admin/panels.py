"""Sections other apps add to a goal's detail page (trades, sizing decisions, strategy
selections) with `@goal_panel`, so goals imports none of them."""

from collections.abc import Callable
from dataclasses import dataclass

from goals.models import FinancialGoal

PANEL_ROWS = 10


@dataclass
class GoalPanel:
    """A table on the goal's page. Cells are text or safe HTML (format_html)."""

    title: str
    headers: list[str]
    rows: list[list]
    more_url: str | None = None
    empty: str = "None yet."


_goal_panels: list[Callable] = []


def goal_panel(func: Callable) -> Callable:
    """Register `func(request, goal) -> GoalPanel | None` (None: not shown to this user)."""
    _goal_panels.append(func)
    return func


def goal_panels(request, goal: FinancialGoal) -> list[GoalPanel]:
    return [panel for panel in (func(request, goal) for func in _goal_panels) if panel is not None]
