"""Serializer plumbing shared by every app: strict input, Decimal fields from the
project's precision constants."""

from decimal import Decimal

from rest_framework import serializers

from .money import decimal_kwargs


class StrictInputMixin:
    """Reject fields the endpoint does not accept (unknown or read-only) with a 400
    naming each one, instead of silently ignoring them."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            extra = [key for key in data if key not in writable]
            if extra:
                raise serializers.ValidationError(
                    {key: ["This field is read-only." if key in self.fields else "Unknown field."] for key in extra}
                )
        return super().to_internal_value(data)


class StrictSerializer(StrictInputMixin, serializers.Serializer):
    pass


def decimal_field(kind, *, positive=False, non_negative=False, **kwargs) -> serializers.DecimalField:
    """A DecimalField with the column's precision; NaN and Infinity are always invalid."""
    if positive:
        kwargs.setdefault("min_value", Decimal(1).scaleb(-kind[1]))
        kwargs.setdefault("error_messages", {"min_value": "Must be greater than zero."})
    elif non_negative:
        kwargs.setdefault("min_value", Decimal(0))
    return serializers.DecimalField(**decimal_kwargs(kind), **kwargs)
