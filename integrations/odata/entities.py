"""The entity sets of the OData feed and who may read them (SPEC §1).

Property names are those of the REST API. A property either reads a model field (`field`, an
ORM path: filterable and sortable) or is computed for a page of rows by `compute`
(chat extras such as sentiment: readable and selectable, not filterable).
Chats carry no message text and no customer identity at all, so every role may read them.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import QuerySet

from chats.models import Chat
from chats.selectors import chat_extras
from core.roles import Role

ALL_ROLES = tuple(Role)
MANAGERS_AND_AUDITORS = (Role.RECORDS_MANAGER, Role.COMPLIANCE_AUDITOR)
NAMESPACE = "ChatRecords"

Computer = Callable[[list[Any]], dict[Any, Any]]


@dataclass(frozen=True)
class Property:
    name: str
    edm_type: str
    field: str = ""  # ORM path; empty for computed properties
    nullable: bool = True
    compute: str = ""  # key of the entity set's computed values

    @property
    def filterable(self) -> bool:
        return bool(self.field)


@dataclass(frozen=True)
class EntitySet:
    name: str  # the set, e.g. "Chats"
    type_name: str  # the entity type, e.g. "Chat"
    key: str
    properties: tuple[Property, ...]
    queryset: Callable[[], QuerySet[Any]]
    read_roles: tuple[Role, ...]
    # rows -> {pk: {computed key: value}}
    computed: Callable[[list[Any]], dict[Any, dict[str, Any]]] | None = None
    description: str = ""
    property_by_name: dict[str, Property] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "property_by_name", {p.name: p for p in self.properties})


EDM_BY_FIELD: list[tuple[type["models.Field[Any, Any]"], str]] = [
    (models.BigAutoField, "Edm.Int64"),
    (models.BigIntegerField, "Edm.Int64"),
    (models.AutoField, "Edm.Int64"),
    (models.BooleanField, "Edm.Boolean"),
    (models.DateTimeField, "Edm.DateTimeOffset"),
    (models.DateField, "Edm.Date"),
    (models.DecimalField, "Edm.Decimal"),
    (models.FloatField, "Edm.Double"),
    (models.IntegerField, "Edm.Int32"),
    (models.ForeignKey, "Edm.Int64"),
    (models.CharField, "Edm.String"),
    (models.TextField, "Edm.String"),
]


def edm_type_of(model_field: "models.Field[Any, Any]") -> str:
    for field_class, edm in EDM_BY_FIELD:
        if isinstance(model_field, field_class):
            return edm
    return "Edm.String"


def model_properties(
    model: type[models.Model], names: Iterable[str], renames: dict[str, str] | None = None
) -> tuple[Property, ...]:
    """Properties read from model fields; a foreign key is exposed as its id."""
    renames = renames or {}
    properties = []
    for name in names:
        model_field = model._meta.get_field(renames.get(name, name))
        assert isinstance(model_field, models.Field)  # noqa: S101 - a declaration error
        path = (
            model_field.attname if isinstance(model_field, models.ForeignKey) else model_field.name
        )
        properties.append(
            Property(name, edm_type_of(model_field), field=path, nullable=bool(model_field.null))
        )
    return tuple(properties)


def _chat_extras(chats: list[Any]) -> dict[Any, dict[str, Any]]:
    extras = chat_extras([chat.pk for chat in chats])
    values = {}
    for pk, extra in extras.items():
        record = extra.get("record")
        values[pk] = {
            "record": record.get("id") if isinstance(record, dict) else record,
            "sentiment": extra.get("sentiment"),
            "satisfaction": extra.get("satisfaction"),
        }
    return values


CHATS = EntitySet(
    name="Chats",
    type_name="Chat",
    key="id",
    properties=(
        *model_properties(
            Chat,
            [
                "id",
                "source",
                "external_id",
                "started_at",
                "ended_at",
                "language",
                "country",
                "region",
                "country_source",
                "country_confidence",
                "redacted_at",
            ],
        ),
        Property("record", "Edm.Int64", compute="record"),
        Property("sentiment", "Edm.Double", compute="sentiment"),
        Property("satisfaction", "Edm.Double", compute="satisfaction"),
    ),
    queryset=lambda: Chat.objects.all(),
    read_roles=ALL_ROLES,
    computed=_chat_extras,
    description="Chats: metadata only, no message text and no customer identity.",
)

ENTITY_SETS: dict[str, EntitySet] = {CHATS.name: CHATS}


def register_entity_set(entity_set: EntitySet) -> EntitySet:
    ENTITY_SETS[entity_set.name] = entity_set
    return entity_set
