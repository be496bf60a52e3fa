from django.http import Http404
from rest_framework import serializers

from goals.api.fields import OwnedGoalField
from mastertrade.core.errors import UNKNOWN_REFERENCE
from mastertrade.core.serializers import ModelSerializer, StrictModelSerializer
from strategies.selectors import strategy_get_for_user
from trades.models import Trade, TradeStatus


class OwnedStrategyField(serializers.SlugField):
    """A strategy_id in a request body, resolved among the requesting user's strategies."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)

    def run_validation(self, data=serializers.empty):
        strategy_id = super().run_validation(data)
        if strategy_id is None:
            return None
        try:
            return strategy_get_for_user(user=self.context["request"].user, strategy_id=strategy_id)
        except Http404:
            raise serializers.ValidationError("No such strategy.", code=UNKNOWN_REFERENCE) from None

    def to_representation(self, value):
        return getattr(value, "strategy_id", value)


class TradeInputSerializer(StrictModelSerializer):
    """A trade to record. Field limits come from the model; which fields an open or a
    closed trade carries, and exit_time >= entry_time, from Trade.clean() (400
    `invalid_combination`). An open trade is closed later with POST /trades/{id}/close/."""

    goal = OwnedGoalField(required=False, allow_null=True)
    strategy = OwnedStrategyField(required=False, allow_null=True)

    class Meta:
        model = Trade
        fields = [
            "goal",
            "strategy",
            "symbol",
            "side",
            "quantity",
            "entry_price",
            "exit_price",
            "profit_loss",
            "entry_time",
            "exit_time",
            "status",
            "external_id",
        ]
        extra_kwargs = {"status": {"default": TradeStatus.OPEN}, "external_id": {"allow_blank": False}}
        validators = []


class TradeCloseSerializer(StrictModelSerializer):
    """How an open trade closed. Without exit_time it is now (not before the entry);
    without profit_loss it is computed from the prices and the quantity."""

    class Meta:
        model = Trade
        fields = ["exit_price", "exit_time", "profit_loss"]
        extra_kwargs = {
            "exit_price": {"required": True, "allow_null": False},
            "exit_time": {"required": False},
            "profit_loss": {"required": False},
        }
        validators = []


class TradeSerializer(ModelSerializer):
    goal = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    strategy = serializers.SlugRelatedField(slug_field="strategy_id", read_only=True, allow_null=True)

    class Meta:
        model = Trade
        fields = ["id", *TradeInputSerializer.Meta.fields, "created_at"]
        read_only_fields = fields
