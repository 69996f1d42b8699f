"""The one field list of a chat's list view: the API serializer, the CSV export and the OData
feed are all derived from it (each takes the fields it carries, in this order).

A field is a model field of Chat, the reader-dependent `tags`, or an extra key answered through
`chats.hooks.chat_extras_collect` (`extra=True`). CSV and OData carry no reader-dependent list
beyond the tags and no keyword lists; OData has no tags (a computed, per-reader value).
"""

from dataclasses import dataclass
from typing import Any

from chats.models import Chat
from chats.selectors import chat_tags_for


@dataclass(frozen=True)
class ChatField:
    name: str
    extra: bool = False  # a key of chat_extras(), not a model field
    csv: bool = True
    odata: bool = True


CHAT_FIELDS: tuple[ChatField, ...] = (
    ChatField("id"),
    ChatField("source"),
    ChatField("external_id"),
    ChatField("started_at"),
    ChatField("ended_at"),
    ChatField("language"),
    ChatField("country"),
    ChatField("region"),
    ChatField("country_source"),
    ChatField("country_confidence"),
    ChatField("tags", odata=False),
    ChatField("redacted_at", csv=False),
    ChatField("record", extra=True),
    ChatField("sentiment", extra=True),
    ChatField("satisfaction", extra=True),
    ChatField("keywords", extra=True, csv=False, odata=False),
)

CHAT_API_FIELDS: list[str] = [field.name for field in CHAT_FIELDS]
CHAT_CSV_FIELDS: list[ChatField] = [field for field in CHAT_FIELDS if field.csv]
CHAT_ODATA_FIELDS: list[ChatField] = [field for field in CHAT_FIELDS if field.odata]


def chat_extra_value(extras: dict[str, Any], name: str) -> Any:
    """The value of the extra key `name` as every view shows it: a chat's record by its id,
    its keywords as a list (empty when there are none)."""
    value = extras.get(name)
    if name == "record":
        return value.get("id") if isinstance(value, dict) else value
    if name == "keywords":
        return value or []
    return value


def chat_field_values(
    chat: Chat, extras: dict[str, Any], fields: list[ChatField], *, show_identity: bool
) -> list[Any]:
    """One row of `fields` for `chat` (`extras`: its chat_extras() entry)."""
    row: list[Any] = []
    for field in fields:
        if field.extra:
            row.append(chat_extra_value(extras, field.name))
        elif field.name == "tags":
            row.append(chat_tags_for(chat, show_identity=show_identity))
        else:
            row.append(getattr(chat, field.name))
    return row
