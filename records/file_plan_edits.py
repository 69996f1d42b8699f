"""Editing the file plan from the pages (issue #16 item 4): record classes and declaration rules,
each change with a reason, audited and kept in history; a rule's effect is previewed before it is
saved ("of the last 90 days' chats, N would become records of this class, M transitory").

Schedules have their own module (records/schedules.py: impact preview and second approval).
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model

from audit.services import audit_event_record
from chats.models import Chat
from core.batching import chunks_read, rows_after
from core.exceptions import ApplicationError
from core.history import history_note
from records.models import DeclarationRule, RecordClass
from records.rules import declaration_rule_first
from records.services import chat_summaries

DRY_RUN_DAYS = 90
DRY_RUN_CHUNK = 1000


@dataclass
class RulesDryRun:
    """What the active rules, with one rule as edited, would declare of the recent chats."""

    days: int
    chats: int = 0
    by_class: Counter[str] = field(default_factory=Counter)
    transitory: int = 0
    undeclared: int = 0
    by_this_rule: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "chats": self.chats,
            "by_class": dict(self.by_class),
            "transitory": self.transitory,
            "undeclared": self.undeclared,
            "by_this_rule": self.by_this_rule,
        }


def declaration_rules_dry_run(
    *, edited: DeclarationRule, now: datetime, days: int = DRY_RUN_DAYS
) -> RulesDryRun:
    """Applies the active rules, `edited` in its place (or added), to every chat that ended in
    the last `days` days — declared or not — and counts the outcome. Saves nothing."""
    rules = [
        rule
        for rule in DeclarationRule.objects.filter(is_active=True).select_related("record_class")
        if rule.pk != edited.pk
    ]
    if edited.is_active:
        rules.append(edited)
    rules.sort(key=lambda rule: (rule.position, rule.pk or 0))
    need_text = any(rule.keywords for rule in rules)
    result = RulesDryRun(days=days)
    recent = Chat.objects.filter(ended_at__gte=now - timedelta(days=days), ended_at__lte=now)
    chunks = chunks_read(
        claim=lambda after: rows_after(recent, after, DRY_RUN_CHUNK), chunk_size=DRY_RUN_CHUNK
    )
    for chunk in chunks:
        summaries = chat_summaries(list(chunk), need_text=need_text)
        for chat in chunk:
            rule = declaration_rule_first(rules, summaries[chat.pk])
            result.chats += 1
            if rule is None:
                result.undeclared += 1
                continue
            if rule is edited:
                result.by_this_rule += 1
            if rule.record_class.is_record:
                result.by_class[rule.record_class.code] += 1
            else:
                result.transitory += 1
    return result


def _save_audited(
    instance: Model,
    *,
    created: bool,
    kind: str,
    reason: str,
    changed_by: User,
    data: dict[str, Any],
) -> None:
    if not reason.strip():
        raise ApplicationError("Every file-plan change needs a reason", extra={"field": "reason"})
    try:
        instance.full_clean()
    except ValidationError as error:
        field_name, messages = next(iter(error.message_dict.items()))
        raise ApplicationError(
            f"{field_name}: {' '.join(messages)}", extra={"field": field_name}
        ) from error
    history_note(instance, user=changed_by, reason=reason)
    instance.save()
    audit_event_record(
        actor=changed_by,
        action=f"{kind}.{'created' if created else 'changed'}",
        target=instance,
        data={"reason": reason.strip()[:200], **data},
    )


@transaction.atomic
def record_class_save(*, record_class: RecordClass, reason: str, changed_by: User) -> RecordClass:
    """Saves a new or edited record class (values already set on the instance)."""
    _save_audited(
        record_class,
        created=record_class.pk is None,
        kind="record_class",
        reason=reason,
        changed_by=changed_by,
        data={"code": record_class.code, "is_record": record_class.is_record},
    )
    return record_class


@transaction.atomic
def declaration_rule_save(
    *, rule: DeclarationRule, reason: str, changed_by: User
) -> DeclarationRule:
    """Saves a new or edited declaration rule; declared records keep their class (a rule
    decides what a chat becomes when it is declared, never after)."""
    _save_audited(
        rule,
        created=rule.pk is None,
        kind="declaration_rule",
        reason=reason,
        changed_by=changed_by,
        data={"name": rule.name, "position": rule.position, "record_class": rule.record_class.code},
    )
    return rule
