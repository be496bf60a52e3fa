from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "risk"

    def ready(self):
        from goals.services import on_goal_changed, on_goal_value_set

        from .inputs import goal_guard_track
        from .services import goal_reach_refresh

        # The drawdown guard's peak and clock follow the goal's value (inside the write).
        on_goal_value_set(goal_guard_track)

        # A goal's value (progress update or closed trade), target, dates or settings changed.
        on_goal_changed(lambda goal_id: goal_reach_refresh(goal_id=goal_id))
