import datetime as dt
from decimal import Decimal

import factory

from mastertrade.core import clock
from mastertrade.factories import UserFactory

from .models import Trade


class TradeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trade

    owner = factory.SubFactory(UserFactory)
    symbol = "BTCUSDT"
    side = "LONG"
    quantity = Decimal("1")
    entry_price = Decimal("100")
    entry_time = factory.LazyFunction(lambda: clock.now() - dt.timedelta(hours=1))
    status = "open"

    class Params:
        closed = factory.Trait(
            status="closed",
            exit_price=Decimal("110"),
            profit_loss=Decimal("10"),
            exit_time=factory.LazyFunction(clock.now),
        )
