"""Re-running country inference on chats whose country was inferred or is unknown.

Countries given by the source system or verified by QA are never touched. Each chunk is its own
transaction, and `chats.hooks.chat_country_changed` is sent inside it (the retention the new
country implies commits with it); re-running is harmless (an unchanged chat is not written).
"""

from collections.abc import Sequence

from django.utils import timezone

from chats.country import country_infer
from chats.hooks import ChatsCountryChanged, chat_country_changed
from chats.models import Chat
from core.batching import chunks_process, rows_after
from core.db.history import rows_update_with_history

INFERABLE_SOURCES = ("unknown", "phone_number", "email_domain", "agent")
INFER_CHUNK_SIZE = 1000
REINFERRED_REASON = "country re-inferred"


def _chats_reinfer(chats: Sequence[Chat]) -> list[Chat]:
    """Re-infers each chat's country; returns (and saves, with history) the chats it changed."""
    updates = []
    for chat in chats:
        evidence = country_infer(
            customer_phone=chat.customer.phone if chat.customer else "",
            customer_email=chat.customer.email if chat.customer else "",
            agent_countries=[agent.default_country for agent in chat.agents.all()],
        )
        new = (evidence.country, evidence.region, evidence.source, evidence.confidence)
        if new != (chat.country, chat.region, chat.country_source, chat.country_confidence):
            chat.country, chat.region = evidence.country, evidence.region
            chat.country_source, chat.country_confidence = new[2], new[3]
            updates.append(chat)
    if updates:
        rows_update_with_history(
            Chat,
            updates,
            ["country", "region", "country_source", "country_confidence"],
            reason=REINFERRED_REASON,
            when=timezone.now(),
        )
        chat_country_changed.send(
            ChatsCountryChanged(
                chat_ids=tuple(chat.pk for chat in updates), reason=REINFERRED_REASON
            )
        )
    return updates


def chats_country_reinfer(*, chunk_size: int = INFER_CHUNK_SIZE) -> dict[str, int]:
    """Re-infers the country of every chat whose country was not given (infer_countries job)."""
    inferable = (
        Chat.objects.filter(country_source__in=INFERABLE_SOURCES)
        .select_related("customer")
        .prefetch_related("agents")
    )
    changed = 0

    def process(chats: Sequence[Chat]) -> None:
        nonlocal changed
        changed += len(_chats_reinfer(chats))

    run = chunks_process(
        claim=lambda after: rows_after(inferable, after, chunk_size),
        process=process,
        chunk_size=chunk_size,
        label="infer_countries",
    )
    return {"examined": run.items, "changed": changed}
