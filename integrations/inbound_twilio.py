"""Twilio Conversations pushes: the conversation-scoped webhooks (form-encoded) and Event Streams
(CloudEvents, Twilio's recommended feed) — issue #20, item 6.

- Webhooks (`/integrations/twilio/webhook/`): `X-Twilio-Signature` = base64(HMAC-SHA1(
  TWILIO_AUTH_TOKEN, URL + each form parameter name and value, sorted by name)).
- Event Streams (`/integrations/twilio/events/`): a JSON array of CloudEvents (or one). Twilio
  signs a JSON body through the URL: the URL carries `bodySHA256` (hex SHA-256 of the body) and
  `X-Twilio-Signature` = base64(HMAC-SHA1(TWILIO_AUTH_TOKEN, URL)). Each event's `data` has the
  webhook's parameter names (`MessageBody` for `Body`, `MessagingBinding` as an object), so both
  feeds are read by the same code.

onParticipantAdded / participant.added, onMessageAdded / message.added (and conversation.added,
for its DateCreated) are held; onConversationStateUpdated / conversation-state.updated to
"closed" imports the conversation. The documented state payload has `StateUpdated` and no
`DateCreated`: the start is then taken from the held conversation.added, else the earliest held
message or participant, else the stored chat. An event of a conversation already imported is
merged with the stored chat and passed to the import as a full copy (inbound_copies).
"""

import hashlib
import hmac
import json
from typing import Any
from urllib.parse import parse_qs

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from chats.interchange import InterchangeError
from chats.models import Chat
from core.jsonparse import JSONBodyError, json_loads_strict
from integrations.importers import twilio
from integrations.inbound import (
    _hold,
    _import_closed,
    _mapped,
    _refuse,
    chat_imported,
    held_events,
    twilio_signature,
)

# Twilio batches Event Streams deliveries; a larger body is not Twilio's and is refused whole.
MAX_EVENTS_PER_DELIVERY = 1000
CLOUD_EVENT_TYPES = {
    "com.twilio.conversations.message.added": "onMessageAdded",
    "com.twilio.conversations.participant.added": "onParticipantAdded",
    "com.twilio.conversations.conversation-state.updated": "onConversationStateUpdated",
    "com.twilio.conversations.conversation.added": "onConversationAdded",
}


def _participant(form: dict[str, str]) -> dict[str, Any]:
    return {
        "sid": form.get("ParticipantSid"),
        "conversation_sid": form.get("ConversationSid"),
        "identity": form.get("Identity") or None,
        "attributes": form.get("Attributes") or "{}",
        "date_created": form.get("DateCreated") or None,
        "messaging_binding": {
            "address": form.get("MessagingBinding.Address") or None,
            "proxy_address": form.get("MessagingBinding.ProxyAddress"),
        },
    }


def _message(form: dict[str, str]) -> dict[str, Any]:
    index = form.get("Index", "")
    media = json.loads(form["Media"]) if form.get("Media") else None
    if media is not None and not isinstance(media, list):
        raise InterchangeError("must be a JSON list of media objects", "Media")
    return {
        "sid": form.get("MessageSid"),
        "conversation_sid": form.get("ConversationSid"),
        "author": form.get("Author"),
        "participant_sid": form.get("ParticipantSid"),
        "body": form.get("Body"),
        "date_created": form.get("DateCreated"),
        "index": int(index) if index.isdigit() else None,
        "media": media,
    }


def _copy_of(key: str, messages: list[Any], participants: list[Any]) -> dict[str, Any]:
    """A pushed piece of a conversation already imported, as a partial chat."""
    stored = Chat.objects.get(source=twilio.SOURCE, external_id=key)
    conversation = {"sid": key, "date_created": stored.started_at.isoformat(), "state": "active"}
    bundle = twilio.Bundle(
        number=1, conversation=conversation, messages=messages, participants=participants
    )
    return _mapped(lambda: twilio.bundle_to_chat(bundle))


def _started_at(key: str, form: dict[str, str]) -> str | None:
    for held in held_events(twilio.SOURCE, key, "conversation"):
        if held.get("date_created"):
            return str(held["date_created"])
    moments = sorted(
        str(piece["date_created"])
        for kind in ("message", "participant")
        for piece in held_events(twilio.SOURCE, key, kind)
        if piece.get("date_created")
    )
    if form.get("DateCreated"):
        return form["DateCreated"]
    if moments:
        return moments[0]
    stored = Chat.objects.filter(source=twilio.SOURCE, external_id=key).first()
    return stored.started_at.isoformat() if stored else form.get("StateUpdated") or None


def twilio_event(form: dict[str, str]) -> JsonResponse:
    """One Twilio Conversations event, with the webhook's parameter names."""
    key = form.get("ConversationSid", "")
    if not key:
        raise InterchangeError("is required", "ConversationSid")
    event = form.get("EventType")
    imported = chat_imported(twilio.SOURCE, key)
    if event == "onParticipantAdded":
        participant = _participant(form)
        if imported:
            return _import_closed(twilio.SOURCE, key, _copy_of(key, [], [participant]))
        return _hold(
            twilio.SOURCE, key, "participant", participant, event_key=form.get("ParticipantSid", "")
        )
    if event == "onMessageAdded":
        message = _message(form)
        if imported:
            return _import_closed(twilio.SOURCE, key, _copy_of(key, [message], []))
        return _hold(twilio.SOURCE, key, "message", message, event_key=form.get("MessageSid", ""))
    if event == "onConversationAdded":
        added = {"date_created": form.get("DateCreated")}
        return _hold(twilio.SOURCE, key, "conversation", added, event_key=key)
    if event == "onConversationStateUpdated" and form.get("StateTo") == "closed":
        closed_at = form.get("StateUpdated") or form.get("DateUpdated")
        conversation: dict[str, Any] = {
            "sid": key,
            "date_created": _started_at(key, form),
            "state": "closed",
            "date_updated": closed_at,
            "attributes": form.get("Attributes"),
            "timers": {"date_closed": closed_at},
        }
        bundle = twilio.Bundle(
            number=1,
            conversation=conversation,
            messages=held_events(twilio.SOURCE, key, "message"),
            participants=held_events(twilio.SOURCE, key, "participant"),
        )
        return _import_closed(twilio.SOURCE, key, _mapped(lambda: twilio.bundle_to_chat(bundle)))
    return JsonResponse({"ignored": event}, status=202)


@csrf_exempt
@require_POST
def twilio_webhook(request: HttpRequest) -> HttpResponse:
    token = settings.TWILIO_AUTH_TOKEN
    if not token:
        return _refuse(404, "the Twilio endpoint is not configured")
    form = request.POST.dict()
    if any("\x00" in name or "\x00" in value for name, value in form.items()):
        return _refuse(400, "a form field contains a NUL character")
    url = settings.TWILIO_WEBHOOK_URL or request.build_absolute_uri()
    expected = twilio_signature(auth_token=token, url=url, params=form)
    if not hmac.compare_digest(expected, request.headers.get("X-Twilio-Signature", "")):
        return _refuse(401, "bad or missing X-Twilio-Signature")
    if not form.get("ConversationSid"):
        return _refuse(400, "ConversationSid: is required")
    try:
        return twilio_event(form)
    except (InterchangeError, ValueError) as error:
        return _refuse(400, str(error))


def cloud_event_form(event: Any, where: str) -> dict[str, str]:
    """A Twilio CloudEvent as the webhook's form parameters (pure)."""
    if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
        raise InterchangeError("must be a CloudEvent object with a data object", where)
    data: dict[str, Any] = event["data"]
    form = {
        name: str(value)
        for name, value in data.items()
        if isinstance(value, str | int) and not isinstance(value, bool)
    }
    form["EventType"] = CLOUD_EVENT_TYPES.get(str(event.get("type")), str(event.get("type")))
    if "MessageBody" in data:
        form["Body"] = str(data["MessageBody"] or "")
    binding = data.get("MessagingBinding")
    if isinstance(binding, dict):
        for name in ("Address", "ProxyAddress"):
            if isinstance(binding.get(name), str):
                form[f"MessagingBinding.{name}"] = binding[name]
    if isinstance(data.get("Media"), list):
        form["Media"] = json.dumps(data["Media"])
    return form


def _events_signature_ok(request: HttpRequest, token: str) -> bool:
    # bodySHA256 changes with every body: the configured URL is the sink's base, the query is
    # the request's own.
    query = request.META.get("QUERY_STRING", "")
    base = settings.TWILIO_EVENTS_URL or request.build_absolute_uri(request.path)
    url = f"{base}?{query}" if query else base
    given = parse_qs(query).get("bodySHA256", [""])[0]
    body_ok = hmac.compare_digest(given, hashlib.sha256(request.body).hexdigest())
    expected = twilio_signature(auth_token=token, url=url, params={})
    signed = hmac.compare_digest(expected, request.headers.get("X-Twilio-Signature", ""))
    return body_ok and signed


@csrf_exempt
@require_POST
def twilio_events_webhook(request: HttpRequest) -> HttpResponse:
    token = settings.TWILIO_AUTH_TOKEN
    if not token:
        return _refuse(404, "the Twilio endpoint is not configured")
    if not _events_signature_ok(request, token):
        return _refuse(401, "bad or missing X-Twilio-Signature or bodySHA256")
    try:
        body = json_loads_strict(request.body)
    except JSONBodyError as error:
        return _refuse(400, str(error))
    events = body if isinstance(body, list) else [body]
    if len(events) > MAX_EVENTS_PER_DELIVERY:
        return _refuse(400, f"more than {MAX_EVENTS_PER_DELIVERY} events in one delivery")
    results: list[dict[str, Any]] = []
    refused = False
    for index, event in enumerate(events):
        try:
            response = twilio_event(cloud_event_form(event, f"[{index}]"))
            results.append(json.loads(response.content))
        except (InterchangeError, ValueError) as error:
            refused = True
            results.append({"message": f"[{index}]: {error}"})
    # Each event is applied on its own; a refused one makes Twilio retry, and the events
    # already applied add nothing the second time (held once; the same copy is a no-op).
    return JsonResponse({"results": results}, status=400 if refused else 200)
