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
from typing import Any

from rest_framework import fields as drf_fields
from rest_framework import relations
from rest_framework.fields import SkipField

Reader = Callable[[Any], Any]
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


def _convert(field: drf_fields.Field) -> Reader:
    """Value (never None) -> its representation, skipping the call where it changes nothing."""
    unchanged = _unchanged_types(field)
    represent = field.to_representation
    if unchanged is None:
        return represent

    def convert(value: Any) -> Any:
        return value if type(value) in unchanged else represent(value)

    return convert


def _read_source(field: drf_fields.Field) -> Reader:
    """instance -> the attribute DRF's `field.get_attribute` gives: the same source walk; on a
    missing attribute (a null relation), DRF's own handling (default, null, skip)."""
    attrs = list(field.source_attrs)
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
    read, convert = _read_source(field), _convert(field)

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
