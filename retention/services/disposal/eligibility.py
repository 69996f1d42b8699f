"""Which records of a batch may be disposed of now (re-checked at execution, under lock)."""

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from core.db import any_of
from records.models import Record
from retention.rules import record_disposal_refusal
from retention.selectors import record_ids_blocked


class _Candidate(NamedTuple):
    pk: int
    status: str
    schedule_id: int | None
    disposition_due: datetime | None
    schedule_action: str | None
    review_decision: str


def records_disposal_refusals(
    record_ids: Sequence[int], *, batch_action: str, due_at: datetime, lock: bool = True
) -> tuple[list[int], dict[int, str]]:
    """(the records a batch of `batch_action` may dispose of as of `due_at`, {record: why not}
    for the others). Holds are checked by the destruction itself (and the transfer package)."""
    rows = Record.objects.filter(any_of("pk", list(record_ids)))
    if lock:
        rows = rows.select_for_update(of=("self",))
    records = {
        row[0]: _Candidate(*row)
        for row in rows.values_list(
            "pk",
            "status",
            "schedule_id",
            "disposition_due",
            "schedule__action",
            "review_decision",
        )
    }
    blocks = record_ids_blocked(list(record_ids))
    not_eligible: dict[int, str] = {}
    candidates = []
    for record_id in record_ids:
        if record_id not in records:
            not_eligible[record_id] = "record no longer exists"
            continue
        why = record_disposal_refusal(
            records[record_id], block=blocks.get(record_id), batch_action=batch_action, now=due_at
        )
        if why is None:
            candidates.append(record_id)
        else:
            not_eligible[record_id] = why
    return candidates, not_eligible
