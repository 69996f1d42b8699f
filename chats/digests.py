"""Transcript digests: proof that a declared transcript was not rewritten (R-REC-2, issue #12).

A transcript has two text layers with different lives, so it has two digests:

- the ORIGINAL layer digest, `Record.transcript_sha256`, taken when the record is declared
  (records.services, set-based, in the declaration's transaction). It covers, per message in
  position order, [position, sender, sent_at, original text], then the survey
  [rating, resolved, original comment, original answers] (null when there is none). The
  original text is destroyed by purge_pii_originals after the PII period, so this digest can
  only be checked while the record's originals exist (`Record.pii_purged_at` is null).
- the REDACTED layer digest, `Chat.redacted_sha256`, taken by the redaction service each time it
  writes the layer (the only legitimate writer: a re-redaction by a newer detector takes a new
  one). It covers [position, sender, sent_at, redacted text] per message and
  [rating, resolved, redacted comment, redacted answers]. The purge never touches these fields,
  so this digest stays verifiable for the whole life of the record, after the purge too.

Deliberately outside both: author names (the purge blanks customers' author names), agents,
and the customer's identity (source-scoped and shared by many chats; it is protected by the
admin's lock and kept in history instead), and the chat's metadata (kept in history).

Encoding (version 1): SHA-256 of compact JSON with sorted keys (orjson, UTF-8) of
`{"v": 1, "messages": [...], "survey": ...}`; sent_at in microseconds since the Unix epoch, so
the value is the same on every database; a missing text is "" and missing answers are {}.

`verify_transcripts` (records.services.transcripts_verify) recomputes both for every live
declared record, chunk by chunk, and reports each record whose content changed.
"""

import hashlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import orjson

from chats.models import Message, Survey
from core.db import any_of, epoch_microseconds, epoch_microseconds_of

DIGEST_VERSION = 1
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Layer = Literal["original", "redacted"]
# position, sender, sent_at (or its epoch microseconds, as core.db.epoch_microseconds_of reads
# it: the database computes the integer, cheaper than loading an aware datetime), text
MessageRow = tuple[int, str, datetime | int, str | None]
SurveyRow = tuple[int | None, bool | None, str | None, dict[str, Any] | None]


def _microseconds(moment: datetime | int) -> int:
    if isinstance(moment, int):
        return moment
    return (moment - EPOCH) // timedelta(microseconds=1)


def transcript_digest(messages: Iterable[MessageRow], survey: SurveyRow | None) -> str:
    """The digest of one layer of one transcript, from its rows (messages in position order)."""
    content = {
        "v": DIGEST_VERSION,
        "messages": [
            [position, sender, _microseconds(sent_at), text or ""]
            for position, sender, sent_at, text in messages
        ],
        "survey": None
        if survey is None
        else [survey[0], survey[1], survey[2] or "", survey[3] or {}],
    }
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


def chats_transcript_digests(chat_ids: Sequence[int], *, layer: Layer) -> dict[int, str]:
    """The digest of `layer` for each chat, in two queries (messages, surveys)."""
    text, comment, answers = (
        ("text", "comment", "answers")
        if layer == "original"
        else ("text_redacted", "comment_redacted", "answers_redacted")
    )
    messages: dict[int, list[MessageRow]] = {chat_id: [] for chat_id in chat_ids}
    rows = (
        Message.objects.filter(any_of("chat_id", chat_ids))
        .order_by("chat_id", "position")
        .values_list("chat_id", "position", "sender", epoch_microseconds_of("sent_at"), text)
    )
    for chat_id, position, sender, sent_at, body in rows:
        messages[chat_id].append((position, sender, epoch_microseconds(sent_at), body))
    surveys: dict[int, SurveyRow] = {
        chat_id: (rating, resolved, survey_comment, survey_answers)
        for chat_id, rating, resolved, survey_comment, survey_answers in Survey.objects.filter(
            any_of("chat_id", chat_ids)
        ).values_list("chat_id", "rating", "resolved", comment, answers)
    }
    return {
        chat_id: transcript_digest(messages[chat_id], surveys.get(chat_id)) for chat_id in chat_ids
    }
