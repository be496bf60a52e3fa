import datetime as dt
from decimal import Decimal

import factory

from mastertrade.core import clock
from mastertrade.factories import UserFactory

from .models import FinancialGoal, GoalProgressSnapshot, GoalType


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FinancialGoal

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Goal {n}")
    goal_type = GoalType.MONTHLY_INCOME
    target_value = Decimal("1000")
    current_value = Decimal("0")
    peak_value = factory.LazyAttribute(lambda o: max(o.current_value, Decimal("0")))
    start_date = factory.LazyFunction(clock.today)
    target_date = factory.LazyAttribute(lambda o: o.start_date + dt.timedelta(days=30))
    calendar = "24/7"  # pace by calendar days: a test's figures don't depend on the weekday it runs


class SnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GoalProgressSnapshot

    goal = factory.SubFactory(GoalFactory)
    current_value = factory.LazyAttribute(lambda o: o.goal.current_value)
    target_value = factory.LazyAttribute(lambda o: o.goal.target_value)
    progress_pct = factory.LazyAttribute(lambda o: o.goal.progress_pct())
    status = "on_track"
    source = "update"
