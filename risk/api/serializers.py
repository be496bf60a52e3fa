from rest_framework import serializers

from goals.api.fields import OwnedGoalField
from mastertrade.core.money import FACTOR, PERCENT, QUANTITY
from mastertrade.core.serializers import (
    ModelSerializer,
    QuerySerializer,
    Serializer,
    StrictSerializer,
    decimal_field,
    decimal_from_model,
)
from risk.models import GoalAdjustment, Stance


def _model_field(name):
    return GoalAdjustment._meta.get_field(name)


class PositionSizeInputSerializer(StrictSerializer):
    """A sizing question. Limits come from the audit row's model fields."""

    goal = OwnedGoalField()
    base_position_size = decimal_from_model(_model_field("base_position_size"))
    portfolio_value = decimal_from_model(_model_field("portfolio_value"), required=False)
    symbol = serializers.RegexField(r"^[A-Za-z0-9._/:-]{1,32}$", required=False, allow_blank=True, max_length=32)


class PositionSizeSerializer(Serializer):
    """The sizing answer. A plain Serializer (not a ModelSerializer): this is the
    trading engine's hot path, and field introspection per request costs."""

    goal = serializers.IntegerField(source="goal_id")
    base_position_size = decimal_field(QUANTITY)
    adjusted_size = decimal_field(QUANTITY)
    adjustment_factor = decimal_field(FACTOR)
    stance = serializers.ChoiceField(choices=Stance.choices)
    reason = serializers.CharField()
    progress_pct = decimal_field(PERCENT)
    adjustment_id = serializers.IntegerField(source="id")


class AdjustmentSerializer(ModelSerializer):
    class Meta:
        model = GoalAdjustment
        fields = [
            "id",
            "goal",
            "symbol",
            "base_position_size",
            "portfolio_value",
            "current_value",
            "target_value",
            "progress_pct",
            "expected_pct",
            "drawdown_pct",
            "adjustment_factor",
            "adjusted_size",
            "stance",
            "reason",
            "policy",
            "policy_version",
            "min_factor",
            "max_factor",
            "max_drawdown_pct",
            "on_achieved",
            "peak_value",
            "days_since_peak",
            "days_since_fall",
            "mu",
            "sigma",
            "target_return",
            "horizon_days",
            "reach_probability",
            "created_at",
        ]
        read_only_fields = fields


class AdjustmentFilterSerializer(QuerySerializer):
    goal = OwnedGoalField(required=False)
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)
    page = serializers.IntegerField(required=False, min_value=1)


class StrictFloatField(serializers.FloatField):
    """A number, never a boolean (DRF's FloatField takes true as 1.0)."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class SimulateInputSerializer(StrictSerializer):
    goal = OwnedGoalField()
    mu = StrictFloatField(required=False, min_value=-2, max_value=2)
    sigma = StrictFloatField(required=False, min_value=0.01, max_value=3)
    source = serializers.ChoiceField(choices=["model", "my_trades"], required=False, default="model")
    paths = serializers.IntegerField(required=False, min_value=100, max_value=20000, default=5000)


class SimulateSerializer(serializers.Serializer):
    goal = serializers.IntegerField()
    source = serializers.CharField()
    mu = serializers.FloatField()
    sigma = serializers.FloatField()
    paths = serializers.IntegerField()
    days_left = serializers.IntegerField()
    p_reach = serializers.DictField(child=serializers.FloatField())
    p_drawdown_beyond_limit = serializers.DictField(child=serializers.FloatField())
    expected_shortfall_pct = serializers.DictField(child=serializers.FloatField())
    p_below_minus_10 = serializers.DictField(child=serializers.FloatField())
    median_days_to_reach = serializers.DictField(child=serializers.FloatField(allow_null=True))
