from django.http import Http404
from rest_framework import serializers

from goals.api.fields import OwnedGoalField
from mastertrade.core.money import AMOUNT, QUANTITY
from mastertrade.core.serializers import StrictSerializer, decimal_field
from strategies.selectors import strategy_get_for_user
from trades.models import Side, Trade, TradeStatus


class TradeInputSerializer(StrictSerializer):
    goal = OwnedGoalField(required=False, allow_null=True)
    strategy = serializers.SlugField(required=False, allow_null=True, max_length=64)
    symbol = serializers.RegexField(
        r"^[A-Za-z0-9._/:-]{1,32}$",
        max_length=32,
        error_messages={"invalid": "Letters, digits and . _ / : - only (1–32)."},
    )
    side = serializers.ChoiceField(choices=Side.choices)
    quantity = decimal_field(QUANTITY, positive=True)
    entry_price = decimal_field(QUANTITY, positive=True)
    exit_price = decimal_field(QUANTITY, positive=True, required=False, allow_null=True)
    profit_loss = decimal_field(AMOUNT, required=False, allow_null=True)
    entry_time = serializers.DateTimeField()
    exit_time = serializers.DateTimeField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=TradeStatus.choices, default=TradeStatus.OPEN)
    external_id = serializers.CharField(required=False, allow_null=True, max_length=100, min_length=1)

    def validate_strategy(self, value):
        if value is None:
            return None
        try:
            return strategy_get_for_user(user=self.context["request"].user, strategy_id=value)
        except Http404:
            raise serializers.ValidationError("No such strategy.") from None

    def validate(self, attrs):
        errors = {}
        exit_time = attrs.get("exit_time")
        if exit_time is not None and exit_time < attrs["entry_time"]:
            errors["exit_time"] = ["Must not be before entry_time."]
        if attrs.get("status", TradeStatus.OPEN) == TradeStatus.CLOSED:
            if attrs.get("exit_price") is None:
                errors["exit_price"] = ["A closed trade needs an exit_price."]
        else:
            for field in ("exit_price", "exit_time", "profit_loss"):
                if attrs.get(field) is not None:
                    errors[field] = ["Only a closed trade has this field; send status: closed."]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class TradeSerializer(serializers.ModelSerializer):
    goal = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    strategy = serializers.SlugRelatedField(slug_field="strategy_id", read_only=True, allow_null=True)

    class Meta:
        model = Trade
        fields = [
            "id",
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
            "created_at",
        ]
        read_only_fields = fields
