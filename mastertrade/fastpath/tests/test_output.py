"""The `output` piece against DRF's own path: each serializer's output by plan (fields built
once per class) compared with a plain DRF twin of it, whose fields DRF builds for every
instance and whose output is DRF's Serializer.to_representation."""

import copy
import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from rest_framework import serializers

from goals.api.serializers import GoalSerializer
from goals.factories import GoalFactory
from mastertrade.core.serializers import Serializer, decimal_field
from mastertrade.fastpath.output import _build_plan, _shallow_copy
from trades.api.serializers import TradeSerializer
from trades.factories import TradeFactory

pytestmark = pytest.mark.django_db


def drf_twin(serializer_class):
    """`serializer_class` with DRF's own get_fields (a ModelSerializer's introspection, or
    a deep copy of the declared fields) and DRF's own to_representation: neither of the
    output piece's mixins takes part."""
    base = serializers.ModelSerializer if issubclass(serializer_class, serializers.ModelSerializer) else None
    base = base or serializers.Serializer

    class Twin(serializer_class):
        def get_fields(self):
            return base.get_fields(self)

        def to_representation(self, instance):
            return serializers.Serializer.to_representation(self, instance)

    Twin.__name__ = f"Drf{serializer_class.__name__}"
    return Twin


def test_the_twin_takes_no_shortcut(user):
    goal = GoalFactory(owner=user)
    twin = drf_twin(GoalSerializer)(goal)
    assert "_fields_prototype" not in type(twin).__dict__
    assert twin.fields["name"] is not drf_twin(GoalSerializer)(goal).fields["name"]  # built per instance


@pytest.mark.parametrize("capital_base", [None, Decimal("12000.50")])
def test_goal_output_by_plan_is_drfs_output(user, capital_base):
    goal = GoalFactory(owner=user, capital_base=capital_base, reach_probability=Decimal("0.4321"))
    assert _build_plan(GoalSerializer) is not None
    assert GoalSerializer(goal).data == drf_twin(GoalSerializer)(goal).data
    assert GoalSerializer([goal, goal], many=True).data == drf_twin(GoalSerializer)([goal, goal], many=True).data


def test_trade_output_by_plan_is_drfs_output(user):
    trade = TradeFactory(owner=user)
    assert TradeSerializer(trade).data == drf_twin(TradeSerializer)(trade).data


def test_sizing_answer_by_plan_is_drfs_output(user):
    from risk.api.serializers import PositionSizeSerializer
    from risk.factories import AdjustmentFactory

    goal = GoalFactory(owner=user)
    adjustment = AdjustmentFactory(
        goal=goal, base_position_size=Decimal("1000.5"), progress_pct=Decimal("12.5"), adjusted_size=Decimal("1100.55")
    )
    adjustment.refresh_from_db()  # as read back: the columns' scales
    assert PositionSizeSerializer(adjustment).data == drf_twin(PositionSizeSerializer)(adjustment).data


def test_output_off_is_drfs_output(user, settings):
    goal = GoalFactory(owner=user)
    fast = GoalSerializer(goal).data
    settings.FASTPATH_OFF = frozenset({"output"})
    assert GoalSerializer(goal).data == fast == drf_twin(GoalSerializer)(goal).data


class _Shortcuts(Serializer):
    amount = decimal_field((12, 2))
    at = serializers.DateTimeField()
    label = serializers.CharField(source="describe")  # a method: DRF calls it
    nested_id = serializers.IntegerField(source="inner.pk")


class _Inner:
    pk = 7


class _Thing:
    inner = _Inner()

    def __init__(self, amount, at):
        self.amount, self.at = amount, at

    def describe(self):
        return f"thing {self.amount}"


@pytest.mark.parametrize(
    "amount, at",
    [
        (Decimal("12.30"), dt.datetime(2026, 11, 26, 3, 4, 5, 123456, tzinfo=dt.UTC)),  # the column's scale
        (Decimal("12.3"), dt.datetime(2026, 6, 1, 12, 0, tzinfo=ZoneInfo("America/New_York"))),  # other scale, zone
        (Decimal("-0.00"), dt.datetime(2026, 1, 1)),  # naive: DRF makes it aware
        (Decimal("1E+3"), "2026-01-01T00:00:00Z"),  # exponent form; a string passes through
    ],
)
@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris"])
def test_output_shortcuts_give_drfs_output(amount, at, zone):
    from django.utils import timezone

    plan = {name: (attr, represent) for name, _, _, attr, represent in _build_plan(_Shortcuts)}
    assert plan["amount"][0] == "amount" and plan["amount"][1] is not None
    assert plan["at"][1] is not None and plan["nested_id"][0] is None  # two attributes deep: DRF reads it
    thing = _Thing(amount, at)
    with timezone.override(ZoneInfo(zone)):
        assert _Shortcuts(thing).data == drf_twin(_Shortcuts)(thing).data
        row = {"amount": amount, "at": at, "describe": "a mapping", "inner": {"pk": 1}}
        assert _Shortcuts(row).data == drf_twin(_Shortcuts)(row).data


class _ContextField(serializers.IntegerField):
    def to_representation(self, value):
        return value + self.context["offset"]


class _WithContext(Serializer):
    plain = serializers.IntegerField(source="pk")
    seen = serializers.SerializerMethodField()

    def get_seen(self, obj):
        return self.context["who"]


class _CustomOutput(Serializer):
    shifted = _ContextField(source="pk")


def test_method_fields_see_their_own_instances_context(user):
    goal = GoalFactory(owner=user)
    assert _WithContext(goal, context={"who": "a"}).data == {"plain": goal.pk, "seen": "a"}
    assert _WithContext(goal, context={"who": "b"}).data == {"plain": goal.pk, "seen": "b"}


def test_a_field_with_its_own_output_keeps_drfs_path(user):
    goal = GoalFactory(owner=user)
    assert _build_plan(_CustomOutput) is None
    assert _CustomOutput(goal, context={"offset": 5}).data == {"shifted": goal.pk + 5}


def test_fields_are_copied_as_copy_copy_copies_them():
    from risk.api.serializers import PositionSizeInputSerializer

    for field in PositionSizeInputSerializer._declared_fields.values():
        ours, python = _shallow_copy(field), copy.copy(field)
        assert type(ours) is type(python) and ours is not field
        assert ours.__dict__ == python.__dict__


class _Parent(Serializer):
    a = serializers.IntegerField()


class _Child(_Parent):
    b = serializers.CharField()


def test_a_subclass_renders_its_own_fields():
    """Fields built once per class: the parent's, built first, are not the child's."""
    row = {"a": 1, "b": "two"}
    assert _Parent(row).data == drf_twin(_Parent)(row).data == {"a": 1}
    assert _Child(row).data == drf_twin(_Child)(row).data == {"a": 1, "b": "two"}
