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
