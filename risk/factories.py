from decimal import Decimal

import factory

from goals.factories import GoalFactory

from .models import GoalAdjustment


class AdjustmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GoalAdjustment

    goal = factory.SubFactory(GoalFactory)
    owner = factory.LazyAttribute(lambda o: o.goal.owner)
    base_position_size = Decimal("1000")
    current_value = factory.LazyAttribute(lambda o: o.goal.current_value)
    target_value = factory.LazyAttribute(lambda o: o.goal.target_value)
    progress_pct = Decimal("0")
    drawdown_pct = Decimal("0")
    adjustment_factor = Decimal("1.1")
    adjusted_size = Decimal("1100")
    stance = "aggressive"
    reason = "Behind the goal."
