from django.apps import AppConfig


class TradesConfig(AppConfig):
    """trades depends on goals and strategies (a trade names the strategy that made it);
    neither imports trades. Strategy performance reads closed trades through the source
    registered here."""

    name = "trades"

    def ready(self):
        from strategies.selectors import closed_trade_stats_source

        from .selectors import closed_trade_stats_by_strategy

        closed_trade_stats_source(closed_trade_stats_by_strategy)
