"""Goals in the admin, one concern per module: `display` (derived values as people read
them), `chart` (the progress chart), `panels` (sections other apps add to a goal's page),
`forms` (the goal form) and `goal` (the ModelAdmin, registered on import)."""

from .display import status_reason
from .goal import FinancialGoalAdmin
from .panels import PANEL_ROWS, GoalPanel, goal_panel

__all__ = ["PANEL_ROWS", "FinancialGoalAdmin", "GoalPanel", "goal_panel", "status_reason"]
