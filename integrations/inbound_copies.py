"""Full copies of a pushed conversation (issue #20, item 1).

A live-chat system pushes a conversation piece by piece and goes on after we imported it: a
resolved Chatwoot conversation is reopened and given a new message, a CSAT answer arrives as a
`message_updated` after the resolution, an Intercom conversation is noted then closed, a Twilio
conversation gets a message after its close. No webhook path stops at "already present": every
event of a conversation already imported is merged with what the store holds of that chat, and
the resulting full copy is passed to the import, where SPEC §3's update rule decides (an
undeclared chat is updated; a declared one keeps the difference as a correction annotation).

The merge is pure (`chat_copies_merged`); only `chat_full_copy` reads the store. Nothing is held
after the import: the base of the next copy is the stored chat itself, which purge, DSR export
and destruction already cover.
"""

from typing import Any

from chats.models import Chat
from chats.selectors import chat_to_interchange, chat_with_transcript


def _content_key(message: dict[str, Any]) -> tuple[str, str, str]:
    return (
        str(message.get("sender") or ""),
        str(message.get("sent_at") or "").replace("+00:00", "Z"),
        str(message.get("text") or "").strip(),
    )


def messages_merged(
    base: list[dict[str, Any]], newer: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The base messages in their order, each replaced by its later copy (same external_id, or
    the same sender, moment and text as the interchange keeps it), then the new messages in
    time order. A message is never dropped: a copy that lacks one keeps the stored one."""
    merged = list(base)
    by_external_id = {m["external_id"]: i for i, m in enumerate(merged) if m.get("external_id")}
    by_content = {_content_key(m): i for i, m in enumerate(merged)}
    added: list[dict[str, Any]] = []
    for message in newer:
        index = by_external_id.get(message.get("external_id") or "")
        if index is None:
            index = by_content.get(_content_key(message))
        if index is None:
            added.append(message)
        else:
            merged[index] = message
    added.sort(key=lambda m: str(m.get("sent_at") or ""))
    return merged + added


def _person_filled(base: dict[str, Any] | None, newer: dict[str, Any] | None) -> Any:
    if not base:
        return newer
    if not newer:
        return base
    return {**base, **{k: v for k, v in newer.items() if v and not base.get(k)}}


def chat_copies_merged(base: dict[str, Any], newer: dict[str, Any]) -> dict[str, Any]:
    """One full copy from the stored chat (`base`, interchange v1) and a later, possibly
    partial, copy from the source (`newer`): the newer end time, survey and message copies win;
    nothing the base holds is lost; empty customer fields are filled."""
    agents = {a["external_id"]: a for a in base.get("agents") or []}
    for agent in newer.get("agents") or []:
        agents[agent["external_id"]] = {**agents.get(agent["external_id"], {}), **agent}
    tags = list(dict.fromkeys([*(base.get("tags") or []), *(newer.get("tags") or [])]))
    return {
        **{k: v for k, v in base.items() if k not in {"record", "sentiment", "satisfaction"}},
        **{k: v for k, v in newer.items() if v not in (None, "", [], {})},
        # A partial copy (one pushed message) starts at that message: the stored start stands.
        "started_at": base.get("started_at") or newer.get("started_at"),
        "ended_at": newer.get("ended_at") or base.get("ended_at"),
        "customer": _person_filled(base.get("customer"), newer.get("customer")),
        "agents": list(agents.values()),
        "messages": messages_merged(base.get("messages") or [], newer.get("messages") or []),
        "survey": newer.get("survey") or base.get("survey"),
        "tags": tags,
    }


def chat_stored(source: str, external_id: str) -> Chat | None:
    return chat_with_transcript(Chat.objects.filter(source=source, external_id=external_id)).first()


def chat_full_copy(newer: dict[str, Any]) -> dict[str, Any]:
    """The copy to import for a pushed chat: the pushed copy itself when the chat is new, else
    the stored chat merged with it."""
    stored = chat_stored(str(newer.get("source")), str(newer.get("external_id")))
    if stored is None:
        return newer
    base = chat_to_interchange(stored, redacted=False, extras={})
    return chat_copies_merged(base, newer)
