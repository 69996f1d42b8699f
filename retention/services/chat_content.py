"""What destroying a chat's content does to the chat, its customer and their history rows
(used by retention.services.destruction and .purge, inside their transaction).

The Chat row stays (metadata only; other apps' aggregates reference it by foreign key); its
tags go from the row and every history row; the Customer is unlinked and deleted with its history
rows when no chat refers to it any more. Everything is set-based: a chunk is a thousand chats.
"""

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from django.db.models import Exists, F, Max, OuterRef

from chats.models import Chat, ChatCorrection, ChatSourceDocument, Customer, Message, Survey
from core.db import any_of, epoch_microseconds, epoch_microseconds_of, rows_delete_set_based


def chats_content_sha256(chat_ids: Sequence[int]) -> dict[int, str]:
    """SHA-256 per chat over its messages (both layers, the time in epoch microseconds) and
    survey text, in position order, as compact JSON with sorted keys (orjson, UTF-8)."""
    parts: dict[int, list[Any]] = {chat_id: [] for chat_id in chat_ids}
    # A plain fetch: a chunk's messages fit in memory, and iterator()'s server-side cursor cost
    # several times as much at a million messages.
    rows = (
        Message.objects.filter(any_of("chat_id", chat_ids))
        .order_by("chat_id", "position")
        .values_list(
            "chat_id",
            "position",
            "sender",
            epoch_microseconds_of("sent_at"),
            "text",
            "text_redacted",
        )
    )
    for chat_id, position, sender, sent, text, redacted in rows:
        parts[chat_id].append([position, sender, epoch_microseconds(sent), text, redacted])
    surveys = Survey.objects.filter(any_of("chat_id", chat_ids)).values_list(
        "chat_id", "comment", "comment_redacted", "answers"
    )
    for chat_id, comment, comment_redacted, answers in surveys:
        parts[chat_id].append(
            {"comment": comment, "redacted": comment_redacted, "answers": answers}
        )
    return {
        chat_id: hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()
        for chat_id, content in parts.items()
    }


def customers_release(customer_ids: set[int]) -> int:
    """Deletes customers no chat refers to any more, with every history row of their identity."""
    if not customer_ids:
        return 0
    orphans = list(
        Customer.objects.filter(any_of("pk", customer_ids))
        .exclude(Exists(Chat.objects.filter(customer_id=OuterRef("pk"))))
        .values_list("pk", flat=True)
    )
    if not orphans:
        return 0
    rows_delete_set_based(Customer._base_manager.filter(any_of("pk", orphans)))
    Customer.history.filter(any_of("id", orphans)).delete()
    return len(orphans)


def chats_customers_unlink(chat_ids: list[int]) -> set[int]:
    """Unlinks the chats from their customers, whose rows stay locked until the caller commits.

    The lock serialises two transactions that unlink different chats of one customer (two
    disposal workers, an erasure beside a batch): without it, each would still see the other's
    chat linked, and neither would release the customer. Taken in id order: no deadlock."""
    customer_ids = set(
        Chat.objects.filter(any_of("pk", chat_ids), customer__isnull=False).values_list(
            "customer_id", flat=True
        )
    )
    list(
        Customer.objects.filter(any_of("pk", sorted(customer_ids)))
        .select_for_update()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    Chat.objects.filter(any_of("pk", chat_ids)).update(customer=None)
    # History rows of the chat carry no text, but they name the customer: unlink them too.
    Chat.history.filter(any_of("id", chat_ids)).update(customer_id=None)
    return customer_ids


def chats_tags_destroy(chat_ids: list[int], *, keep_redacted: bool) -> None:
    """The source's tags may hold personal data (an e-mail as a label): they go from the chat
    row and from every history row of it. `keep_redacted`: the redacted layer stays (anonymise,
    purge), as the chat's only tags."""
    chats = Chat.objects.filter(any_of("pk", chat_ids))
    history = Chat.history.filter(any_of("id", chat_ids))
    if keep_redacted:
        chats.filter(tags_redacted__isnull=False).update(tags=F("tags_redacted"))
        chats.filter(tags_redacted__isnull=True).update(tags=[])
        history.update(tags=[])
    else:
        chats.update(tags=[], tags_redacted=[])
        history.update(tags=[], tags_redacted=[])


def chats_source_documents_destroy(chat_ids: list[int]) -> None:
    """The documents as received (SPEC §3) are personal data: they go with the originals
    (purge) and with the chat (destruction, erasure). Corrections keep only the names of the
    fields that differed."""
    ChatCorrection.objects.filter(any_of("chat_id", chat_ids)).update(source_document=None)
    rows_delete_set_based(ChatSourceDocument.objects.filter(any_of("chat_id", chat_ids)))


def customers_old_identities_purge(customer_ids: Iterable[int]) -> None:
    """Deletes superseded history rows of these customers (past names, emails, phones); the
    customer's current identity stays while any of its chats is live."""
    ids = set(customer_ids)
    if not ids:
        return
    history = Customer.history
    latest = (
        history.filter(any_of("id", ids))
        .values("id")
        .annotate(latest=Max("history_id"))
        .values_list("latest", flat=True)
    )
    history.filter(any_of("id", ids)).exclude(history_id__in=list(latest)).delete()
