from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from goals import progress
from goals.models import FinancialGoal, GoalProgressSnapshot
from mastertrade.core.money import AMOUNT, FACTOR, PERCENT
from mastertrade.core.serializers import ModelSerializer, StrictInputMixin, StrictSerializer, decimal_field


class GoalSerializer(StrictInputMixin, ModelSerializer):
    target_value = decimal_field(AMOUNT, positive=True)
    current_value = decimal_field(AMOUNT, required=False)
    capital_base = decimal_field(AMOUNT, positive=True, required=False, allow_null=True)
    max_drawdown_pct = decimal_field(PERCENT, positive=True, max_value=100, required=False)
    min_factor = decimal_field(FACTOR, non_negative=True, max_value=1, required=False)
    max_factor = decimal_field(FACTOR, min_value=1, max_value=3, required=False)
    peak_value = decimal_field(AMOUNT, read_only=True)
    start_value = decimal_field(AMOUNT, read_only=True, allow_null=True)
    reach_probability = serializers.DecimalField(max_digits=5, decimal_places=4, read_only=True, allow_null=True)
    reach_mu = serializers.DecimalField(max_digits=8, decimal_places=4, read_only=True, allow_null=True)
    reach_sigma = serializers.DecimalField(max_digits=8, decimal_places=4, read_only=True, allow_null=True)
    progress_pct = serializers.SerializerMethodField()
    expected_pct = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()

    class Meta:
        model = FinancialGoal
        fields = [
            "id",
            "name",
            "goal_type",
            "target_value",
            "current_value",
            "capital_base",
            "start_date",
            "target_date",
            "state",
            "max_drawdown_pct",
            "min_factor",
            "max_factor",
            "on_achieved",
            "progress_pct",
            "expected_pct",
            "status",
            "peak_value",
            "start_value",
            "sizing_policy",
            "reach_probability",
            "reach_mu",
            "reach_sigma",
            "reach_source",
            "reach_trades",
            "reach_updated_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at", "reach_source", "reach_trades", "reach_updated_at"]

    def get_progress_pct(self, goal) -> str:
        return str(goal.progress_pct())

    def get_expected_pct(self, goal) -> str | None:
        expected = goal.expected_pct()
        return None if expected is None else str(expected)

    @extend_schema_field(serializers.ChoiceField(choices=progress.STATUS_CHOICES))
    def get_status(self, goal) -> str:
        return goal.status()

    def validate(self, attrs):
        instance = self.instance
        start = attrs.get("start_date", getattr(instance, "start_date", None))
        deadline = attrs.get("target_date", getattr(instance, "target_date", None))
        if start and deadline and deadline <= start:
            raise serializers.ValidationError({"target_date": ["Must be after start_date."]})
        low = attrs.get("min_factor", getattr(instance, "min_factor", None))
        high = attrs.get("max_factor", getattr(instance, "max_factor", None))
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"min_factor": ["Must not exceed max_factor."]})
        return attrs


class GoalUpdateSerializer(GoalSerializer):
    """PATCH: goal_type and current_value are fixed here (progress has its own endpoint)."""

    current_value = decimal_field(AMOUNT, read_only=True)

    class Meta(GoalSerializer.Meta):
        read_only_fields = [
            "id",
            "goal_type",
            "current_value",
            "created_at",
            "updated_at",
            "reach_source",
            "reach_trades",
            "reach_updated_at",
        ]


class ProgressInputSerializer(StrictSerializer):
    current_value = decimal_field(AMOUNT)


class SnapshotSerializer(serializers.ModelSerializer):
    class Meta:
        model = GoalProgressSnapshot
        fields = ["snapshot_at", "current_value", "target_value", "progress_pct", "status", "source"]


class PeakResetInputSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=500)
