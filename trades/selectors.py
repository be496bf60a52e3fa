from django.db import connection
from django.db.models import QuerySet
from django.http import Http404

from .models import Trade


def trade_list_for_user(*, user) -> QuerySet[Trade]:
    return Trade.objects.filter(owner=user).select_related("strategy").order_by("-entry_time", "-id")


def trade_get_for_user(*, user, trade_id) -> Trade:
    try:
        return trade_list_for_user(user=user).get(pk=int(trade_id))
    except (Trade.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Http404("No such trade.") from None


STRATEGY_STATS_SQL = """
WITH t AS (
    SELECT strategy_id, exit_time, id, profit_loss,
           profit_loss / (entry_price * quantity) AS ret,
           SUM(profit_loss) OVER (PARTITION BY strategy_id ORDER BY exit_time, id ROWS UNBOUNDED PRECEDING) AS cum
    FROM trades
    WHERE status = 'closed' AND strategy_id = ANY(%s)
), d AS (
    SELECT strategy_id, profit_loss, ret, cum,
           GREATEST(0, MAX(cum) OVER (PARTITION BY strategy_id ORDER BY exit_time, id ROWS UNBOUNDED PRECEDING)) AS peak
    FROM t
)
SELECT strategy_id, COUNT(*), COUNT(*) FILTER (WHERE profit_loss > 0), SUM(profit_loss), AVG(profit_loss),
       AVG(ret), STDDEV_SAMP(ret), MAX(peak - cum), SUM(ABS(profit_loss))
FROM d
GROUP BY strategy_id
"""


def closed_trade_stats_by_strategy(strategy_pks: list[int]) -> list[tuple]:
    """Per strategy with closed trades: (strategy pk, trades, wins, total P&L, mean P&L,
    mean return, sample standard deviation of returns, max drawdown of cumulative P&L),
    in one aggregate query. A trade's return is profit_loss / (entry_price × quantity)."""
    with connection.cursor() as cursor:
        cursor.execute(STRATEGY_STATS_SQL, [strategy_pks])
        return cursor.fetchall()
