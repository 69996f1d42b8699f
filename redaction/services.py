"""Writing the redacted layer (R-PII-2, R-PII-4).

Invariants:
- The original text is never changed here; the redacted layer sits beside it (`text_redacted`,
  `comment_redacted`, `answers_redacted` with its question keys redacted too, the chat's
  `tags_redacted`) and a chat's `redacted_at`/`redaction_version` are set in the same
  transaction as its texts and its RedactionLog rows: a chat is redacted completely or not at all.
- Work is claimed chunk by chunk with `select_for_update(skip_locked=True)`, each chunk in its own
  transaction, so several workers split the backlog without overlap, a killed worker loses only
  its uncommitted chunk, and re-running is always safe (redacted chats are no longer pending).
- A chat whose originals were purged is never re-redacted: its redacted layer is all that is left.
- One chat that cannot be redacted never stops the run (issue #12): its chunk is retried chat by
  chat (core.isolation), the others commit, it stays pending, is counted in `failed` and is
  not claimed again in the same run (so a run always ends).
- Audit events and logs carry counts only, never a value found.
- With the layer, the chat's `redacted_sha256` (chats.digests) is taken in the same transaction,
  so verify_transcripts can prove a declared transcript's redacted layer unchanged.
"""

import json
import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Prefetch, QuerySet

from audit.services import audit_event_record
from chats.digests import chats_transcript_digests
from chats.models import Chat, Message, Survey
from core.batching import LockedWorkWait
from core.db import column_texts_set
from core.isolation import chunk_process_isolated
from redaction.detection import DETECTOR_VERSION, ChatText, Identity, chats_detect
from redaction.models import RedactedField, RedactionLog
from redaction.placeholders import texts_redact
from redaction.selectors import chats_pending_redaction

logger = logging.getLogger(__name__)

REDACTION_CHUNK_SIZE = 50
# Near the end of the backlog a claim takes a quarter of what is left (at least TAIL_CHUNK_MIN
# chats), so parallel workers finish together instead of one idling while the other redacts a
# last full chunk: with 12 chunks over two workers that wait was up to a twelfth of the run.
TAIL_SHARE = 4
TAIL_CHUNK_MIN = 5


@dataclass
class RedactionCounts:
    chats: int = 0
    messages: int = 0
    characters: int = 0
    entities: Counter[str] = field(default_factory=Counter)
    chunks: int = 0
    failed: list[int] = field(default_factory=list)  # chat ids left pending (issue #12)

    def add(self, other: "RedactionCounts") -> None:
        self.chats += other.chats
        self.messages += other.messages
        self.characters += other.characters
        self.entities.update(other.entities)
        self.chunks += other.chunks
        self.failed.extend(other.failed)

    def as_dict(self) -> dict[str, object]:
        return {
            "chats": self.chats,
            "messages": self.messages,
            "characters": self.characters,
            "chunks": self.chunks,
            "entities": dict(sorted(self.entities.items())),
            "detector_version": DETECTOR_VERSION,
            "failed": len(self.failed),
        }


def _chats_for_redaction(chat_ids: Sequence[int]) -> list[Chat]:
    messages = Message.objects.only(
        "id",
        "chat_id",
        "position",
        "sender",
        "text",
        "text_redacted",
        "original_purged_at",
        "attachments",
    ).order_by("position")
    return list(
        Chat.objects.filter(pk__in=chat_ids)
        .select_related("customer", "survey")
        .prefetch_related(Prefetch("messages", queryset=messages))
        .order_by("pk")
    )


# Survey questions and tags are labels written by the company or its agents, not answers: the
# "agent" role keeps context rules meant for customers' replies (a name asked for just before)
# off them, while patterns and the chat's known identity apply as everywhere.
LABEL_SENDER = "agent"


@dataclass(frozen=True)
class _Layout:
    """Where each redacted field sits in a chat's list of texts (after its messages)."""

    messages: int
    answers: int  # survey answers, then as many question keys
    tags: int
    has_survey: bool
    # then each message's attachments' names and urls, two texts per attachment
    attachments: int = 0


def _chat_text(chat: Chat) -> tuple[ChatText, _Layout]:
    messages = list(chat.messages.all())
    texts = [message.text for message in messages]
    senders = [message.sender for message in messages]
    survey: Survey | None = getattr(chat, "survey", None)
    answers_count = 0
    if survey is not None:
        # The comment, answers and questions are redacted with the chat, so they share its
        # placeholders: a question may address the customer by name.
        answers = [str(value) for value in survey.answers.values()]
        questions = [str(key) for key in survey.answers]
        answers_count = len(answers)
        texts.extend([survey.comment, *answers])
        senders.extend(["customer"] * (1 + len(answers)))
        texts.extend(questions)
        senders.extend([LABEL_SENDER] * len(questions))
    tags = [str(tag) for tag in chat.tags or []]
    texts.extend(tags)
    senders.extend([LABEL_SENDER] * len(tags))
    attachments = [a for message in messages for a in _attachments_of(message)]
    for attachment in attachments:
        texts.extend([str(attachment.get("name") or ""), str(attachment.get("url") or "")])
    senders.extend([LABEL_SENDER] * (2 * len(attachments)))
    customer = chat.customer
    identity = (
        Identity(name=customer.name, email=customer.email, phone=customer.phone)
        if customer is not None
        else Identity()
    )
    chat_text = ChatText(
        texts=texts,
        senders=senders,
        identity=identity,
        reference_year=chat.started_at.year,
        language=chat.language,
    )
    return chat_text, _Layout(
        messages=len(messages),
        answers=answers_count,
        tags=len(tags),
        has_survey=survey is not None,
        attachments=len(attachments),
    )


def _attachments_of(message: Message) -> list[dict[str, object]]:
    return [dict(item) for item in message.attachments or [] if isinstance(item, dict)]


def _attachments_redact(
    messages: Sequence[Message], redacted: Sequence[str]
) -> list[tuple[int, list[dict[str, object]]]]:
    """Each message's attachments with name and url from the redacted texts (two per
    attachment, in message order); type and size are kept as they are."""
    layers, at = [], 0
    for message in messages:
        layer = []
        for attachment in _attachments_of(message):
            layer.append({**attachment, "name": redacted[at], "url": redacted[at + 1]})
            at += 2
        layers.append((message.pk, layer))
    return layers


def _keys_unique(keys: Sequence[str]) -> list[str]:
    """Redacted question keys, made unique: two questions that differ only in a redacted
    value keep both their answers."""
    seen: Counter[str] = Counter()
    unique = []
    for key in keys:
        seen[key] += 1
        unique.append(key if seen[key] == 1 else f"{key} ({seen[key]})")
    return unique


def _chats_redact_loaded(chats: Sequence[Chat], *, now: datetime) -> RedactionCounts:
    counts = RedactionCounts(chats=len(chats))
    laid_out = [_chat_text(chat) for chat in chats]
    chat_texts = [chat_text for chat_text, _ in laid_out]
    findings = chats_detect(chat_texts)
    messages_changed: list[Message] = []
    surveys_changed: list[Survey] = []
    logs: list[RedactionLog] = []
    tags_changed: list[tuple[int, list[str]]] = []
    attachments_changed: list[tuple[int, list[dict[str, object]]]] = []
    for chat, (chat_text, layout), chat_findings in zip(chats, laid_out, findings, strict=True):
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
        at = layout.messages  # after the messages: comment, answers, questions, then tags
        tags_at = at + (1 + 2 * layout.answers if layout.has_survey else 0)
        tags_changed.append((chat.pk, redacted[tags_at : tags_at + layout.tags]))
        for found in entity_counts[tags_at:]:
            counts.entities.update(found)
        if layout.attachments:
            attachments_changed.extend(
                _attachments_redact(messages, redacted[tags_at + layout.tags :])
            )
        if survey is not None:
            answers = redacted[at + 1 : at + 1 + layout.answers]
            questions = _keys_unique(redacted[at + 1 + layout.answers : tags_at])
            survey.comment_redacted = redacted[at]
            survey.answers_redacted = dict(zip(questions, answers, strict=True))
            surveys_changed.append(survey)
            counts.characters += len(survey.comment)
            survey_counts: Counter[str] = Counter()
            for found in entity_counts[at:tags_at]:
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
    column_texts_set(
        Message, "text_redacted", [(m.pk, m.text_redacted or "") for m in messages_changed]
    )
    column_texts_set(
        Survey, "comment_redacted", [(s.pk, s.comment_redacted or "") for s in surveys_changed]
    )
    Survey.objects.bulk_update(surveys_changed, ["answers_redacted"], batch_size=500)
    # Messages without attachments keep a null layer, which readers take as none.
    with_attachments = [
        Message(pk=pk, attachments_redacted=layer) for pk, layer in attachments_changed
    ]
    Message.objects.bulk_update(with_attachments, ["attachments_redacted"], batch_size=500)
    RedactionLog.objects.filter(chat_id__in=chat_ids).delete()  # a re-run replaces the log
    RedactionLog.objects.bulk_create(logs, batch_size=1000)
    # update(), not save(): the redaction stamp is not a change of the chat's metadata history.
    Chat.objects.filter(pk__in=chat_ids).update(redacted_at=now, redaction_version=DETECTOR_VERSION)
    tags_by_layer: dict[str, list[int]] = {}
    for chat_id, tags in tags_changed:  # most chats share a handful of tag lists
        tags_by_layer.setdefault(json.dumps(tags), []).append(chat_id)
    for tags_json, ids in tags_by_layer.items():
        Chat.objects.filter(pk__in=ids).update(tags_redacted=json.loads(tags_json))
    # The digest of the layer as written (read back, so it is what verify_transcripts rereads):
    # this service is the layer's only legitimate writer (chats.digests, issue #12).
    digests = chats_transcript_digests(chat_ids, layer="redacted")
    column_texts_set(Chat, "redacted_sha256", sorted(digests.items()))
    return counts


def _claim_size(pending: QuerySet[Chat], chunk_size: int) -> int:
    if chunk_size <= TAIL_CHUNK_MIN:
        return chunk_size
    ahead = pending.order_by()[: chunk_size * TAIL_SHARE].count()  # a bounded count: cheap
    return max(TAIL_CHUNK_MIN, min(chunk_size, -(-ahead // TAIL_SHARE)))


def _pending(
    *, rerun_outdated: bool, chat_ids: Sequence[int] | None, skip: Sequence[int]
) -> QuerySet[Chat]:
    pending = chats_pending_redaction(rerun_outdated=rerun_outdated)
    if chat_ids is not None:
        pending = pending.filter(pk__in=list(chat_ids))
    if skip:
        pending = pending.exclude(pk__in=list(skip))
    return pending


def chats_redact_chunk(
    *,
    now: datetime,
    chunk_size: int = REDACTION_CHUNK_SIZE,
    rerun_outdated: bool = False,
    chat_ids: Sequence[int] | None = None,
    skip: Sequence[int] = (),
) -> tuple[RedactionCounts, int]:
    """Claims up to `chunk_size` pending chats (not in `skip`) and redacts them in one
    transaction; a chat that fails is isolated and listed in the counts' `failed`.

    Returns the counts and the number of chats claimed (0: nothing left that another worker
    has not claimed already). Near the end of the backlog fewer than `chunk_size` are claimed
    (`_claim_size`).
    """
    with transaction.atomic():
        pending = _pending(rerun_outdated=rerun_outdated, chat_ids=chat_ids, skip=skip)
        claimed = list(
            pending.select_for_update(skip_locked=True, of=("self",))
            .order_by("pk")
            .values_list("pk", flat=True)[: _claim_size(pending, chunk_size)]
        )
        if not claimed:
            return RedactionCounts(), 0
        outcomes, failed = chunk_process_isolated(
            claimed,
            lambda ids: _chats_redact_loaded(_chats_for_redaction(ids), now=now),
            job="redact_pii",
            item_id=int,
        )
        counts = RedactionCounts(chunks=1, failed=failed)
        for outcome in outcomes:
            outcome.chunks = 0
            counts.add(outcome)
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

    Safe to run in several workers at once and to kill at any moment. Chats another worker
    holds are waited for until it commits them or its lease expires and they are claimed here.
    """
    total = RedactionCounts()
    started = time.monotonic()
    wait = LockedWorkWait(label="redaction")
    while True:
        counts, claimed = chats_redact_chunk(
            now=now,
            chunk_size=chunk_size,
            rerun_outdated=rerun_outdated,
            chat_ids=chat_ids,
            skip=total.failed,
        )
        total.add(counts)
        if claimed:
            wait.progress()
        # Claims shrink near the end of the backlog (_claim_size): only an empty claim means
        # nothing is left, unless another worker still holds chats it may never finish.
        if claimed == 0 and not wait.again(
            _pending(rerun_outdated=rerun_outdated, chat_ids=chat_ids, skip=total.failed).exists()
        ):
            break
    elapsed = time.monotonic() - started
    logger.info(
        "redaction: %d chats, %d messages, %d characters in %.2fs (%s), %d failed",
        total.chats,
        total.messages,
        total.characters,
        elapsed,
        DETECTOR_VERSION,
        len(total.failed),
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
