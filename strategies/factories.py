from decimal import Decimal

import factory

from mastertrade.factories import UserFactory

from .models import StrategyInstance, StrategySelection


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


def selection_for(goal, strategy, **extra):
    """A recorded selection of `strategy` for `goal` (balanced, one eligible candidate)."""
    return StrategySelection.objects.create(
        owner=goal.owner,
        goal=goal,
        selected=strategy,
        stance="balanced",
        progress_pct=Decimal("40"),
        reason="On track: balanced.",
        ranking=[{"strategy_id": strategy.strategy_id, "score": "0.5", "eligible": True, "note": ""}],
        **extra,
    )
