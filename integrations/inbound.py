"""Webhook endpoints where live-chat systems push conversations (issue #7).

Each endpoint authenticates the sender the way that system signs its webhooks, holds the
pieces of an open conversation (InboundEvent) and imports the chat whole, through the same
mapping as `import_chats --format NAME` and the one validator, when the conversation closes:

- Chatwoot: `X-Chatwoot-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>` with
  the timestamp of `X-Chatwoot-Timestamp` (CHATWOOT_WEBHOOK_SECRET). message_created events
  are held; conversation_resolved or a status change to "resolved" imports the conversation
  with every held message.
- LiveChat: the envelope's `secret_key` must equal LIVECHAT_WEBHOOK_SECRET. incoming_chat and
  incoming_event are held; chat_deactivated imports the thread with its events.
- Twilio Conversations (webhooks and Event Streams): see integrations/inbound_twilio.py.
- Intercom (X-Hub-Signature): see integrations/inbound_intercom.py.

An event of a conversation already imported is never answered "already present": it is merged
with the stored chat and the full copy is passed to the import (inbound_copies, issue #20).

A malformed payload is refused with 400 and the reason; a closed conversation whose mapping
fails is refused the same way and its held events are kept, so nothing is half-imported.

Held events must not outlive their conversation: see integrations/inbound_idle.py (issue #12).
"""

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from chats.interchange import InterchangeError, chat_payload_from_dict
from chats.models import Chat
from chats.services.import_batch import chat_import
from core.jsonparse import JSONBodyError, json_loads_strict
from integrations.importers import chatwoot, livechat, livechat_parts
from integrations.inbound_copies import chat_full_copy
from integrations.models import InboundEvent

TIMESTAMP_TOLERANCE_SECONDS = 300
T = TypeVar("T")


def _refuse(status: int, message: str) -> JsonResponse:
    return JsonResponse({"message": message, "extra": {}}, status=status)


@transaction.atomic
def _import_closed(source: str, key: str, chat: dict[str, Any]) -> JsonResponse:
    """Imports the full copy of a pushed chat (the stored chat merged with what was pushed, see
    inbound_copies) and drops what was held for it: the update rule applies to every copy."""
    copy = chat_full_copy(chat)
    chat_obj, created = chat_import(payload=chat_payload_from_dict(copy))
    InboundEvent.objects.filter(source=source, conversation_key=key).delete()
    body: dict[str, Any] = {"chat": chat_obj.pk, "created": created}
    if not created:
        body["copy"] = "passed to the import (update rule)"
    return JsonResponse(body, status=201 if created else 200)


def chat_imported(source: str, external_id: str) -> bool:
    return (
        bool(external_id) and Chat.objects.filter(source=source, external_id=external_id).exists()
    )


def held_events(source: str, key: str, kind: str) -> list[Any]:
    return list(
        InboundEvent.objects.filter(source=source, conversation_key=key, kind=kind)
        .order_by("pk")
        .values_list("payload", flat=True)
    )


def _hold(
    source: str,
    key: str,
    kind: str,
    payload: Any,
    *,
    event_key: str = "",
    replace: bool = False,
) -> JsonResponse:
    """Holds one piece of an open conversation, once: a replayed event (the same message,
    participant or thread id — `event_key`) adds nothing and is answered 200 so the sender
    stops retrying. With `replace` (an edit of a held message) the held copy takes the new
    payload. An event of a conversation already imported is not held: the caller passes a full
    copy to the import instead (`chat_imported`)."""
    if not key:
        raise InterchangeError("is required", "conversation id")
    held = InboundEvent.objects.filter(source=source, conversation_key=key, kind=kind)
    if event_key and held.filter(event_key=event_key).exists():
        if replace:
            held.filter(event_key=event_key).update(payload=payload)
            return JsonResponse({"updated": kind, "event_key": event_key})
        return JsonResponse({"duplicate": kind, "event_key": event_key})
    try:
        with transaction.atomic():
            InboundEvent.objects.create(
                source=source,
                conversation_key=key,
                kind=kind,
                payload=payload,
                event_key=event_key,
            )
    except IntegrityError:  # the same event, delivered twice at once: one is held
        return JsonResponse({"duplicate": kind, "event_key": event_key})
    return JsonResponse({"held": kind}, status=202)


def _json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json_loads_strict(request.body)
    except JSONBodyError as error:
        raise InterchangeError(str(error)) from None
    if not isinstance(data, dict):
        raise InterchangeError("not a JSON object")
    return data


def _object(value: Any, where: str) -> dict[str, Any]:
    """An object of the payload; absent or null is an empty one, anything else is refused."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InterchangeError(f"must be an object, not {type(value).__name__}", where)
    return value


def _id(value: Any, where: str) -> str:
    """An identifier of the payload as text: a string or a whole number, or empty."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InterchangeError(f"must be a string or a number, not {type(value).__name__}", where)
    return str(value)


def _name(value: Any) -> str | None:
    """An event or action name; anything that is not a string names nothing we handle."""
    return value if isinstance(value, str) else None


def _mapped(convert: Callable[[], T]) -> T:
    """Runs a source mapping over a signed but possibly malformed payload: a piece of the wrong
    type that the mapping did not foresee is the sender's error (400), not ours (500)."""
    try:
        return convert()
    except InterchangeError:
        raise
    except (TypeError, AttributeError, KeyError, IndexError, ValueError) as error:
        raise InterchangeError(f"the payload has an unexpected shape ({error})") from None


# --- Chatwoot ---------------------------------------------------------------------------------


def chatwoot_signature_ok(
    *, secret: str, timestamp: str, body: bytes, signature: str, now: float
) -> bool:
    if not timestamp.isdigit() or abs(now - int(timestamp)) > TIMESTAMP_TOLERANCE_SECONDS:
        return False
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(f"sha256={digest.hexdigest()}", signature)


@csrf_exempt
@require_POST
def chatwoot_webhook(request: HttpRequest) -> HttpResponse:
    secret = settings.CHATWOOT_WEBHOOK_SECRET
    if not secret:
        return _refuse(404, "the Chatwoot endpoint is not configured")
    if not chatwoot_signature_ok(
        secret=secret,
        timestamp=request.headers.get("X-Chatwoot-Timestamp", ""),
        body=request.body,
        signature=request.headers.get("X-Chatwoot-Signature", ""),
        now=time.time(),
    ):
        return _refuse(401, "bad or missing X-Chatwoot-Signature / X-Chatwoot-Timestamp")
    try:
        payload = _json_body(request)
        event = _name(payload.get("event"))
        if event in chatwoot.MESSAGE_EVENTS:
            conversation = _object(payload.get("conversation"), "conversation")
            key = _id(conversation.get("id"), "conversation.id")
            if not key:
                raise InterchangeError("is required", "conversation.id")
            message = {
                k: v
                for k, v in payload.items()
                if k not in {"conversation", "account", "inbox", "event"}
            }
            if chat_imported(chatwoot.SOURCE, key):
                # After the resolution (a reopened conversation, a CSAT answer sent as
                # message_updated): the event with the held pieces makes the next copy.
                held = [*held_events(chatwoot.SOURCE, key, "message"), message]
                chat = _mapped(
                    lambda: chatwoot.conversation_to_chat(conversation, extra_messages=held)
                )
                return _import_closed(chatwoot.SOURCE, key, chat)
            return _hold(
                chatwoot.SOURCE,
                key,
                "message",
                message,
                event_key=_id(payload.get("id"), "id"),
                replace=event == "message_updated",
            )
        if event in chatwoot.CONVERSATION_EVENTS:
            resolved = event == "conversation_resolved" or payload.get("status") == "resolved"
            key = _id(payload.get("id"), "id")
            if not resolved and not chat_imported(chatwoot.SOURCE, key):
                return JsonResponse({"ignored": event}, status=202)
            held = held_events(chatwoot.SOURCE, key, "message")
            chat = _mapped(
                lambda: chatwoot.conversation_to_chat(
                    payload,
                    event="conversation_resolved" if resolved else "",
                    extra_messages=held,
                )
            )
            return _import_closed(chatwoot.SOURCE, key, chat)
        return JsonResponse({"ignored": event}, status=202)
    except InterchangeError as error:
        return _refuse(400, str(error))


# --- LiveChat ---------------------------------------------------------------------------------


def livechat_held_chat(key: str) -> dict[str, Any]:
    """The held incoming_chat with every held event of its thread, as an ended chat."""
    chats = held_events(livechat.SOURCE, key, "chat")
    if not chats:
        raise InterchangeError("no incoming_chat was received for this chat", "chat_id")
    chat = dict(chats[-1])
    thread = dict(_object(chat.get("thread"), "payload.chat.thread"))
    given = thread.get("events") or []
    if not isinstance(given, list):
        raise InterchangeError("must be a list", "payload.chat.thread.events")
    seen = {e.get("id") for e in given if isinstance(e, dict)}
    events = list(given)
    for held in held_events(livechat.SOURCE, key, "event"):
        event = held.get("event") or {}
        if held.get("thread_id") in (None, thread.get("id")) and event.get("id") not in seen:
            seen.add(event.get("id"))
            events.append(event)
    updates: dict[str, dict[str, Any]] = {}
    for held in held_events(livechat.SOURCE, key, "properties"):
        update = livechat_parts.property_updates(held)
        if update is not None:
            updates[update[0]] = {**updates.get(update[0], {}), **update[1]}
    thread = livechat_parts.with_properties({**thread, "events": events, "active": False}, updates)
    (converted,) = _mapped(lambda: livechat.chat_to_chats({**chat, "thread": thread}, {}))
    return converted


def _livechat_piece(chat_id: str, thread: dict[str, Any]) -> dict[str, Any]:
    """A pushed piece of a thread already imported (an event, a rating) as a partial chat."""
    chat = {"id": chat_id, "users": [], "thread": thread}
    (converted,) = _mapped(lambda: livechat.chat_to_chats(chat, {}))
    return converted


@csrf_exempt
@require_POST
def livechat_webhook(request: HttpRequest) -> HttpResponse:
    secret = settings.LIVECHAT_WEBHOOK_SECRET
    if not secret:
        return _refuse(404, "the LiveChat endpoint is not configured")
    try:
        envelope = _json_body(request)
    except InterchangeError as error:
        return _refuse(400, str(error))
    if not hmac.compare_digest(str(envelope.get("secret_key", "")), secret):
        return _refuse(401, "bad or missing secret_key")
    try:
        return _livechat_action(_name(envelope.get("action")), envelope)
    except InterchangeError as error:
        return _refuse(400, str(error))


def _livechat_action(action: str | None, envelope: dict[str, Any]) -> JsonResponse:
    payload = _object(envelope.get("payload"), "payload")
    source = livechat.SOURCE
    if action == "incoming_chat":
        chat = _object(payload.get("chat"), "payload.chat")
        thread = _object(chat.get("thread"), "payload.chat.thread")
        thread_id = _id(thread.get("id"), "payload.chat.thread.id")
        key = _id(chat.get("id"), "payload.chat.id")
        if chat_imported(source, thread_id):
            (converted,) = _mapped(lambda: livechat.chat_to_chats(chat, {}))
            return _import_closed(source, key, converted)
        return _hold(source, key, "chat", chat, event_key=thread_id)
    if action == "incoming_event":
        thread_id = _id(payload.get("thread_id"), "payload.thread_id")
        event = _object(payload.get("event"), "payload.event")
        key = _id(payload.get("chat_id"), "payload.chat_id")
        if chat_imported(source, thread_id):
            thread = {"id": thread_id, "created_at": event.get("created_at"), "events": [event]}
            return _import_closed(source, key, _livechat_piece(key, thread))
        return _hold(
            source,
            key,
            "event",
            {"thread_id": payload.get("thread_id"), "event": event},
            event_key=_id(event.get("id"), "payload.event.id"),
        )
    if action in livechat_parts.PROPERTY_ACTIONS:
        thread_id = _id(payload.get("thread_id"), "payload.thread_id")
        key = _id(payload.get("chat_id"), "payload.chat_id")
        if action == "thread_properties_updated" and chat_imported(source, thread_id):
            stored = Chat.objects.get(source=source, external_id=thread_id)
            thread = {
                "id": thread_id,
                "created_at": stored.started_at.isoformat(),
                "events": [],
                "properties": _object(payload.get("properties"), "payload.properties"),
            }
            return _import_closed(source, key, _livechat_piece(key, thread))
        return _hold(source, key, "properties", payload)
    if action == "chat_deactivated":
        key = _id(payload.get("chat_id"), "payload.chat_id")
        thread_id = _id(payload.get("thread_id"), "payload.thread_id")
        if not held_events(source, key, "chat") and chat_imported(source, thread_id):
            return JsonResponse({"ignored": action, "reason": "nothing new since the import"})
        return _import_closed(source, key, livechat_held_chat(key))
    return JsonResponse({"ignored": action}, status=202)


def twilio_signature(*, auth_token: str, url: str, params: dict[str, str]) -> str:
    """Twilio's request signature (used by integrations/inbound_twilio.py)."""
    data = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()
