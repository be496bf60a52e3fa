"""Serializer plumbing shared by every app: strict input, Decimal fields from the
project's precision constants."""

import copy
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


class FieldsOnceMixin:
    """A ModelSerializer builds its fields by introspecting the model on every instance
    (a sixth of a goal read's CPU, bench/api.py). Build them once per class; each
    instance gets its own unbound copies: shallow for plain fields (their settings are
    never changed after construction; binding sets only their own attributes), deep for
    nested serializers, which hold fields of their own."""

    def get_fields(self):
        cls = type(self)
        prototype = cls.__dict__.get("_fields_prototype")
        if prototype is None:
            prototype = super().get_fields()
            cls._fields_prototype = prototype
        return {
            name: copy.deepcopy(field) if isinstance(field, serializers.BaseSerializer) else copy.copy(field)
            for name, field in prototype.items()
        }


class Serializer(FieldsOnceMixin, serializers.Serializer):
    """The project's Serializer: fields copied from a per-class prototype."""


class ModelSerializer(FieldsOnceMixin, serializers.ModelSerializer):
    """The project's ModelSerializer: fields built once per class."""


class StrictSerializer(StrictInputMixin, Serializer):
    pass


def decimal_field(kind, *, positive=False, non_negative=False, **kwargs) -> serializers.DecimalField:
    """A DecimalField with the column's precision; NaN and Infinity are always invalid."""
    if positive:
        kwargs.setdefault("min_value", Decimal(1).scaleb(-kind[1]))
        kwargs.setdefault("error_messages", {"min_value": "Must be greater than zero."})
    elif non_negative:
        kwargs.setdefault("min_value", Decimal(0))
    return serializers.DecimalField(**decimal_kwargs(kind), **kwargs)
