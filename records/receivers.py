"""What records do when something happens elsewhere: a chat whose country changed has its
records' retention recomputed (R-RET-3)."""

from django.utils import timezone

from chats.hooks import ChatsCountryChanged, chat_country_changed
from core.db import any_of
from records.models import Record
from records.recompute import records_retention_recompute


def records_retention_recompute_for_chats(event: ChatsCountryChanged) -> int:
    """Receiver of `chat_country_changed`, inside the transaction that changed the country: the
    chats' records get the retention of their new jurisdiction, or the change rolls back."""
    record_ids = list(
        Record.objects.filter(any_of("chat_id", event.chat_ids)).values_list("pk", flat=True)
    )
    if not record_ids:
        return 0
    return records_retention_recompute(
        record_ids=record_ids, now=timezone.now(), reason=event.reason
    )


def connect() -> None:
    chat_country_changed.connect(records_retention_recompute_for_chats)
