from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from goals.api.fields import OwnedGoalField
from mastertrade.core.serializers import ModelSerializer, QuerySerializer, StrictModelSerializer, StrictSerializer
from strategies.models import MAX_PARAMETERS_BYTES, StrategyInstance, StrategySelection

MAX_CANDIDATES = 100


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": True,
        "description": f"Free-form settings of the strategy: a JSON object of at most {MAX_PARAMETERS_BYTES} "
        "bytes; no NUL characters.",
    }
)
class ParametersField(serializers.JSONField):
    pass


class PerformanceSerializer(serializers.Serializer):
    trades = serializers.IntegerField()
    wins = serializers.IntegerField()
    win_rate = serializers.DecimalField(max_digits=8, decimal_places=4, allow_null=True)
    total_pnl = serializers.DecimalField(max_digits=20, decimal_places=4)
    mean_pnl = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
    risk_adjusted_ratio = serializers.DecimalField(max_digits=12, decimal_places=4, allow_null=True)
    max_drawdown = serializers.DecimalField(max_digits=20, decimal_places=4)
    pnl_share = serializers.DecimalField(max_digits=8, decimal_places=4, allow_null=True, required=False)


class StrategySerializer(StrictModelSerializer):
    """A strategy. Limits (slug, reserved ids, parameters) come from the model's validators."""

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
        extra_kwargs = {"parameters": {"required": False}}
        validators = []  # a strategy_id you already have is a 409 from the service

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        return (ParametersField, kwargs) if field_name == "parameters" else (field_class, kwargs)

    def get_performance(self, strategy) -> PerformanceSerializer:
        perf = self.context.get("performance", {}).get(strategy.pk)
        return None if perf is None else PerformanceSerializer(perf).data


class StrategyUpdateSerializer(StrategySerializer):
    class Meta(StrategySerializer.Meta):
        read_only_fields = ["strategy_id", "created_at", "updated_at"]


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": r"^[-a-zA-Z0-9_]+$"},
        "minItems": 1,
        "maxItems": MAX_CANDIDATES,
        "uniqueItems": True,
        "description": "strategy_ids of yours, each once (default: all your active strategies).",
    }
)
class CandidatesField(serializers.ListField):
    pass


class SelectInputSerializer(StrictSerializer):
    goal = OwnedGoalField()
    candidates = CandidatesField(
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


class SelectionSerializer(ModelSerializer):
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


class SelectionFilterSerializer(QuerySerializer):
    goal = OwnedGoalField(required=False)
    page = serializers.IntegerField(required=False, min_value=1)
