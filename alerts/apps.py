from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"

    def ready(self):
        """Other apps' after-commit hooks start the evaluations; a broker that is down
        must not fail the caller's request (the periodic tick catches up)."""
        from goals.services import on_goal_progress_changed
        from mastertrade.core.dispatch import enqueue_on_commit
        from observability.metrics import SCRAPE_TIME_REGISTRY
        from risk.services import on_sizing_decided
        from strategies.services import on_strategy_status_changed
        from trades.services import on_trade_recorded

        from . import tasks
        from .metrics import FiringCollector

        on_goal_progress_changed(lambda goal_id: enqueue_on_commit(tasks.evaluate_goal, goal_id))
        on_strategy_status_changed(lambda pk, status: enqueue_on_commit(tasks.evaluate_strategy, pk))

        @on_trade_recorded
        def _trade(trade):
            if trade.strategy_id is not None and trade.status == "closed":
                enqueue_on_commit(tasks.evaluate_strategy, trade.strategy_id)

        @on_sizing_decided
        def _sizing(adjustment):
            if adjustment.stance in ("protective", "halted"):
                enqueue_on_commit(tasks.evaluate_goal, adjustment.goal_id)

        SCRAPE_TIME_REGISTRY.register(FiringCollector())
