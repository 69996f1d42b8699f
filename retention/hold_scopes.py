"""Selectors of legal hold scopes: which live records a hold's scope covers, including the
text query over every layer a record's words live in (R-HOLD-1)."""

import json
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, TextField
from django.db.models.functions import Cast

from chats.models import Chat, Message, Survey
from records.models import Record
from records.rules import records_live_q


def hold_scope_q(scope: dict[str, Any]) -> Q:
    """A Q over Record for a cleaned hold scope: every given key must match (they narrow)."""
    condition = Q()
    if scope.get("customer_emails"):
        emails = Q()
        for email in scope["customer_emails"]:
            emails |= Q(chat__customer__email__iexact=email)
        condition &= emails
    if scope.get("customer_external_ids"):
        condition &= Q(chat__customer__external_id__in=scope["customer_external_ids"])
    if scope.get("record_ids"):
        condition &= Q(pk__in=scope["record_ids"])
    if scope.get("started_after"):
        condition &= Q(chat__started_at__gte=datetime.fromisoformat(scope["started_after"]))
    if scope.get("started_before"):
        condition &= Q(chat__started_at__lt=datetime.fromisoformat(scope["started_before"]))
    if scope.get("countries"):
        condition &= Q(chat__country__in=scope["countries"])
    if scope.get("query"):
        condition &= hold_query_q(scope["query"])
    return condition


def _json_text_contains(field: str, text: str) -> Q:
    """`field` (a JSON column) contains `text` in its serialised form: as written (PostgreSQL's
    jsonb text) or with non-ASCII characters and quotes escaped (how SQLite stores JSON)."""
    escaped = json.dumps(text)[1:-1]
    spellings = {text, escaped}
    condition = Q()
    for spelling in spellings:
        condition |= Q(**{f"{field}_text__icontains": spelling})
    return condition


def hold_query_q(text: str) -> Q:
    """A Q over Record: the text occurs (case-insensitive) in any layer a record's words live in —
    messages (original and redacted), the survey comment and answers (original and redacted),
    the chat's tags and its customer's name, email and phone. After the PII purge only the
    redacted layers remain, and they are searched too (hold_scope_purged_count says so)."""
    messages = Message.objects.filter(chat_id=OuterRef("chat_id")).filter(
        Q(text__icontains=text) | Q(text_redacted__icontains=text)
    )
    surveys = (
        Survey.objects.filter(chat_id=OuterRef("chat_id"))
        .annotate(
            answers_text=Cast("answers", TextField()),
            answers_redacted_text=Cast("answers_redacted", TextField()),
        )
        .filter(
            Q(comment__icontains=text)
            | Q(comment_redacted__icontains=text)
            | _json_text_contains("answers", text)
            | _json_text_contains("answers_redacted", text)
        )
    )
    chats = (
        Chat.objects.filter(pk=OuterRef("chat_id"))
        .annotate(tags_text=Cast("tags", TextField()))
        .filter(
            _json_text_contains("tags", text)
            | Q(customer__name__icontains=text)
            | Q(customer__email__icontains=text)
            | Q(customer__phone__icontains=text)
        )
    )
    return Q(Exists(messages)) | Q(Exists(surveys)) | Q(Exists(chats))


def hold_scope_purged_count(scope: dict[str, Any]) -> int:
    """How many live records a text query would look at whose originals are purged, so that only
    their redacted layer could be searched (0 when the scope has no query)."""
    if not scope.get("query"):
        return 0
    rest = {key: value for key, value in scope.items() if key != "query"}
    candidates = (
        Record.objects.filter(records_live_q()).filter(hold_scope_q(rest))
        if rest
        else Record.objects.filter(records_live_q())
    )
    return candidates.filter(
        Q(pii_purged_at__isnull=False)
        | Exists(
            Message.objects.filter(chat_id=OuterRef("chat_id"), original_purged_at__isnull=False)
        )
    ).count()


def hold_scope_records(scope: dict[str, Any]) -> QuerySet[Record]:
    """Live records a (cleaned) scope covers — also the preview count before a hold is saved."""
    return Record.objects.filter(records_live_q()).filter(hold_scope_q(scope))
