from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "risk"

    def ready(self):
        from goals.services import on_goal_changed

        from .services import goal_reach_refresh

        # A goal's value (progress update or closed trade), target, dates or settings changed.
        on_goal_changed(lambda goal_id: goal_reach_refresh(goal_id=goal_id))
