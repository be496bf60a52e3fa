from django.apps import AppConfig


class StrategiesConfig(AppConfig):
    name = "strategies"

    def ready(self):
        from trades.services import on_trade_recorded

        from .selectors import strategy_performance_invalidate

        @on_trade_recorded
        def invalidate_performance(trade):
            if trade.strategy_id is not None:
                strategy_performance_invalidate(strategy_pk=trade.strategy_id)
