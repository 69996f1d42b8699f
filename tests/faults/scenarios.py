"""The seeded data of the fault-injection scenarios (tests/faults/harness.py): sample chats
imported through chats_import_lines (post-import hooks off), records declared by
records_declare. Disposal and purge scenarios give every chat a synthetic redacted layer with
SQL (those jobs need one to exist, not to be good), and hold some records; snapshots of the
records' content tell what a job changed.
"""

import hashlib
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.contrib.auth.models import User

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, tzinfo=UTC)


# --- state snapshots -------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordState:
    chat_id: int
    messages: int
    text_sha256: str  # original texts in position order
    survey_comment: str


def records_snapshot(record_ids: list[int] | None = None) -> dict[int, RecordState]:
    """Per record: its chat, message count and a hash of its original texts."""
    from chats.models import Message, Survey
    from records.models import Record

    records = Record.objects.all()
    if record_ids is not None:
        records = records.filter(pk__in=record_ids)
    chat_of = dict(records.values_list("pk", "chat_id"))
    texts: dict[int, list[str]] = {chat_id: [] for chat_id in chat_of.values()}
    rows = (
        Message.objects.filter(chat_id__in=list(texts))
        .order_by("chat_id", "position")
        .values_list("chat_id", "text")
    )
    for chat_id, text in rows.iterator(chunk_size=5000):
        texts[chat_id].append(text)
    comments = dict(
        Survey.objects.filter(chat_id__in=list(texts)).values_list("chat_id", "comment")
    )
    return {
        pk: RecordState(
            chat_id=chat_id,
            messages=len(texts[chat_id]),
            text_sha256=hashlib.sha256("\x1e".join(texts[chat_id]).encode()).hexdigest(),
            survey_comment=comments.get(chat_id, ""),
        )
        for pk, chat_id in chat_of.items()
    }


# --- seeding -----------------------------------------------------------------------------------


@contextmanager
def _no_import_hooks() -> Iterator[None]:
    from chats.hooks import chats_imported

    saved = chats_imported.receivers
    for receiver in saved:
        chats_imported.disconnect(receiver)
    try:
        yield
    finally:
        for receiver in saved:
            chats_imported.connect(receiver)


def chats_seed(count: int, *, seed: int, source: str = "faults", messages: int = 8) -> int:
    """Imports `count` sample chats through the real import path; returns how many imported."""
    import json

    from chats.samples import sample_chats
    from chats.services.import_stream import chats_import_lines

    lines = (
        (json.dumps(chat) + "\n").encode()
        for chat in sample_chats(count, seed=seed, messages_per_chat=messages, source=source)
    )
    with _no_import_hooks():
        summary = chats_import_lines(lines=lines, on_reject=lambda *_: None)
    return summary.imported


def _layers_fake(chat_ids: list[int] | None = None) -> None:
    """A redacted layer on every message and survey (of `chat_ids`, default all), set by SQL."""
    from chats.models import Chat, Message, Survey
    from redaction.detection import DETECTOR_VERSION

    chats = Chat.objects.all() if chat_ids is None else Chat.objects.filter(pk__in=chat_ids)
    Message.objects.filter(chat__in=chats).update(text_redacted="[redacted message]")
    Survey.objects.filter(chat__in=chats).update(
        comment_redacted="[redacted comment]", answers_redacted={}
    )
    chats.update(redacted_at=NOW, redaction_version=DETECTOR_VERSION)


def _hold(record_ids: list[int], matter: str) -> None:
    from retention.services.holds import legal_hold_place

    if record_ids:
        counsel, _ = User.objects.get_or_create(username="faults-counsel")
        legal_hold_place(
            matter=matter,
            reason="fault injection",
            scope={"record_ids": record_ids},
            issued_by=counsel,
        )


@dataclass
class Scenario:
    job: str
    expected: set[int] = field(default_factory=set)  # records the job must act on
    untouched: dict[int, RecordState] = field(default_factory=dict)  # must stay as they are
    held: set[int] = field(default_factory=set)
    before: dict[int, RecordState] = field(default_factory=dict)
    seeded: int = 0


def disposal_prepare(*, chats: int, seed: int) -> Scenario:
    """Due records in approved batches; ~10% of them held after the batches were built."""
    from records.file_plan import file_plan_seed
    from records.services import records_declare
    from retention.models import DisposalItem
    from retention.services.disposal.proposal import disposal_batch_approve, disposal_batches_build

    file_plan_seed()
    seeded = chats_seed(chats, seed=seed)
    records_declare(now=NOW)
    _layers_fake()
    batches = disposal_batches_build(now=NOW)
    approver, _ = User.objects.get_or_create(username="faults-approver")
    for batch in batches:
        disposal_batch_approve(batch=batch, approver=approver)
    in_batches = sorted(
        DisposalItem.objects.filter(batch__in=batches).values_list("record_id", flat=True)
    )
    rng = random.Random(seed)
    held = set(rng.sample(in_batches, max(1, len(in_batches) // 10)))
    _hold(sorted(held), "faults disposal")
    before = records_snapshot()
    expected = set(in_batches) - held
    untouched = {pk: state for pk, state in before.items() if pk not in expected}
    return Scenario("execute_disposals", expected, untouched, held, before, seeded)


def redaction_prepare(*, chats: int, seed: int) -> Scenario:
    from chats.models import Chat
    from records.file_plan import file_plan_seed
    from records.services import records_declare

    file_plan_seed()
    seeded = chats_seed(chats, seed=seed, messages=6)
    records_declare(now=NOW)
    before = records_snapshot()
    expected = set(Chat.objects.values_list("pk", flat=True))  # chat ids here
    return Scenario("redact_pii", expected, dict(before), set(), before, seeded)


def purge_prepare(*, chats: int, seed: int) -> Scenario:
    """Records past their PII period; ~10% held, ~10% of chats without a redacted layer."""
    from chats.models import Chat
    from records.file_plan import file_plan_seed
    from records.models import Record
    from records.services import records_declare
    from retention.selectors import records_due_for_pii_purge

    file_plan_seed()
    seeded = chats_seed(chats, seed=seed)
    records_declare(now=NOW)
    rng = random.Random(seed)
    chat_ids = sorted(Chat.objects.values_list("pk", flat=True))
    unredacted = set(rng.sample(chat_ids, len(chat_ids) // 10))
    _layers_fake([pk for pk in chat_ids if pk not in unredacted])
    due = sorted(records_due_for_pii_purge(now=NOW).values_list("pk", flat=True))
    held = set(rng.sample(due, max(1, len(due) // 10)))
    _hold(sorted(held), "faults purge")
    before = records_snapshot()
    expected = set(due) - held
    untouched = {pk: state for pk, state in before.items() if pk not in expected}
    # Records of chats left unredacted must never lose their originals.
    assert not Record.objects.filter(pk__in=expected, chat_id__in=unredacted).exists()
    return Scenario("purge_pii_originals", expected, untouched, held, before, seeded)


PREPARE: dict[str, Callable[..., Scenario]] = {
    "execute_disposals": disposal_prepare,
    "redact_pii": redaction_prepare,
    "purge_pii_originals": purge_prepare,
}
