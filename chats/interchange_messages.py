"""The messages of an interchange chat (SPEC §3): sender, text, the source's message id,
attachments and visibility. Pure, no database access; `chats.interchange` validates the rest."""

from datetime import UTC, datetime
from typing import Any, NamedTuple

from django.conf import settings

from chats.interchange_primitives import (
    MAX_ID_LENGTH,
    InterchangeError,
    object_field,
    string_field,
    timestamp_field,
)
from chats.models import MessageVisibility, SenderRole

SENDER_ROLES = frozenset(SenderRole.values)
VISIBILITIES = frozenset(MessageVisibility.values)
# Attachments are described, never carried: a message lists at most this many, each with a
# size the source could plausibly have stored.
MAX_ATTACHMENTS_PER_MESSAGE = 50
MAX_ATTACHMENT_BYTES = 100 * 1024**3
MAX_ATTACHMENT_URL_LENGTH = 2048
ATTACHMENT_URL_SCHEMES = ("https://", "http://")


class AttachmentPayload(NamedTuple):
    name: str
    content_type: str = ""
    size: int | None = None
    url: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "content_type": self.content_type,
            "size": self.size,
            "url": self.url,
        }


class MessagePayload(NamedTuple):
    # A named tuple, not a frozen dataclass: imports build millions of these.
    sender: str
    sent_at: datetime
    text: str
    agent_external_id: str = ""
    author: str = ""
    external_id: str = ""
    attachments: tuple[AttachmentPayload, ...] = ()
    visibility: str = MessageVisibility.PUBLIC


_tuple_new = tuple.__new__
_PUBLIC = MessagePayload._field_defaults["visibility"]


def _too_long(length: int, limit: int, where: str) -> InterchangeError:
    return InterchangeError(
        f"is {length} characters long, more than MAX_MESSAGE_CHARS ({limit})", where
    )


def messages_parse(value: Any) -> tuple[MessagePayload, ...]:
    # Longer texts are refused here, at the door: one huge message that passed would later break
    # every run of the jobs that parse text (spaCy has a length limit), issue #12.
    limit = settings.MAX_MESSAGE_CHARS
    if value is None:
        raise InterchangeError("is required (an empty list is allowed)", "messages")
    if not isinstance(value, list):
        raise InterchangeError(f"must be a list, not {type(value).__name__}", "messages")
    messages = []
    for index, item in enumerate(value):
        # The paths that name a field in an error are built only for a message that needs one.
        data = item if isinstance(item, dict) else object_field(item, f"messages[{index}]")
        get = data.get
        sender = get("sender")
        sent_at_raw, text = get("sent_at"), get("text")
        agent_id, author = get("agent_external_id"), get("author")
        message_id = get("external_id")
        # Fast path for the common, well-formed message; anything unusual takes the checks below.
        if (
            type(sender) is str
            and sender in SENDER_ROLES
            and type(text) is str
            and type(sent_at_raw) is str
            and (agent_id is None or (type(agent_id) is str and len(agent_id) <= MAX_ID_LENGTH))
            and author is None
            and (message_id is None or (type(message_id) is str and len(message_id) <= 255))
            and not get("attachments")
            and get("visibility") in (None, MessageVisibility.PUBLIC)
        ):
            try:  # aware moments in UTC, as parse_timestamp gives them; the rest: slow path
                parsed = datetime.fromisoformat(sent_at_raw)
                moment = parsed.astimezone(UTC) if parsed.tzinfo is not None else None
            except (ValueError, OverflowError):
                moment = None
            if len(text) > limit:
                raise _too_long(len(text), limit, f"messages[{index}].text")
            if moment is not None:
                # The tuple MessagePayload(sender, moment, text, agent, "", message id) builds,
                # without its Python-level __new__ (a million messages, a million calls).
                messages.append(
                    _tuple_new(
                        MessagePayload,
                        (
                            sender,
                            moment,
                            text,
                            agent_id.strip() if agent_id else "",
                            "",
                            message_id.strip() if message_id else "",
                            (),
                            _PUBLIC,
                        ),
                    )
                )
                continue
        path = f"messages[{index}]."
        if not isinstance(sender, str) or sender not in SENDER_ROLES:
            raise InterchangeError(
                f"{sender!r} is not a sender role (one of {', '.join(sorted(SENDER_ROLES))})",
                f"{path}sender",
            )
        text = data.get("text", "")
        if text is None:
            text = ""
        if not isinstance(text, str):
            raise InterchangeError(f"must be a string, not {type(text).__name__}", f"{path}text")
        if len(text) > limit:
            raise _too_long(len(text), limit, f"{path}text")
        sent_at = timestamp_field(data, "sent_at", path, required=True)
        assert sent_at is not None  # noqa: S101 - required=True guarantees it
        messages.append(
            MessagePayload(
                sender=sender,
                sent_at=sent_at,
                text=text,
                agent_external_id=string_field(
                    data, "agent_external_id", path, max_length=MAX_ID_LENGTH
                ),
                author=string_field(data, "author", path, max_length=255),
                external_id=string_field(data, "external_id", path, max_length=MAX_ID_LENGTH),
                attachments=_attachments(data.get("attachments"), f"{path}attachments"),
                visibility=_visibility(data.get("visibility"), f"{path}visibility"),
            )
        )
    return tuple(messages)


def _visibility(value: Any, where: str) -> str:
    if value is None:
        return MessageVisibility.PUBLIC
    if not isinstance(value, str) or value.strip().lower() not in VISIBILITIES:
        raise InterchangeError(
            f"{value!r} is not a visibility (one of {', '.join(sorted(VISIBILITIES))})", where
        )
    return value.strip().lower()


def _attachment_size(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InterchangeError("must be a whole number of bytes", where)
    if not 0 <= value <= MAX_ATTACHMENT_BYTES:
        raise InterchangeError(
            f"{value} is out of range (0 to {MAX_ATTACHMENT_BYTES} bytes)", where
        )
    return value


def _attachments(value: Any, where: str) -> tuple[AttachmentPayload, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InterchangeError(f"must be a list, not {type(value).__name__}", where)
    if len(value) > MAX_ATTACHMENTS_PER_MESSAGE:
        raise InterchangeError(
            f"lists {len(value)} attachments, more than {MAX_ATTACHMENTS_PER_MESSAGE}", where
        )
    attachments = []
    for index, item in enumerate(value):
        path = f"{where}[{index}]."
        data = object_field(item, f"{where}[{index}]")
        url = string_field(data, "url", path, max_length=MAX_ATTACHMENT_URL_LENGTH)
        # Shown to readers and maybe followed: never a javascript: or data: address.
        if url and not url.lower().startswith(ATTACHMENT_URL_SCHEMES):
            raise InterchangeError("must be an http or https address", f"{path}url")
        name = string_field(data, "name", path, max_length=255)
        if not name and not url:
            raise InterchangeError("needs a name or a url", f"{where}[{index}]")
        attachments.append(
            AttachmentPayload(
                name=name,
                content_type=string_field(data, "content_type", path, max_length=255).lower(),
                size=_attachment_size(data.get("size"), f"{path}size"),
                url=url,
            )
        )
    return tuple(attachments)
