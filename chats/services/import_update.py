"""A later copy of a chat already stored (SPEC §3 update rule), applied set-based in the import
batch's transaction.

Invariants:
- A copy whose content hash is the chat's, or one of its kept source documents', is a no-op.
- A chat not yet declared (`locked_at` null) is completed, never rewritten: new messages
  (matched by the source's message id, else by position) are appended; the end time, the
  survey's empty fields, new tags, an empty language and a missing customer are filled. The
  change is written to the chat's history, its redaction layer is marked stale (redact_pii
  redoes it, and the knowledge base follows the new `redacted_at`), and `chats.updated` is sent.
- A declared chat is never changed: a copy that differs is kept as a ChatCorrection naming the
  fields that differ (never their values), and audited. So is a copy of an undeclared chat that
  differs only in what the rule does not update (an edited message text).
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chats.country import country_infer
from chats.interchange import ChatPayload, MessagePayload
from chats.models import Chat, ChatCorrection, CountrySource, Message, Survey
from chats.services.import_rows import MESSAGE_FIELDS, message_rows
from core.db import rows_insert
from core.db.history import rows_update_with_history

Key = tuple[str, str]
UPDATED_REASON = "updated by a later copy from the source (SPEC §3)"
SURVEY_FIELDS = ("rating", "resolved", "comment")


@dataclass(frozen=True)
class LaterCopy:
    payload: ChatPayload
    chat_id: int
    declared: bool


@dataclass
class LaterCopiesOutcome:
    updated_ids: list[int] = field(default_factory=list)
    # (chat id, payload, differences): kept as ChatCorrection rows with their source document
    corrections: list[tuple[int, ChatPayload, list[str]]] = field(default_factory=list)
    unchanged_ids: list[int] = field(default_factory=list)
    newly_ended_ids: list[int] = field(default_factory=list)


@dataclass
class _StoredMessage:
    position: int
    external_id: str
    text: str


@dataclass
class _Plan:
    new_messages: list[MessagePayload] = field(default_factory=list)
    chat_fields: dict[str, Any] = field(default_factory=dict)
    survey: dict[str, Any] = field(default_factory=dict)
    differences: list[str] = field(default_factory=list)  # what the rule applies
    not_applied: list[str] = field(default_factory=list)  # what differs but is never updated


def _messages_match(
    incoming: Sequence[MessagePayload], stored: list[_StoredMessage], plan: _Plan
) -> None:
    by_id = {message.external_id: message for message in stored if message.external_id}
    for index, message in enumerate(incoming):
        if message.external_id and by_id:
            match = by_id.get(message.external_id)
        else:
            match = stored[index] if index < len(stored) else None
        if match is None:
            plan.new_messages.append(message)
        elif message.text and message.text != match.text:
            plan.not_applied.append(f"messages[{index}].text")
    if plan.new_messages:
        plan.differences.append(f"messages: {len(plan.new_messages)} new")


def _survey_plan(payload: ChatPayload, survey: Survey | None, plan: _Plan) -> None:
    given = payload.survey
    if given is None:
        return
    for name in (*SURVEY_FIELDS, "answers"):
        value = getattr(given, name)
        if value in (None, "", {}):
            continue
        current = getattr(survey, name) if survey is not None else None
        if name == "answers":
            missing = {q: a for q, a in value.items() if q not in (current or {})}
            if missing:
                plan.survey["answers"] = {**(current or {}), **missing}
                plan.differences.append("survey.answers")
            if any(q in (current or {}) and (current or {})[q] != a for q, a in value.items()):
                plan.not_applied.append("survey.answers")
        elif current in (None, ""):
            plan.survey[name] = value
            plan.differences.append(f"survey.{name}")
        elif current != value:
            plan.not_applied.append(f"survey.{name}")


def _chat_plan(payload: ChatPayload, chat: Chat, customer_id: int | None, plan: _Plan) -> None:
    if payload.ended_at is not None and payload.ended_at != chat.ended_at:
        if chat.ended_at is None or payload.ended_at > chat.ended_at:
            plan.chat_fields["ended_at"] = payload.ended_at  # closed, or reopened and closed again
            plan.differences.append("ended_at")
        else:
            plan.not_applied.append("ended_at")
    if payload.language and payload.language != chat.language:
        if not chat.language:
            plan.chat_fields["language"] = payload.language
            plan.differences.append("language")
        else:
            plan.not_applied.append("language")
    new_tags = [tag for tag in payload.tags if tag not in (chat.tags or [])]
    if new_tags:
        plan.chat_fields["tags"] = [*(chat.tags or []), *new_tags]
        plan.differences.append(f"tags: {len(new_tags)} new")
    if customer_id is not None and customer_id != chat.customer_id:
        if chat.customer_id is None:
            plan.chat_fields["customer_id"] = customer_id
            plan.differences.append("customer")
        else:
            plan.not_applied.append("customer")
    if chat.country_source == CountrySource.UNKNOWN:
        customer = payload.customer
        evidence = country_infer(
            given_country=payload.country,
            given_region=payload.region,
            customer_phone=customer.phone if customer else "",
            customer_email=customer.email if customer else "",
            agent_countries=[agent.country for agent in payload.agents],
        )
        if evidence.country:
            plan.chat_fields.update(
                country=evidence.country,
                region=evidence.region,
                country_source=evidence.source,
                country_confidence=evidence.confidence,
            )
            plan.differences.append("country")
    elif payload.country and payload.country != chat.country:
        plan.not_applied.append("country")


def _stored_messages(chat_ids: list[int]) -> dict[int, list[_StoredMessage]]:
    stored: dict[int, list[_StoredMessage]] = defaultdict(list)
    rows = (
        Message.objects.filter(chat_id__in=chat_ids)
        .order_by("chat_id", "position")
        .values_list("chat_id", "position", "external_id", "text")
    )
    for chat_id, position, external_id, text in rows:
        stored[chat_id].append(_StoredMessage(position, external_id, text))
    return stored


def later_copies_apply(
    *,
    copies: Sequence[LaterCopy],
    customer_ids: dict[Key, int],
    agent_ids: dict[Key, int],
    now: datetime,
) -> LaterCopiesOutcome:
    """Applies (or records as corrections) later copies of stored chats, in bulk."""
    outcome = LaterCopiesOutcome()
    if not copies:
        return outcome
    chat_ids = [copy.chat_id for copy in copies]
    chats = {
        chat.pk: chat for chat in Chat.objects.filter(pk__in=chat_ids).select_related("survey")
    }
    stored = _stored_messages(chat_ids)
    linked = set(
        Chat.agents.through.objects.filter(chat_id__in=chat_ids).values_list("chat_id", "agent_id")
    )
    changed_chats: list[Chat] = []
    changed_fields: set[str] = set()
    new_messages: list[tuple[object, ...]] = []
    surveys_new: list[Survey] = []
    surveys_changed: list[Survey] = []
    new_links: set[tuple[int, int]] = set()
    for copy in copies:
        chat, payload = chats[copy.chat_id], copy.payload
        survey: Survey | None = getattr(chat, "survey", None)
        customer_id = (
            customer_ids.get((payload.source, payload.customer.external_id))
            if payload.customer
            else None
        )
        plan = _Plan()
        _messages_match(payload.messages, stored[chat.pk], plan)
        _survey_plan(payload, survey, plan)
        _chat_plan(payload, chat, customer_id, plan)
        if copy.declared or not plan.differences:
            differences = plan.differences + plan.not_applied
            if differences:
                outcome.corrections.append((chat.pk, payload, differences))
            else:
                outcome.unchanged_ids.append(chat.pk)
            continue
        outcome.updated_ids.append(chat.pk)
        if "ended_at" in plan.chat_fields and chat.ended_at is None:
            outcome.newly_ended_ids.append(chat.pk)
        if plan.not_applied:
            outcome.corrections.append((chat.pk, payload, plan.not_applied))
        for name, value in plan.chat_fields.items():
            setattr(chat, name, value)
        # The layers derived from the text are redone for the new content (redact_pii, then
        # the knowledge base, which follows redacted_at).
        chat.content_sha256, chat.redacted_at, chat.redaction_version = (
            payload.content_sha256,
            None,
            "",
        )
        changed_fields.update(
            {*plan.chat_fields, "content_sha256", "redacted_at", "redaction_version"}
        )
        changed_chats.append(chat)
        new_messages += message_rows(
            chat.pk,
            plan.new_messages,
            source=payload.source,
            agent_ids=agent_ids,
            agent_names={agent.external_id: agent.name for agent in payload.agents},
            first_position=stored[chat.pk][-1].position + 1 if stored[chat.pk] else 0,
        )
        for agent in payload.agents:
            pair = (chat.pk, agent_ids[(payload.source, agent.external_id)])
            if pair not in linked:
                new_links.add(pair)
        if plan.survey:
            if survey is None:
                surveys_new.append(Survey(chat_id=chat.pk, **plan.survey))
            else:
                for name, value in plan.survey.items():
                    setattr(survey, name, value)
                # the survey's redacted layer is redone with the chat's
                survey.comment_redacted, survey.answers_redacted = None, None
                surveys_changed.append(survey)
    if changed_chats:
        rows_update_with_history(
            Chat, changed_chats, sorted(changed_fields), reason=UPDATED_REASON, when=now
        )
    rows_insert(Message, MESSAGE_FIELDS, new_messages)
    Survey.objects.bulk_create(surveys_new)
    Survey.objects.bulk_update(
        surveys_changed, [*SURVEY_FIELDS, "answers", "comment_redacted", "answers_redacted"]
    )
    rows_insert(Chat.agents.through, ("chat_id", "agent_id"), new_links)
    return outcome


def corrections_record(
    corrections: Sequence[tuple[int, ChatPayload, list[str]]],
    documents: dict[tuple[int, str], int],
    *,
    now: datetime,
) -> list[ChatCorrection]:
    """One ChatCorrection per differing copy, linked to its kept source document."""
    rows = [
        ChatCorrection(
            chat_id=chat_id,
            source_document_id=documents.get((chat_id, payload.content_sha256)),
            received_at=now,
            differences=differences,
        )
        for chat_id, payload, differences in corrections
    ]
    return ChatCorrection.objects.bulk_create(rows)
