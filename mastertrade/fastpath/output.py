"""The `output` piece: serializers build their fields once per class (FieldsOnceMixin) and
render through a plan built once per class (RepresentationPlanMixin); the project's
Serializer and ModelSerializer (mastertrade.core.serializers) carry both.

Off (FASTPATH_OFF=output): both mixins step aside at run time, leaving DRF's own
`get_fields` (fields built by introspection per instance) and `to_representation`."""

import copy
import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from django.conf import settings as django_settings
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.fields import SkipField, is_simple_callable
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

from mastertrade.fastpath import on

# Fields that hold (and bind) fields of their own: copied deep.
_HOLDS_FIELDS = (serializers.BaseSerializer, serializers.ManyRelatedField, serializers.ListField, serializers.DictField)


class FieldsOnceMixin:
    """A ModelSerializer builds its fields by introspecting the model on every instance
    (a sixth of a goal read's CPU, bench/api.py). Build them once per class; each
    instance gets its own unbound copies: shallow for plain fields (their settings are
    never changed after construction; binding sets only their own attributes), deep for
    nested serializers and list/dict/many-related fields, which hold fields of their own."""

    def get_fields(self):
        if not on("output"):
            return super().get_fields()
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
        if not on("output"):
            return super().to_representation(instance)
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


# The decimal fields' quantize methods that keep DRF's answer (registered by their class).
_EXACT_QUANTIZE = set()


def exact_quantize(method):
    """Mark a DecimalField subclass's `quantize` as giving DRF's answer: its fields may
    then be output by the plan's decimal shortcut."""
    _EXACT_QUANTIZE.add(method)
    return method


def _representer(field):
    """A shortcut for `field.to_representation`, where it is exactly DRF's for the
    values it takes (it defers to the field for any other)."""
    if (
        type(field).to_representation is serializers.DecimalField.to_representation
        and type(field).quantize in _EXACT_QUANTIZE
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
