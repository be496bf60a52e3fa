import factory

from mastertrade.factories import UserFactory

from .models import StrategyInstance


class StrategyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StrategyInstance

    owner = factory.SubFactory(UserFactory)
    strategy_id = factory.Sequence(lambda n: f"strategy-{n}")
    name = factory.LazyAttribute(lambda o: o.strategy_id.replace("-", " ").title())
    strategy_type = "momentum"
    risk_profile = "moderate"
    parameters = factory.LazyFunction(dict)
    status = "active"
