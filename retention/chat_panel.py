"""What a chat's pages show of its record (issue #18): the record, its status, the holds on
it and the disposal batch it is (or was) in, with the batch's certificate — for a page of
chats in a fixed number of queries, never one per chat."""

from dataclasses import dataclass, field

from records.models import Record
from retention.models import DisposalCertificate, DisposalItem, Tombstone
from retention.selectors import record_active_holds


@dataclass(frozen=True)
class ChatRecordSummary:
    record_id: int
    record_class: str
    status: str
    disposition_due: object  # a datetime or None
    holds: list[int] = field(default_factory=list)
    batch_id: int | None = None
    batch_state: str = ""
    item_status: str = ""
    certificate_id: int | None = None
    certificate_sequence: int | None = None
    tombstone: bool = False


def chat_record_summaries(chat_ids: list[int]) -> dict[int, ChatRecordSummary]:
    """{chat id: its record's summary} for the chats that have a record. The batch shown is
    the latest one the record was proposed in, whatever became of the item."""
    records = list(
        Record.objects.filter(chat_id__in=chat_ids).values_list(
            "pk", "chat_id", "record_class__code", "status", "disposition_due"
        )
    )
    record_ids = [row[0] for row in records]
    holds = record_active_holds(record_ids)
    latest_items: dict[int, tuple[int | None, str, str]] = {}
    for record_id, item_batch, state, status in (
        DisposalItem.objects.filter(record_id__in=record_ids)
        .order_by("record_id", "batch_id")
        .values_list("record_id", "batch_id", "batch__state", "status")
    ):
        latest_items[record_id] = (item_batch, state, status)
    batch_ids = {item[0] for item in latest_items.values()}
    certificates = {
        batch_id: (pk, sequence)
        for pk, batch_id, sequence in DisposalCertificate.objects.filter(
            batch_id__in=batch_ids
        ).values_list("pk", "batch_id", "sequence")
    }
    tombstones = set(
        Tombstone.objects.filter(record_id_value__in=record_ids).values_list(
            "record_id_value", flat=True
        )
    )
    summaries = {}
    for pk, chat_id, code, status, due in records:
        batch_id, batch_state, item_status = latest_items.get(pk, (None, "", ""))
        certificate = certificates.get(batch_id) if batch_id is not None else None
        summaries[chat_id] = ChatRecordSummary(
            record_id=pk,
            record_class=code,
            status=status,
            disposition_due=due,
            holds=holds.get(pk, []),
            batch_id=batch_id,
            batch_state=batch_state,
            item_status=item_status,
            certificate_id=certificate[0] if certificate else None,
            certificate_sequence=certificate[1] if certificate else None,
            tombstone=pk in tombstones,
        )
    return summaries
