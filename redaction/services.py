"""Writing the redacted layer (R-PII-2, R-PII-4).

Invariants:
- The original text is never changed here; the redacted layer sits beside it (`text_redacted`,
  `comment_redacted`) and a chat's `redacted_at`/`redaction_version` are set in the same
  transaction as its texts and its RedactionLog rows: a chat is redacted completely or not at all.
- Work is claimed chunk by chunk with `select_for_update(skip_locked=True)`, each chunk in its own
  transaction, so several workers split the backlog without overlap, a killed worker loses only
  its uncommitted chunk, and re-running is always safe (redacted chats are no longer pending).
- A chat whose originals were purged is never re-redacted: its redacted layer is all that is left.
- Audit events and logs carry counts only, never a value found.
"""

import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Prefetch

from audit.services import audit_event_record
from chats.models import Chat, Message, Survey
from redaction.detection import DETECTOR_VERSION, ChatText, Identity, chats_detect
from redaction.models import RedactedField, RedactionLog
from redaction.placeholders import texts_redact
from redaction.selectors import chats_pending_redaction

logger = logging.getLogger(__name__)

REDACTION_CHUNK_SIZE = 50


@dataclass
class RedactionCounts:
    chats: int = 0
    messages: int = 0
    characters: int = 0
    entities: Counter[str] = field(default_factory=Counter)
    chunks: int = 0

    def add(self, other: "RedactionCounts") -> None:
        self.chats += other.chats
        self.messages += other.messages
        self.characters += other.characters
        self.entities.update(other.entities)
        self.chunks += other.chunks

    def as_dict(self) -> dict[str, object]:
        return {
            "chats": self.chats,
            "messages": self.messages,
            "characters": self.characters,
            "chunks": self.chunks,
            "entities": dict(sorted(self.entities.items())),
            "detector_version": DETECTOR_VERSION,
        }


def _texts_write(
    model: type[Message] | type[Survey], column: str, rows: list[tuple[int, str]]
) -> None:
    """Sets one text column of many rows by primary key in one statement.

    Django's bulk_update builds a CASE expression per row, which costs more than the detection
    at this volume; PostgreSQL joins against two arrays instead, SQLite runs a prepared UPDATE.
    """
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} AS t SET {column} = v.txt "  # noqa: S608 - names are ours
                "FROM (SELECT unnest(%s::bigint[]) AS id, unnest(%s::text[]) AS txt) AS v "
                "WHERE t.id = v.id",
                [[pk for pk, _ in rows], [text for _, text in rows]],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET {column} = %s WHERE id = %s",  # noqa: S608 - names are ours
                [(text, pk) for pk, text in rows],
            )


def _chats_for_redaction(chat_ids: Sequence[int]) -> list[Chat]:
    messages = Message.objects.only(
        "id", "chat_id", "position", "sender", "text", "text_redacted", "original_purged_at"
    ).order_by("position")
    return list(
        Chat.objects.filter(pk__in=chat_ids)
        .select_related("customer", "survey")
        .prefetch_related(Prefetch("messages", queryset=messages))
        .order_by("pk")
    )


def _chat_text(chat: Chat) -> ChatText:
    messages = list(chat.messages.all())
    texts = [message.text for message in messages]
    senders = [message.sender for message in messages]
    survey: Survey | None = getattr(chat, "survey", None)
    if survey is not None:
        # The comment and answers are redacted with the chat, so they share its placeholders.
        answers = [str(value) for value in survey.answers.values()]
        texts.extend([survey.comment, *answers])
        senders.extend(["customer"] * (1 + len(answers)))
    customer = chat.customer
    identity = (
        Identity(name=customer.name, email=customer.email, phone=customer.phone)
        if customer is not None
        else Identity()
    )
    return ChatText(
        texts=texts,
        senders=senders,
        identity=identity,
        reference_year=chat.started_at.year,
        language=chat.language,
    )


def _chats_redact_loaded(chats: Sequence[Chat], *, now: datetime) -> RedactionCounts:
    counts = RedactionCounts(chats=len(chats))
    chat_texts = [_chat_text(chat) for chat in chats]
    findings = chats_detect(chat_texts)
    messages_changed: list[Message] = []
    surveys_changed: list[Survey] = []
    logs: list[RedactionLog] = []
    for chat, chat_text, chat_findings in zip(chats, chat_texts, findings, strict=True):
        redacted, entity_counts = texts_redact(chat_text.texts, chat_findings)
        messages = list(chat.messages.all())
        for message, text, found in zip(messages, redacted, entity_counts, strict=False):
            message.text_redacted = text
            messages_changed.append(message)
            counts.messages += 1
            counts.characters += len(message.text)
            counts.entities.update(found)
            if found:
                logs.append(
                    RedactionLog(
                        chat=chat,
                        message=message,
                        field=RedactedField.MESSAGE_TEXT,
                        entity_counts=dict(found),
                        detector_version=DETECTOR_VERSION,
                        redacted_at=now,
                    )
                )
        survey: Survey | None = getattr(chat, "survey", None)
        if survey is not None:
            at = len(messages)  # the survey's texts follow the messages: comment, then answers
            survey.comment_redacted = redacted[at]
            survey.answers_redacted = dict(zip(survey.answers, redacted[at + 1 :], strict=True))
            surveys_changed.append(survey)
            counts.characters += len(survey.comment)
            survey_counts: Counter[str] = Counter()
            for found in entity_counts[at:]:
                survey_counts.update(found)
            counts.entities.update(survey_counts)
            if survey_counts:
                logs.append(
                    RedactionLog(
                        chat=chat,
                        field=RedactedField.SURVEY_COMMENT,
                        entity_counts=dict(survey_counts),
                        detector_version=DETECTOR_VERSION,
                        redacted_at=now,
                    )
                )
    chat_ids = [chat.pk for chat in chats]
    _texts_write(
        Message, "text_redacted", [(m.pk, m.text_redacted or "") for m in messages_changed]
    )
    _texts_write(
        Survey, "comment_redacted", [(s.pk, s.comment_redacted or "") for s in surveys_changed]
    )
    Survey.objects.bulk_update(surveys_changed, ["answers_redacted"], batch_size=500)
    RedactionLog.objects.filter(chat_id__in=chat_ids).delete()  # a re-run replaces the log
    RedactionLog.objects.bulk_create(logs, batch_size=1000)
    # update(), not save(): the redaction stamp is not a change of the chat's metadata history.
    Chat.objects.filter(pk__in=chat_ids).update(redacted_at=now, redaction_version=DETECTOR_VERSION)
    return counts


def chats_redact_chunk(
    *,
    now: datetime,
    chunk_size: int = REDACTION_CHUNK_SIZE,
    rerun_outdated: bool = False,
    chat_ids: Sequence[int] | None = None,
) -> tuple[RedactionCounts, int]:
    """Claims up to `chunk_size` pending chats and redacts them in one transaction.

    Returns the counts and the number of chats claimed (short of `chunk_size`: nothing left
    that another worker has not claimed already).
    """
    with transaction.atomic():
        pending = chats_pending_redaction(rerun_outdated=rerun_outdated)
        if chat_ids is not None:
            pending = pending.filter(pk__in=list(chat_ids))
        claimed = list(
            pending.select_for_update(skip_locked=True, of=("self",))
            .order_by("pk")
            .values_list("pk", flat=True)[:chunk_size]
        )
        if not claimed:
            return RedactionCounts(), 0
        counts = _chats_redact_loaded(_chats_for_redaction(claimed), now=now)
        counts.chunks = 1
    return counts, len(claimed)


def chats_redact(
    *,
    now: datetime,
    chunk_size: int = REDACTION_CHUNK_SIZE,
    rerun_outdated: bool = False,
    chat_ids: Sequence[int] | None = None,
    actor: AbstractBaseUser | None = None,
) -> RedactionCounts:
    """Redacts every pending chat (or the pending ones among `chat_ids`), chunk by chunk.

    Safe to run in several workers at once and to kill at any moment.
    """
    total = RedactionCounts()
    started = time.monotonic()
    while True:
        counts, claimed = chats_redact_chunk(
            now=now, chunk_size=chunk_size, rerun_outdated=rerun_outdated, chat_ids=chat_ids
        )
        total.add(counts)
        if claimed < chunk_size:
            break
    elapsed = time.monotonic() - started
    logger.info(
        "redaction: %d chats, %d messages, %d characters in %.2fs (%s)",
        total.chats,
        total.messages,
        total.characters,
        elapsed,
        DETECTOR_VERSION,
    )
    if total.chats:
        audit_event_record(
            actor=actor,
            action="redaction.run",
            data={**total.as_dict(), "rerun_outdated": rerun_outdated},
        )
    return total


def redaction_rerun_outdated_enabled() -> bool:
    return bool(getattr(settings, "REDACTION_RERUN_OUTDATED", False))
