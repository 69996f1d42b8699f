"""Serializers that render list pages without DRF's per-field machinery.

Profiling a 50-chat page (issue #19) put most of the request's Python time in
`Serializer.to_representation`: for every row and field it walks `_readable_fields`, resolves
the source through generic helpers and calls the field's `to_representation`, even for a
string read straight from a column. `FastRepresentationMixin` plans that work once per
serializer instance (one for a whole `many=True` page) and then reads each row with a direct
attribute access per field. The output is the same JSON as DRF's own — same keys in the same
order, same formats (tests/core/test_fast_representation.py compares them field by field) —
and the declared fields still drive the OpenAPI schema.

Field kinds read directly: plain model columns whose DRF field returns the value unchanged
(str, int, bool, JSON), the primary key of a related row (`chat` → `chat_id`), and dotted sources
(`chat.external_id`) with their `default`. Every other field (date-times, floats, choices,
nested serializers) keeps its own `to_representation`, called only for a value that is not None,
exactly as DRF does.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from operator import attrgetter
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, ObjectDoesNotExist
from rest_framework import ISO_8601, relations
from rest_framework import fields as drf_fields
from rest_framework.fields import SkipField
from rest_framework.serializers import BaseSerializer
from rest_framework.settings import api_settings

Reader = Callable[[Any], Any]
ZERO = timedelta(0)
# Fields whose to_representation of a database value of their own type is that value.
_UNCHANGED = (drf_fields.CharField, drf_fields.IntegerField, drf_fields.BooleanField)
_UNCHANGED_EXCLUDED = (drf_fields.ChoiceField, drf_fields.DecimalField, drf_fields.UUIDField)
_TYPES_UNCHANGED: dict[type[drf_fields.Field], tuple[type, ...]] = {
    drf_fields.CharField: (str,),
    drf_fields.IntegerField: (int,),
    drf_fields.BooleanField: (bool,),
}


def _unchanged_types(field: drf_fields.Field) -> tuple[type, ...] | None:
    """The Python types `field` returns as they are, None when it converts every value."""
    if isinstance(field, _UNCHANGED_EXCLUDED) or type(field).to_representation not in {
        drf_fields.CharField.to_representation,
        drf_fields.IntegerField.to_representation,
        drf_fields.BooleanField.to_representation,
    }:
        return None
    for kind, types in _TYPES_UNCHANGED.items():
        if isinstance(field, kind):
            return types
    return None


def _utc_iso_datetimes(field: drf_fields.Field) -> bool:
    """True when `field` writes an aware date-time as its ISO 8601 text in UTC ("…Z"): a plain
    DateTimeField with the ISO format whose time zone (for this request) is UTC."""
    if type(field).to_representation is not drf_fields.DateTimeField.to_representation:
        return False
    if not isinstance(field, drf_fields.DateTimeField):
        return False
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    if not isinstance(output_format, str) or output_format.lower() != ISO_8601:
        return False
    if type(field).enforce_timezone is not drf_fields.DateTimeField.enforce_timezone:
        return False
    zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    return zone is not None and (zone is UTC or getattr(zone, "key", None) in {"UTC", "Etc/UTC"})


def _convert(field: drf_fields.Field) -> Reader:
    """Value (never None) -> its representation, skipping the call where it changes nothing."""
    represent = field.to_representation
    if _utc_iso_datetimes(field):

        def iso_utc(value: Any) -> Any:
            # A date-time already in UTC is unchanged by astimezone(UTC): DRF's own text.
            if type(value) is datetime and value.utcoffset() == ZERO:
                text = value.isoformat()
                return text[:-6] + "Z" if text.endswith("+00:00") else text
            return represent(value)

        return iso_utc
    unchanged = _unchanged_types(field)
    if unchanged is None:
        return represent

    def convert(value: Any) -> Any:
        return value if type(value) in unchanged else represent(value)

    return convert


def _model_field_path(model: Any, attrs: list[str]) -> bool:
    """True when `attrs` walks concrete model fields only (forward relations, then a column):
    no property, method or reverse relation, whose reading DRF's generic walk must do."""
    for number, attr in enumerate(attrs):
        try:
            model_field = model._meta.get_field(attr)
        except (AttributeError, FieldDoesNotExist):
            return False
        if not getattr(model_field, "concrete", False) or model_field.many_to_many:
            return False
        last = number == len(attrs) - 1
        if model_field.is_relation:
            if last:
                return False  # the related object itself: DRF's path
            model = model_field.related_model
        elif not last:
            return False
    return True


def _read_source(field: drf_fields.Field, model: Any) -> Reader:
    """instance -> the attribute DRF's `field.get_attribute` gives: the same source walk; on a
    missing attribute (a null relation), DRF's own handling (default, null, skip)."""
    attrs = list(field.source_attrs)
    if model is not None and _model_field_path(model, attrs):
        getter = attrgetter(".".join(attrs))  # model columns: nothing to call, no mapping

        def read_columns(instance: Any) -> Any:
            try:
                return getter(instance)
            except (KeyError, AttributeError, ObjectDoesNotExist):
                return field.get_attribute(instance)

        return read_columns
    walk = drf_fields.get_attribute

    def read(instance: Any) -> Any:
        try:
            return walk(instance, attrs)
        except (KeyError, AttributeError):
            return field.get_attribute(instance)

    return read


def _reader(serializer: Any, name: str, field: drf_fields.Field) -> Reader | None:
    """A direct reader of `field` for one row, None where DRF's own path must be kept."""
    if isinstance(field, drf_fields.SerializerMethodField):
        method: Reader = getattr(serializer, field.method_name)
        return method
    if field.source == "*" or not field.source_attrs:
        return None
    if isinstance(field, relations.PrimaryKeyRelatedField) and len(field.source_attrs) == 1:
        model = serializer.Meta.model
        column = model._meta.get_field(field.source_attrs[0]).attname
        return lambda instance: getattr(instance, column)
    if isinstance(field, relations.RelatedField | drf_fields.HiddenField):
        return None
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    read, convert = _read_source(field, model), _convert(field)

    def value_of(instance: Any) -> Any:
        value = read(instance)
        return None if value is None else convert(value)

    return value_of


class FastRepresentationMixin:
    """Mix into a ModelSerializer (before it) whose rows a list renders by the page."""

    _plan: list[tuple[str, Reader]] | None = None

    def _representation_plan(self) -> list[tuple[str, Reader]]:
        if self._plan is None:
            plan = []
            serializer: Any = self  # a Serializer: the mixin comes before it
            for field in serializer._readable_fields:
                reader = _reader(self, field.field_name, field)
                if reader is None:
                    reader = _generic_reader(field)
                plan.append((field.field_name, reader))
            self._plan = plan
        return self._plan

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = {}
        for name, read in self._representation_plan():
            try:
                data[name] = read(instance)
            except SkipField:  # as DRF: an optional field without a value is left out
                continue
        return data


def _generic_reader(field: drf_fields.Field) -> Reader:
    """DRF's own per-field path (Serializer.to_representation), for the kinds not planned."""

    def read(instance: Any) -> Any:
        attribute = field.get_attribute(instance)
        check = attribute.pk if isinstance(attribute, relations.PKOnlyObject) else attribute
        return None if check is None else field.to_representation(attribute)

    return read


@cache
def serializer_reads(serializer_class: type[Any]) -> tuple[str, ...]:
    """The ORM paths (`chat__external_id`) a list serializer's rows read, for the queryset's
    `.only()`: a page then fetches and converts the columns it shows and no others. Each
    declared field reads its source; a SerializerMethodField reads what `Meta.method_reads`
    declares for it (a method field without a declaration is an error, never a guess: a column
    left out would be read by a query per row, which tests/perf's query counts catch)."""
    method_reads: dict[str, tuple[str, ...]] = getattr(serializer_class.Meta, "method_reads", {})
    paths: list[str] = []
    for field in serializer_class().fields.values():
        if field.write_only:
            continue
        if isinstance(field, drf_fields.SerializerMethodField):
            if field.field_name not in method_reads:
                raise ImproperlyConfigured(
                    f"{serializer_class.__name__}.{field.field_name}: a method field; declare "
                    "the columns it reads in Meta.method_reads"
                )
            paths.extend(method_reads[field.field_name])
        elif field.source == "*" or not field.source_attrs or isinstance(field, BaseSerializer):
            raise ImproperlyConfigured(
                f"{serializer_class.__name__}.{field.field_name}: not a column path"
            )
        else:
            paths.append("__".join(field.source_attrs))
    return tuple(dict.fromkeys(paths))
