from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from goals import progress
from goals.models import GOAL_CREATE_FIELDS, GOAL_UPDATABLE_FIELDS, FinancialGoal, GoalProgressSnapshot
from mastertrade.core.serializers import ModelSerializer, StrictModelSerializer, StrictSerializer, decimal_from_model

GOAL_FIELDS = [
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
    "calendar",
    "reach_probability",
    "reach_mu",
    "reach_sigma",
    "reach_source",
    "reach_trades",
    "reach_updated_at",
    "created_at",
    "updated_at",
]


class GoalSerializer(StrictModelSerializer):
    """A goal. Limits come from the model's validators; rules across fields from
    FinancialGoal.clean(), run by the service."""

    progress_pct = serializers.SerializerMethodField()
    expected_pct = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()

    class Meta:
        model = FinancialGoal
        fields = GOAL_FIELDS
        read_only_fields = [name for name in GOAL_FIELDS if name not in GOAL_CREATE_FIELDS]
        extra_kwargs = {"current_value": {"required": False}}

    def get_progress_pct(self, goal) -> str:
        return str(goal.progress_pct())

    def get_expected_pct(self, goal) -> str | None:
        expected = goal.expected_pct()
        return None if expected is None else str(expected)

    @extend_schema_field(serializers.ChoiceField(choices=progress.STATUS_CHOICES))
    def get_status(self, goal) -> str:
        return goal.status()


class GoalUpdateSerializer(GoalSerializer):
    """PATCH: goal_type and current_value are fixed here (progress has its own endpoint)."""

    class Meta(GoalSerializer.Meta):
        read_only_fields = [name for name in GOAL_FIELDS if name not in GOAL_UPDATABLE_FIELDS]


class ProgressInputSerializer(StrictSerializer):
    """A new current value for the goal."""

    current_value = decimal_from_model(FinancialGoal._meta.get_field("current_value"))


class SnapshotSerializer(ModelSerializer):
    class Meta:
        model = GoalProgressSnapshot
        fields = ["snapshot_at", "current_value", "target_value", "progress_pct", "status", "source"]


class PeakResetInputSerializer(StrictSerializer):
    """Why the drawdown peak is reset (kept in the peak-reset log)."""

    reason = serializers.CharField(max_length=500)
