"""Zendesk Chat (Chat Conversations API): the incremental export (`{"chats": [...]}`), a list of
chats, or single chat objects; `type` "chat" (a live chat with `history[]`) or "offline_msg".

Field map (see shared/formats/zendesk_chat/README.md):
- external_id `id`; started_at `timestamp`; ended_at `end_timestamp`, else timestamp +
  `duration` seconds, else the last history line; an offline message ends when it is sent.
- customer `visitor` {id, name, email, phone}; country `session.country_code`.
- agents: `agent_ids[]` with `agent_names[]`.
- messages: history lines of type "chat.msg" (and "chat.file"): nick "visitor" = customer,
  "agent:trigger" = bot (Zendesk triggers), "agent:<id>" = agent <id>; an offline message's
  `message` is one customer message.
- A chat without `type` and content (an incremental page requested without
  `fields=chats(*)`) is rejected with a reason saying exactly what to request.
- survey: `rating` "good"/"bad" (→ 5/1, the original kept in answers) and `comment`, or the
  history's chat.rating/chat.comment lines. Tags: `tags`.
"""

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from chats.country import SUBDIVISIONS
from chats.importers import ImportUnit, register_document_format
from chats.interchange import InterchangeError
from integrations.importers.documents import (
    PUBLIC,
    BadDocument,
    attachment,
    compact,
    country_code,
    documents_read,
    latest,
    one_chat,
    optional_object,
    optional_timestamp_iso,
    rating_from_good_bad,
    require_list,
    require_object,
    text_of,
    timestamp_iso,
    unit_error,
    unmapped_in_items,
    unmapped_keys,
    validated_units,
)

SOURCE = "zendesk_chat"
CHAT_TYPES = frozenset({"chat", "offline_msg"})
MESSAGE_LINES = frozenset({"chat.msg", "chat.file"})


def _region(session: dict[str, Any]) -> str:
    """The session's region is a name ("Florida"); US states and Canadian provinces map to
    their ISO 3166-2 code, other names are left out rather than guessed."""
    country = country_code(session.get("country_code"))
    code = SUBDIVISIONS.get(country, {}).get(str(session.get("region") or ""))
    return f"{country}-{code}" if code else ""


def _history(
    history: list[Any], visitor_name: str, agent_names: dict[str, str]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    survey: dict[str, Any] = {}
    for index, item in enumerate(history):
        where = f"history[{index}]"
        line = require_object(item, where)
        kind = text_of(line.get("type"), f"{where}.type")
        if kind == "chat.rating":
            survey["rating"] = line.get("new_rating", line.get("rating"))
            continue
        if kind == "chat.comment":
            survey["comment"] = text_of(
                line.get("new_comment", line.get("comment")), f"{where}.comment"
            )
            continue
        if kind not in MESSAGE_LINES:
            continue  # member joins/leaves and the like are not transcript lines
        nick = text_of(line.get("nick"), f"{where}.nick")
        sent_at = timestamp_iso(line.get("timestamp"), f"{where}.timestamp")
        text = text_of(line.get("msg"), f"{where}.msg")
        message: dict[str, Any] = {
            "sent_at": sent_at,
            "text": text,
            "external_id": text_of(line.get("msg_id"), f"{where}.msg_id"),
            "visibility": PUBLIC,
        }
        if kind == "chat.file":
            file = optional_object(line.get("attachment"), f"{where}.attachment")
            message["attachments"] = [
                attachment(
                    file.get("name"),
                    file.get("mime_type"),
                    file.get("size"),
                    file.get("url"),
                    f"{where}.attachment",
                )
            ]
        name = text_of(line.get("name") or line.get("display_name"), f"{where}.name")
        if nick == "visitor" or nick.startswith("visitor:"):
            message.update(sender="customer", author=name or visitor_name)
        elif nick == "agent:trigger":
            message.update(sender="bot", author=name)
        elif nick.startswith("agent:"):
            agent_id = nick.split(":", 1)[1]
            agent_names.setdefault(agent_id, name)
            message.update(sender="agent", agent_external_id=agent_id, author=name)
        else:
            raise InterchangeError(f"{nick!r} is neither visitor nor agent:<id>", f"{where}.nick")
        messages.append(message)
    return messages, survey


FIELDS_HINT = (
    "this chat carries no content: the incremental export returns the chats' messages only when "
    "asked, so request GET /api/v2/chat/incremental/chats?fields=chats(*)"
)
MAPPED_CHAT = frozenset(
    {"type", "id", "timestamp", "end_timestamp", "duration", "visitor", "session", "agent_ids",
     "agent_names", "history", "message", "rating", "comment", "tags"}
)  # fmt: skip
MAPPED_LINE = frozenset(
    {"type", "nick", "msg", "timestamp", "name", "display_name", "attachment", "rating",
     "new_rating", "comment", "new_comment", "msg_id"}
)  # fmt: skip


def chat_unmapped(chat: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    unmapped_keys(chat, MAPPED_CHAT, "", found)
    unmapped_in_items(chat.get("history"), MAPPED_LINE, "history", found)
    return found


def chat_to_interchange(chat: dict[str, Any]) -> dict[str, Any]:
    kind = chat.get("type")
    if kind is None and "history" not in chat and "message" not in chat:
        raise InterchangeError(FIELDS_HINT, "type")
    if kind == "chat" and "history" not in chat:
        raise InterchangeError(FIELDS_HINT, "history")
    if kind not in CHAT_TYPES:
        raise InterchangeError(f"{kind!r} is not a Zendesk chat type (chat or offline_msg)", "type")
    visitor = optional_object(chat.get("visitor"), "visitor")
    session = optional_object(chat.get("session"), "session")
    visitor_name = text_of(visitor.get("name"), "visitor.name")
    started_at = timestamp_iso(chat.get("timestamp"), "timestamp")
    agent_ids = [
        text_of(a, "agent_ids[]") for a in require_list(chat.get("agent_ids") or [], "agent_ids")
    ]
    names = [
        text_of(n, "agent_names[]")
        for n in require_list(chat.get("agent_names") or [], "agent_names")
    ]
    agent_names = dict(zip(agent_ids, [*names, *[""] * len(agent_ids)], strict=False))
    if kind == "offline_msg":
        messages = [
            {
                "sender": "customer",
                "sent_at": started_at,
                "author": visitor_name,
                "text": text_of(chat.get("message"), "message"),
            }
        ]
        history_survey: dict[str, Any] = {}
        ended_at: str | None = started_at
    else:
        messages, history_survey = _history(
            require_list(chat.get("history") or [], "history"), visitor_name, agent_names
        )
        ended_at = optional_timestamp_iso(chat.get("end_timestamp"), "end_timestamp")
        duration = chat.get("duration")
        if ended_at is None and isinstance(duration, int | float) and duration >= 0:
            moment = datetime.fromisoformat(started_at) + timedelta(seconds=duration)
            ended_at = moment.isoformat().replace("+00:00", "Z")
        if ended_at is None:
            ended_at = latest(started_at, *(m["sent_at"] for m in messages))
    raw_rating = chat.get("rating", history_survey.get("rating"))
    comment = text_of(chat.get("comment"), "comment") or history_survey.get("comment", "")
    survey = None
    if raw_rating is not None or comment:
        survey = {"rating": rating_from_good_bad(raw_rating, "rating"), "comment": comment}
        if raw_rating is not None:
            survey["answers"] = {"rating": str(raw_rating)}
    visitor_id = text_of(visitor.get("id"), "visitor.id")
    return {
        "external_id": text_of(chat.get("id"), "id"),
        "source": SOURCE,
        "started_at": started_at,
        "ended_at": ended_at,
        "country": country_code(session.get("country_code")),
        "region": _region(session),
        "customer": {
            "external_id": visitor_id,
            "name": visitor_name,
            "email": text_of(visitor.get("email"), "visitor.email"),
            "phone": text_of(visitor.get("phone"), "visitor.phone"),
        }
        if visitor
        else None,
        "agents": [{"external_id": key, "name": name} for key, name in agent_names.items()],
        "messages": messages,
        "survey": survey,
        "tags": [text_of(tag, "tags[]") for tag in require_list(chat.get("tags") or [], "tags")],
    }


def _chats_of(value: Any) -> list[Any] | None:
    """The chats a document holds: an export page, a list, or one chat."""
    if isinstance(value, dict) and "chats" in value:
        return require_list(value["chats"], "chats")
    if isinstance(value, list):
        return value
    if isinstance(value, dict) and "type" in value and "id" in value:
        return None
    raise InterchangeError("not a Zendesk Chat export page, chat list or chat object")


@register_document_format(SOURCE)
def zendesk_chat_units(data: bytes) -> Iterator[ImportUnit]:
    """Units are numbered by chat in file order (an export page holds many chats)."""
    number = 0
    for document in documents_read(data):
        number += 1
        if isinstance(document, BadDocument):
            yield ImportUnit(number, document.raw, document.error)
            continue
        try:
            chats = _chats_of(document.value)
        except InterchangeError as error:
            yield ImportUnit(number, document.raw, error)
            continue
        if chats is None:
            yield from validated_units(
                number,
                document.raw,
                one_chat(chat_to_interchange, document.value),
                chat_unmapped(document.value),
            )
            continue
        for index, chat in enumerate(chats):
            number += 1 if index else 0
            raw = compact(chat)
            if not isinstance(chat, dict):
                yield unit_error(number, raw, "not a Zendesk chat object")
            else:
                yield from validated_units(
                    number, raw, one_chat(chat_to_interchange, chat), chat_unmapped(chat)
                )
