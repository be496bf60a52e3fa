import logging

from django.apps import AppConfig

logger = logging.getLogger(__name__)


def _enqueue(task, *args) -> None:
    """After commit, from another app's hook: publish to the broker (no SQL). A broker
    that is down must not fail the caller's request; the periodic tick catches up."""
    try:
        task.apply_async(args, retry=False)
    except Exception:
        logger.warning("alerts: broker unreachable, %s%s left to the tick", task.name, args)


class AlertsConfig(AppConfig):
    name = "alerts"

    def ready(self):
        from goals.services import on_goal_progress_changed
        from observability.metrics import SCRAPE_TIME_REGISTRY
        from risk.services import on_sizing_decided
        from strategies.services import on_strategy_status_changed
        from trades.services import on_trade_recorded

        from . import tasks
        from .metrics import FiringCollector

        on_goal_progress_changed(lambda goal_id: _enqueue(tasks.evaluate_goal, goal_id))
        on_strategy_status_changed(lambda pk, status: _enqueue(tasks.evaluate_strategy, pk))

        @on_trade_recorded
        def _trade(trade):
            if trade.strategy_id is not None and trade.status == "closed":
                _enqueue(tasks.evaluate_strategy, trade.strategy_id)

        @on_sizing_decided
        def _sizing(adjustment):
            if adjustment.stance in ("protective", "halted"):
                _enqueue(tasks.evaluate_goal, adjustment.goal_id)

        SCRAPE_TIME_REGISTRY.register(FiringCollector())
