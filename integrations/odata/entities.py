"""The entity sets of the OData feed and who may read them (SPEC §1).

Property names are those of the REST API. A property either reads a model field (`field`, an
ORM path: filterable and sortable) or is computed for a page of rows by `compute`
(chat extras such as sentiment: readable and selectable, not filterable).
Chats carry no message text and no customer identity at all, so every role may read them.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any

from django.db import models
from django.db.models import Avg, Count, Q, QuerySet
from django.utils.dateparse import parse_date, parse_datetime

from chats.fields import CHAT_ODATA_FIELDS, chat_extra_value
from chats.models import Agent, Chat
from chats.selectors import chat_extras
from core.roles import GOVERNANCE_ROLES, Role
from knowledgebase.models import TrendRollup
from records.models import Record

ALL_ROLES = tuple(Role)
MANAGERS_AND_AUDITORS = GOVERNANCE_ROLES
NAMESPACE = "ChatRecords"


class ODataQueryError(ValueError):
    """A query option the feed cannot answer; becomes a 400 with an OData error body."""

    def __init__(self, message: str, code: str = "BadRequest") -> None:
        super().__init__(message)
        self.code = code


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
    # custom query options (non-$ parameters such as start/end) -> the rows
    queryset: Callable[[dict[str, str]], QuerySet[Any]]
    read_roles: tuple[Role, ...]
    # the keys of a page of rows -> {key: {computed key: value}}
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


# The OData types of the chat extras the feed carries (chats.fields lists which).
CHAT_EXTRA_EDM_TYPES = {
    "record": "Edm.Int64",
    "sentiment": "Edm.Double",
    "satisfaction": "Edm.Double",
}
CHAT_MODEL_FIELDS = [field.name for field in CHAT_ODATA_FIELDS if not field.extra]
CHAT_EXTRA_FIELDS = [field.name for field in CHAT_ODATA_FIELDS if field.extra]


def _chat_extras(chat_ids: list[Any]) -> dict[Any, dict[str, Any]]:
    extras = chat_extras(chat_ids)
    return {
        pk: {name: chat_extra_value(extra, name) for name in CHAT_EXTRA_FIELDS}
        for pk, extra in extras.items()
    }


CHATS = EntitySet(
    name="Chats",
    type_name="Chat",
    key="id",
    properties=(
        *model_properties(Chat, CHAT_MODEL_FIELDS),
        *(Property(name, CHAT_EXTRA_EDM_TYPES[name], compute=name) for name in CHAT_EXTRA_FIELDS),
    ),
    queryset=lambda params: Chat.objects.all(),
    read_roles=ALL_ROLES,
    computed=_chat_extras,
    description="Chats: metadata only, no message text and no customer identity.",
)


def _records(params: dict[str, str]) -> QuerySet[Any]:
    return Record.objects.select_related("chat", "record_class")


RECORDS = EntitySet(
    name="Records",
    type_name="Record",
    key="id",
    properties=(
        *model_properties(
            Record,
            [
                "id",
                "chat",
                "status",
                "jurisdiction",
                "trigger",
                "trigger_at",
                "declared_at",
                "disposition_due",
                "pii_purge_due",
                "pii_purged_at",
                "disposed_at",
                "flag_reason",
                "review_at",
            ],
        ),
        Property("chat_external_id", "Edm.String", field="chat__external_id", nullable=False),
        Property("chat_source", "Edm.String", field="chat__source", nullable=False),
        Property("record_class", "Edm.String", field="record_class__code", nullable=False),
        Property("country", "Edm.String", field="chat__country", nullable=False),
        Property("region", "Edm.String", field="chat__region", nullable=False),
    ),
    queryset=_records,
    read_roles=MANAGERS_AND_AUDITORS,
    description="Records of the file plan (records managers and compliance auditors).",
)

TRENDS = EntitySet(
    name="Trends",
    type_name="Trend",
    key="id",
    properties=model_properties(
        TrendRollup,
        [
            "id",
            "week_start",
            "dimension",
            "value",
            "chat_count",
            "sentiment_avg",
            "sentiment_count",
            "satisfaction_avg",
            "satisfaction_count",
            "computed_at",
        ],
    ),
    queryset=lambda params: TrendRollup.objects.all(),
    read_roles=ALL_ROLES,
    description="Weekly rollups per keyword, category or country; no personal data.",
)


def _agent_metrics(params: dict[str, str]) -> QuerySet[Any]:
    """One row per agent over the period given by the custom options start/end (ISO 8601,
    start inclusive, end exclusive; both optional): the figures of R-CHAT-4."""
    period = Q()
    for option, lookup in (("start", "chats__started_at__gte"), ("end", "chats__started_at__lt")):
        if params.get(option):
            try:
                moment = parse_datetime(params[option]) or _date_start(params[option])
            except ValueError:  # well formed but impossible, e.g. 2025-13-45
                moment = None
            if moment is not None and moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)  # a bare date or time means UTC
            try:  # in UTC: PostgreSQL refuses offsets beyond ±15:59, which Python accepts
                moment = moment.astimezone(UTC) if moment is not None else None
            except OverflowError:
                moment = None
            if moment is None:
                raise ODataQueryError(f"{option} must be an ISO 8601 date or date-time")
            period &= Q(**{lookup: moment})
    return Agent.objects.annotate(
        chats_handled=Count("chats", filter=period, distinct=True),
        first_response_seconds=Avg("chats__insight__first_response_seconds", filter=period),
        handle_seconds=Avg("chats__insight__handle_seconds", filter=period),
        satisfaction=Avg("chats__insight__satisfaction", filter=period),
        surveys=Count("chats", filter=period & Q(chats__insight__has_survey=True), distinct=True),
    ).filter(chats_handled__gt=0)


def _date_start(value: str) -> datetime | None:
    day = parse_date(value)
    return datetime.combine(day, time.min, tzinfo=UTC) if day else None


AGENT_METRICS = EntitySet(
    name="AgentMetrics",
    type_name="AgentMetric",
    key="id",
    properties=(
        *model_properties(Agent, ["id", "source", "external_id", "name", "team"]),
        Property("chats_handled", "Edm.Int32", field="chats_handled", nullable=False),
        Property("first_response_seconds", "Edm.Double", field="first_response_seconds"),
        Property("handle_seconds", "Edm.Double", field="handle_seconds"),
        Property("satisfaction", "Edm.Double", field="satisfaction"),
        Property("surveys", "Edm.Int32", field="surveys", nullable=False),
    ),
    queryset=_agent_metrics,
    read_roles=MANAGERS_AND_AUDITORS,
    description="Agent performance per period: add start=YYYY-MM-DD and end=YYYY-MM-DD.",
)

ENTITY_SETS: dict[str, EntitySet] = {
    entity_set.name: entity_set for entity_set in (CHATS, RECORDS, TRENDS, AGENT_METRICS)
}
