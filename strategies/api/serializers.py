import json

from rest_framework import serializers

from goals.api.fields import OwnedGoalField
from mastertrade.core.serializers import StrictInputMixin, StrictSerializer
from strategies.models import StrategyInstance, StrategySelection

MAX_PARAMETERS_BYTES = 16384
MAX_CANDIDATES = 100


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class PerformanceSerializer(serializers.Serializer):
    trades = serializers.IntegerField()
    wins = serializers.IntegerField()
    win_rate = serializers.DecimalField(max_digits=8, decimal_places=4, allow_null=True)
    total_pnl = serializers.DecimalField(max_digits=20, decimal_places=4)
    mean_pnl = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
    risk_adjusted_ratio = serializers.DecimalField(max_digits=12, decimal_places=4, allow_null=True)
    max_drawdown = serializers.DecimalField(max_digits=20, decimal_places=4)
    pnl_share = serializers.DecimalField(max_digits=8, decimal_places=4, allow_null=True, required=False)


class StrategySerializer(StrictInputMixin, serializers.ModelSerializer):
    strategy_id = serializers.SlugField(max_length=64)
    parameters = serializers.JSONField(required=False)
    performance = serializers.SerializerMethodField()

    class Meta:
        model = StrategyInstance
        fields = [
            "strategy_id",
            "name",
            "strategy_type",
            "risk_profile",
            "parameters",
            "status",
            "performance",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def get_performance(self, strategy) -> PerformanceSerializer:
        perf = self.context.get("performance", {}).get(strategy.pk)
        return None if perf is None else PerformanceSerializer(perf).data

    def validate_parameters(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("Must be a JSON object.")
        encoded = json.dumps(value)
        if len(encoded) > MAX_PARAMETERS_BYTES:
            raise serializers.ValidationError(f"Must be at most {MAX_PARAMETERS_BYTES} bytes as JSON.")
        if _has_nul(value):  # PostgreSQL's jsonb cannot store a NUL character
            raise serializers.ValidationError("Null characters are not allowed.")
        return value


class StrategyUpdateSerializer(StrategySerializer):
    strategy_id = serializers.SlugField(read_only=True)


class SelectInputSerializer(StrictSerializer):
    goal = OwnedGoalField()
    candidates = serializers.ListField(
        child=serializers.SlugField(max_length=64), required=False, min_length=1, max_length=MAX_CANDIDATES
    )

    def validate_candidates(self, value):
        if len(set(value)) != len(value):
            raise serializers.ValidationError("Each strategy_id may appear once.")
        return value


class RankingEntrySerializer(serializers.Serializer):
    strategy_id = serializers.CharField()
    score = serializers.CharField(allow_null=True, help_text="Decimal string; null when ineligible.")
    eligible = serializers.BooleanField()
    fit = serializers.CharField(allow_null=True)
    performance_score = serializers.CharField(allow_null=True)
    strategy_type = serializers.CharField()
    risk_profile = serializers.CharField()
    status = serializers.CharField()
    trades = serializers.IntegerField()
    win_rate = serializers.CharField(allow_null=True)
    risk_adjusted_ratio = serializers.CharField(allow_null=True)
    note = serializers.CharField()


class SelectionSerializer(serializers.ModelSerializer):
    selection_id = serializers.IntegerField(source="id", read_only=True)
    selected_strategy = serializers.SlugRelatedField(source="selected", slug_field="strategy_id", read_only=True)
    ranking = RankingEntrySerializer(many=True, read_only=True)

    class Meta:
        model = StrategySelection
        fields = [
            "selection_id",
            "goal",
            "selected_strategy",
            "stance",
            "reason",
            "progress_pct",
            "ranking",
            "created_at",
        ]
        read_only_fields = fields


class SelectionFilterSerializer(StrictSerializer):
    goal = OwnedGoalField(required=False)
    page = serializers.IntegerField(required=False, min_value=1)
