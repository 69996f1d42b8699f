"""Intercom webhooks (`/integrations/intercom/webhook/`, issue #20 item 1).

Intercom signs each delivery with `X-Hub-Signature: sha1=<hex HMAC-SHA1(client secret, body)>`
(INTERCOM_WEBHOOK_SECRET). A `notification_event` carries the conversation (API 2.x item, or the
1.x item with `conversation_message`, `user`, `assignee`), usually with only the part that
triggered it. Notifications of an open conversation are held (once per notification id); a
closing one (`conversation.admin.closed`, or an item with `state: closed` / `open: false`)
imports the conversation from every held notification, merged as the file importer merges them
(latest state, every part). A notification of a conversation already imported is merged with
the stored chat and passed to the import as a full copy (inbound_copies); `ping` is answered.
"""

import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from chats.interchange import InterchangeError
from integrations.importers import intercom
from integrations.inbound import (
    _hold,
    _id,
    _import_closed,
    _json_body,
    _mapped,
    _object,
    _refuse,
    chat_imported,
    held_events,
)

CLOSING_TOPICS = frozenset({"conversation.admin.closed"})


def intercom_signature_ok(*, secret: str, body: bytes, signature: str) -> bool:
    digest = hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
    return hmac.compare_digest(f"sha1={digest}", signature)


def intercom_held_chat(key: str, latest: dict[str, Any] | None = None) -> dict[str, Any]:
    """The conversation from its held notification items (and the latest one), as one chat."""
    items = [*held_events(intercom.SOURCE, key, "notification"), *([latest] if latest else [])]
    if not items:
        raise InterchangeError("no notification was received for this conversation", "id")
    conversation = intercom.conversations_merged(items, [])
    return _mapped(lambda: intercom.conversation_to_chat(conversation, intercom.Contacts()))


def _closing(topic: str, item: dict[str, Any]) -> bool:
    return topic in CLOSING_TOPICS or item.get("state") == "closed" or item.get("open") is False


@csrf_exempt
@require_POST
def intercom_webhook(request: HttpRequest) -> HttpResponse:
    secret = settings.INTERCOM_WEBHOOK_SECRET
    if not secret:
        return _refuse(404, "the Intercom endpoint is not configured")
    if not intercom_signature_ok(
        secret=secret, body=request.body, signature=request.headers.get("X-Hub-Signature", "")
    ):
        return _refuse(401, "bad or missing X-Hub-Signature")
    try:
        envelope = _json_body(request)
        topic = str(envelope.get("topic") or "")
        if topic == "ping":
            return JsonResponse({"pong": True})
        item = _object(_object(envelope.get("data"), "data").get("item"), "data.item")
        if envelope.get("type") != "notification_event" or item.get("type") != "conversation":
            return JsonResponse({"ignored": topic}, status=202)
        key = _id(item.get("id"), "data.item.id")
        if not key:
            raise InterchangeError("is required", "data.item.id")
        if chat_imported(intercom.SOURCE, key) or _closing(topic, item):
            return _import_closed(intercom.SOURCE, key, intercom_held_chat(key, item))
        return _hold(
            intercom.SOURCE, key, "notification", item, event_key=_id(envelope.get("id"), "id")
        )
    except InterchangeError as error:
        return _refuse(400, str(error))
