"""Serializer plumbing shared by every app: strict input (no unknown fields, no type
coercion), and decimals as strings whose OpenAPI pattern states every limit.

The number rule: a decimal travels as a JSON **string** ("12345678901234.5678"), in
both directions. A JSON number for a decimal field is refused with a 400: a JSON
number goes through a binary float in most clients and parsers and can arrive with
other digits than the sender meant. The string must match the field's pattern (in the
schema), which encodes its precision and its range, so the schema and the server
accept exactly the same strings."""

import re
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from rest_framework import serializers

from mastertrade.fastpath.output import FieldsOnceMixin, RepresentationPlanMixin, exact_quantize

from .money import decimal_kwargs

NOT_A_STRING = 'Send a decimal as a JSON string, e.g. "12.50" (a JSON number would pass through a float).'


# --- Decimal strings: a regular expression that states precision and range.


def _same_length(a: str, b: str) -> list[str]:
    """Regexes covering every digit string s with a <= s <= b (len(a) == len(b))."""
    if a == b:
        return [a]
    i = 0
    while a[i] == b[i]:
        i += 1
    prefix, a, b = a[:i], a[i:], b[i:]
    n = len(a)
    if n == 1:
        return [f"{prefix}[{a}-{b}]"]
    if a[1:] == "0" * (n - 1) and b[1:] == "9" * (n - 1):
        return [f"{prefix}[{a[0]}-{b[0]}]\\d{{{n - 1}}}"]
    out = [prefix + r for r in _same_length(a, a[0] + "9" * (n - 1))]
    if int(b[0]) - int(a[0]) > 1:
        out.append(f"{prefix}[{int(a[0]) + 1}-{int(b[0]) - 1}]\\d{{{n - 1}}}")
    out += [prefix + r for r in _same_length(b[0] + "0" * (n - 1), b)]
    return out


def integer_range_regex(lo: int, hi: int) -> str:
    """A regex (unanchored group) for the integers lo..hi, written without leading zeros."""
    parts, full = [], []  # full: lengths whose every number is in range ([1-9]\d{n-1})
    for length in range(len(str(lo)), len(str(hi)) + 1):
        a = max(lo, 10 ** (length - 1) if length > 1 else 0)
        b = min(hi, 10**length - 1)
        if length > 1 and a == 10 ** (length - 1) and b == 10**length - 1:
            full.append(length)
        elif a <= b:
            parts += _same_length(str(a), str(b))
    if full:
        parts.append(f"[1-9]\\d{{{full[0] - 1},{full[-1] - 1}}}")
    return "(?:" + "|".join(parts) + ")"


def decimal_pattern(
    *, max_digits: int, decimal_places: int, min_value: Decimal | None = None, max_value: Decimal | None = None
) -> str:
    """The pattern of a decimal string with this precision and range: plain digits, an
    optional '-' (only without a lower bound), no exponent, no leading zeros, at most
    `decimal_places` decimals. Bounds: the lower one is none, 0, the smallest step
    (i.e. > 0) or an integer; the upper one none or an integer."""
    places = decimal_places
    any_fraction = rf"(?:\.\d{{1,{places}}})?"
    zero_fraction = rf"(?:\.0{{1,{places}}})?"
    positive_fraction = r"\.(?:" + "|".join(f"0{{{z}}}[1-9]\\d{{0,{places - 1 - z}}}" for z in range(places)) + ")"
    largest = 10 ** (max_digits - places) - 1
    step = Decimal(1).scaleb(-places)
    if max_value is not None and max_value != int(max_value):
        raise ValueError(f"unsupported upper bound {max_value}")
    high = largest if max_value is None else int(max_value)
    sign = ""
    branches = []
    if min_value is None:
        if max_value is not None:
            raise ValueError("a decimal without a lower bound cannot have an upper bound")
        sign, low = "-?", 0
    elif min_value == step:  # greater than zero
        low = 1
        branches.append("0" + positive_fraction)
    elif min_value == int(min_value) and min_value >= 0:
        low = int(min_value)
    else:
        raise ValueError(f"unsupported lower bound {min_value}")
    if max_value is None:
        branches.insert(0, integer_range_regex(low, high) + any_fraction)
    else:
        if high > low:
            branches.insert(0, integer_range_regex(low, high - 1) + any_fraction)
        branches.append(str(high) + zero_fraction)
    return f"^{sign}(?:{'|'.join(branches)})$"


def _bounds(validators) -> tuple[Decimal | None, Decimal | None]:
    low = high = None
    for v in validators:
        if not isinstance(v, (MinValueValidator, MaxValueValidator)):
            continue
        limit = v.limit_value() if callable(v.limit_value) else v.limit_value
        if isinstance(v, MinValueValidator):
            low = Decimal(limit) if low is None else max(low, Decimal(limit))
        elif isinstance(v, MaxValueValidator):
            high = Decimal(limit) if high is None else min(high, Decimal(limit))
    return low, high


class StrictDecimalField(serializers.DecimalField):
    """A decimal as a JSON string matching `self.pattern` (stated in the schema); a JSON
    number is refused (see the module docstring)."""

    default_error_messages = {
        "not_a_string": NOT_A_STRING,
        "pattern": "Not a decimal this field accepts: plain digits, at most {places} decimals, in range.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pattern = decimal_pattern(
            max_digits=self.max_digits,
            decimal_places=self.decimal_places,
            min_value=None if self.min_value is None else Decimal(self.min_value),
            max_value=None if self.max_value is None else Decimal(self.max_value),
        )
        self._regex = re.compile(self.pattern)

    @exact_quantize
    def quantize(self, value):
        # A value read from a column of this field's scale is already quantized: DRF's
        # quantize (a fresh context and a power of ten per value) is output's largest cost.
        if self.decimal_places is not None and value.as_tuple().exponent == -self.decimal_places:
            return value
        return super().quantize(value)

    def validate_empty_values(self, data):
        if data == "":  # DRF would read "" as null on a nullable field; the pattern refuses it
            self.fail("invalid")
        return super().validate_empty_values(data)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        if self._regex.fullmatch(data) is None:
            # DRF's own messages for the common cases (not a number, out of range, too
            # many digits); ours for the rest (leading zeros, whitespace, exponents).
            super().to_internal_value(data)
            self.fail("pattern", places=self.decimal_places)
        return super().to_internal_value(data)


def decimal_field(kind, *, positive=False, non_negative=False, **kwargs) -> StrictDecimalField:
    """A decimal with the column's precision; NaN and Infinity are always invalid."""
    if positive:
        kwargs.setdefault("min_value", Decimal(1).scaleb(-kind[1]))
        kwargs.setdefault("error_messages", {"min_value": "Must be greater than zero."})
    elif non_negative:
        kwargs.setdefault("min_value", Decimal(0))
    return StrictDecimalField(**decimal_kwargs(kind), **kwargs)


def decimal_from_model(model_field: models.DecimalField, **kwargs) -> StrictDecimalField:
    """The serializer field of a model's DecimalField: its precision and the bounds of its
    validators (the one home of those limits)."""
    low, high = _bounds(model_field.validators)
    kwargs.setdefault("min_value", low)
    kwargs.setdefault("max_value", high)
    if model_field.null:
        kwargs.setdefault("allow_null", True)
    return StrictDecimalField(max_digits=model_field.max_digits, decimal_places=model_field.decimal_places, **kwargs)


# --- Strict JSON types: what the schema says is what the server takes.


def _type_error(field, value) -> str | None:
    """Why `value` (as parsed from JSON) has the wrong JSON type for `field`, or None."""
    if value is None or field.read_only:
        return None
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else "Must be a boolean (true or false)."
    if isinstance(field, serializers.IntegerField):
        return None if isinstance(value, int) and not isinstance(value, bool) else "Must be an integer."
    if isinstance(field, (serializers.CharField, serializers.ChoiceField, serializers.DateField)):
        return None if isinstance(value, str) else "Must be a string."
    if isinstance(field, (serializers.DateTimeField, serializers.SlugRelatedField)):
        return None if isinstance(value, str) else "Must be a string."
    if isinstance(field, serializers.ListField):
        if not isinstance(value, list):
            return "Must be a list."
        for i, item in enumerate(value):
            error = _type_error(field.child, item)
            if error:
                return f"{i}: {error}"
    return None


class StrictInputMixin:
    """Reject what the schema does not allow instead of quietly coercing it: fields the
    endpoint does not accept (unknown or read-only) and values of the wrong JSON type
    (an integer for a string, a string for an integer, a number for a decimal), each
    with a 400 naming the field. Query-string serializers set `strict_types = False`
    (every query value is text)."""

    strict_types = True

    def to_internal_value(self, data):
        if isinstance(data, dict):
            errors = {}
            for key, value in data.items():
                field = self.fields.get(key)
                if field is None or field.read_only:
                    errors[key] = ["This field is read-only." if field is not None else "Unknown field."]
                    continue
                message = _type_error(field, value) if self.strict_types else None
                if message:
                    errors[key] = [message]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class Serializer(FieldsOnceMixin, RepresentationPlanMixin, serializers.Serializer):
    """The project's Serializer: fields copied from a per-class prototype, output by plan."""


class ModelSerializer(FieldsOnceMixin, RepresentationPlanMixin, serializers.ModelSerializer):
    """The project's ModelSerializer: fields built once per class, output by plan."""


class StrictSerializer(StrictInputMixin, Serializer):
    pass


class QuerySerializer(StrictSerializer):
    """Query-string filters: unknown parameters are refused; values arrive as text."""

    strict_types = False


class StrictModelSerializer(StrictInputMixin, ModelSerializer):
    """A ModelSerializer whose fields take their limits from the model fields'
    validators; decimals are strict decimal strings; strings are taken as sent (no
    trimming: the pattern in the schema is what the server checks)."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DecimalField: StrictDecimalField,
    }

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if issubclass(field_class, serializers.CharField) and not issubclass(field_class, serializers.ChoiceField):
            kwargs.setdefault("trim_whitespace", False)
        if field_class is StrictDecimalField:
            kwargs.pop("validators", None)  # min/max come as min_value/max_value; the pattern covers them
        return field_class, kwargs
