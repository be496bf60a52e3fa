"""Serializer plumbing shared by every app: strict input (no unknown fields, no type
coercion), and decimals as strings whose OpenAPI pattern states every limit.

The number rule: a decimal travels as a JSON **string** ("12345678901234.5678"), in
both directions. A JSON number for a decimal field is refused with a 400: a JSON
number goes through a binary float in most clients and parsers and can arrive with
other digits than the sender meant. The string must match the field's pattern (in the
schema), which encodes its precision and its range, so the schema and the server
accept exactly the same strings."""

import copy
import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal

from django.conf import settings as django_settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.fields import SkipField, is_simple_callable
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

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


# Fields that hold (and bind) fields of their own: copied deep.
_HOLDS_FIELDS = (serializers.BaseSerializer, serializers.ManyRelatedField, serializers.ListField, serializers.DictField)


class FieldsOnceMixin:
    """A ModelSerializer builds its fields by introspecting the model on every instance
    (a sixth of a goal read's CPU, bench/api.py). Build them once per class; each
    instance gets its own unbound copies: shallow for plain fields (their settings are
    never changed after construction; binding sets only their own attributes), deep for
    nested serializers and list/dict/many-related fields, which hold fields of their own."""

    def get_fields(self):
        cls = type(self)
        prototype = cls.__dict__.get("_fields_prototype")
        if prototype is None:
            prototype = super().get_fields()
            cls._fields_prototype = prototype
        return {
            name: copy.deepcopy(field) if isinstance(field, _HOLDS_FIELDS) else _shallow_copy(field)
            for name, field in prototype.items()
        }


def _shallow_copy(field):
    """copy.copy(field), without the pickling protocol's detour (__reduce_ex__): a new
    instance of the class holding the same attributes (DRF fields have no __copy__ and
    no __slots__)."""
    cls = type(field)
    if (
        hasattr(cls, "__copy__")
        or cls.__reduce_ex__ is not object.__reduce_ex__
        or cls.__getstate__ is not object.__getstate__
    ):
        return copy.copy(field)  # the class says how it is copied
    clone = object.__new__(cls)
    clone.__dict__.update(field.__dict__)
    return clone


# Field classes whose output depends only on the field's own settings and the value:
# their bound copies can be shared by every instance of a serializer class.
_CONTEXT_FREE_OUTPUT = (
    serializers.BigIntegerField,
    serializers.BooleanField,
    serializers.CharField,
    serializers.ChoiceField,
    serializers.DateField,
    serializers.DateTimeField,
    serializers.DecimalField,
    serializers.FloatField,
    serializers.IntegerField,
    serializers.JSONField,
    serializers.PrimaryKeyRelatedField,
    serializers.ReadOnlyField,
)
_OUTPUT_METHODS = {(c.get_attribute, c.to_representation) for c in _CONTEXT_FREE_OUTPUT}


class RepresentationPlanMixin:
    """Output without building the instance's fields. DRF binds a fresh copy of every
    field to each serializer instance, then reads each value through it: for the goal
    read that is a quarter of the request's CPU (bench/api.py). Output needs none of it
    when every readable field is context-free (its class's `get_attribute` and
    `to_representation` are one of _CONTEXT_FREE_OUTPUT's, so a subclass that changes
    either is not) or a SerializerMethodField (called on this instance, so it sees this
    instance's context): the fields are then bound once per class and shared. Any other
    field (nested, hyperlinked, many-related, custom output) keeps DRF's path."""

    def to_representation(self, instance):
        plan = _representation_plan(type(self))
        if plan is None:
            return super().to_representation(instance)
        now_tz = _OutputTimezone()
        plain_object = not isinstance(instance, Mapping)
        ret = {}
        for name, field, method, attr, represent in plan:
            if method is not None:
                ret[name] = getattr(self, method)(instance)
                continue
            attribute = _NOT_READ
            if attr is not None and plain_object:
                try:
                    attribute = getattr(instance, attr)
                except Exception:  # noqa: BLE001 - DRF's get_attribute below says what it means
                    attribute = _NOT_READ
                else:
                    if is_simple_callable(attribute):  # DRF calls it: let DRF do it
                        attribute = _NOT_READ
            if attribute is _NOT_READ:
                try:
                    attribute = field.get_attribute(instance)
                except SkipField:
                    continue
            check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            if check is None:
                ret[name] = None
            elif represent is not None:
                ret[name] = represent(field, attribute, now_tz)
            else:
                ret[name] = field.to_representation(attribute)
        return ret


_NOT_READ = object()


class _OutputTimezone:
    """The timezone DateTimeField.default_timezone() gives, looked up at most once per
    output (it is an asgiref Local read)."""

    __slots__ = ("value",)

    def __init__(self):
        self.value = _NOT_READ

    def get(self):
        if self.value is _NOT_READ:
            self.value = timezone.get_current_timezone() if django_settings.USE_TZ else None
        return self.value


def _decimal_output(field, value, now_tz):
    """StrictDecimalField.to_representation for a Decimal coerced to a string (the
    representer is chosen only without localize or normalize_output): DRF's steps
    reduce to formatting the field's quantize."""
    if isinstance(value, Decimal) and getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING):
        return f"{field.quantize(value):f}"
    return field.to_representation(value)


def _datetime_output(field, value, now_tz):
    """DateTimeField.to_representation (ISO 8601, the current timezone) for an aware
    datetime, the timezone looked up once per output."""
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    tz = now_tz.get()
    if (
        tz is None
        or not isinstance(output_format, str)
        or output_format.lower() != ISO_8601
        or not isinstance(value, dt.datetime)
        or value.utcoffset() is None
    ):
        return field.to_representation(value)
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _representer(field):
    """A shortcut for `field.to_representation`, where it is exactly DRF's for the
    values it takes (it defers to the field for any other)."""
    if (
        type(field).to_representation is serializers.DecimalField.to_representation
        and type(field).quantize is StrictDecimalField.quantize
        and not field.localize
        and not field.normalize_output
    ):
        return _decimal_output
    if (
        type(field).to_representation is serializers.DateTimeField.to_representation
        and type(field).enforce_timezone is serializers.DateTimeField.enforce_timezone
        and type(field).default_timezone is serializers.DateTimeField.default_timezone
        and not hasattr(field, "timezone")
    ):
        return _datetime_output
    return None


def _representation_plan(cls):
    if "_representation_plan" not in cls.__dict__:
        cls._representation_plan = _build_plan(cls)
    return cls._representation_plan


def _build_plan(cls):
    """(name, field, method name, attribute, representer) per readable field: `attribute`
    when DRF's get_attribute reads one plain attribute (tried directly; anything that
    is not a plain read goes back to DRF's), `representer` from _representer."""
    try:
        prototype = cls()
        fields = list(prototype._readable_fields)
    except Exception:  # noqa: BLE001 - a serializer that needs arguments keeps DRF's path
        return None
    plan = []
    for field in fields:
        if isinstance(field, serializers.SerializerMethodField):
            plan.append((field.field_name, None, field.method_name, None, None))
        elif (type(field).get_attribute, type(field).to_representation) in _OUTPUT_METHODS:
            attrs = field.source_attrs
            attr = (
                attrs[0] if type(field).get_attribute is serializers.Field.get_attribute and len(attrs) == 1 else None
            )
            plan.append((field.field_name, field, None, attr, _representer(field)))
        else:
            return None
    return tuple(plan)


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
