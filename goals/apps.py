from django.apps import AppConfig


class GoalsConfig(AppConfig):
    name = "goals"

    def ready(self):
        from observability import metrics

        from .selectors import goal_counts_by_status_and_state

        metrics.goal_counts_source(goal_counts_by_status_and_state)
