"""Reading records with what retention knows of them: the filter by hold and review state, the
explanation of a record's date (R-RET-2) with its holds and blocks, its history with holds and
disposal steps, and the `record` extra of a chat's API/export view."""

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from audit.models import AuditEvent
from chats.hooks import ChatExtra, ChatExtrasQuery
from chats.models import ChatCorrection
from core.db.any_of import any_of
from core.db.prepared import IdsQuery
from records.models import Record, RecordStatus
from records.recompute import record_retention_steps
from records.rules import (
    ACTION_RETAIN,
    ACTION_REVIEW,
    REVIEW_DECISION_DESTROY,
    record_status_is_live,
    review_is_due,
)
from retention.models import DisposalItem, LegalHold, LegalHoldRecord
from retention.rules import KEPT_PERMANENTLY
from retention.selectors import (
    record_active_hold_list,
    record_active_holds,
    record_ids_blocked,
    records_held_q,
    records_review_due_q,
)

# Not a stored status: an active record of a `review` schedule past its date, undecided.
STATUS_REVIEW_DUE = "review_due"


def records_filter(
    queryset: QuerySet[Record],
    *,
    status: str | None = None,
    record_class: str | None = None,
    country: str | None = None,
    due_before: datetime | None = None,
    held: bool | None = None,
) -> QuerySet[Record]:
    if status == STATUS_REVIEW_DUE:
        queryset = queryset.filter(records_review_due_q(now=timezone.now()))
    elif status:
        queryset = queryset.filter(status=status)
    if record_class:
        queryset = queryset.filter(record_class__code=record_class)
    if country is not None and country != "":
        value = country.upper()
        queryset = queryset.filter(chat__country="" if value in {"UNKNOWN", "-"} else value)
    if due_before:
        queryset = queryset.filter(disposition_due__lt=due_before)
    if held is True:
        queryset = queryset.filter(records_held_q())
    elif held is False:
        queryset = queryset.exclude(records_held_q())
    return queryset


def record_explanation(record: Record, *, holds: list[LegalHold] | None = None) -> dict[str, Any]:
    """Why the record has its date (R-RET-2): schedule, trigger, holds, or why it has none."""
    if holds is None:
        holds = record_active_hold_list(record)
    schedule = record.schedule
    held = bool(holds) or Record.objects.filter(pk=record.pk).filter(records_held_q()).exists()
    explanation: dict[str, Any] = {
        "record_class": record.record_class.code,
        "vital": record.record_class.vital,
        "country": record.chat.country or None,
        "region": record.chat.region or None,
        "schedule": None,
        "trigger": record.trigger or None,
        "trigger_at": record.trigger_at,
        "disposition_due": record.disposition_due,
        "pii_purge_due": record.pii_purge_due,
        "holds": [
            {"id": h.pk, "matter": h.matter, "reference": h.reference, "placed_at": h.placed_at}
            for h in holds
        ],
        "held": held,
        "flag_reason": record.flag_reason or None,
    }
    if schedule is not None:
        explanation["schedule"] = {
            "id": schedule.pk,
            "jurisdiction": schedule.jurisdiction,
            "period": schedule.period_label,
            "trigger": schedule.trigger,
            "cutoff": schedule.cutoff,
            "pii_period_days": schedule.pii_period_days,
            "action": schedule.action,
            "citation": schedule.citation,
        }
    # "ended 2020-03-05 → cutoff 2021-01-01 → +6 years → 2027-01-01" (records.rules).
    steps = record_retention_steps(record)
    explanation["cutoff_at"], explanation["steps"] = steps if steps else (None, None)
    explanation["retained_until"] = record.retained_until
    explanation["review_decision"] = record.review_decision or None
    explanation["review_due"] = record.is_live and review_is_due(
        schedule.action if schedule else None,
        record.disposition_due,
        record.review_decision,
        timezone.now(),
    )
    explanation["disposition"] = None
    if record.status in (RecordStatus.DISPOSED, RecordStatus.ANONYMIZED):
        summary = f"{record.get_status_display()} on {record.disposed_at:%Y-%m-%d}."
    elif schedule is not None and schedule.action == ACTION_RETAIN:
        explanation["disposition"] = KEPT_PERMANENTLY
        summary = (
            f"{record.record_class.code} in {schedule.jurisdiction}: {KEPT_PERMANENTLY} "
            "(schedule action retain): no disposition date, never proposed for disposal."
        )
        if record.pii_purge_due:
            summary += f" Original text purged after {record.pii_purge_due:%Y-%m-%d}."
    elif schedule is None:
        summary = f"No disposition date: {record.flag_reason or 'no schedule'}. Never disposed."
    elif record.disposition_due is None:
        summary = (
            f"{schedule.jurisdiction} schedule {schedule.period_label} after {schedule.trigger}; "
            f"{record.flag_reason or 'trigger has not happened'}: no disposition date yet."
        )
    else:
        summary = (
            f"{record.record_class.code} in {schedule.jurisdiction}: {explanation['steps']} "
            f"(due {record.disposition_due:%Y-%m-%d}), then {schedule.action}."
        )
        if record.retained_until and record.retained_until >= record.disposition_due:
            summary += f" Retained until {record.retained_until:%Y-%m-%d} by a review decision."
        if schedule.action == ACTION_REVIEW:
            if record.review_decision == REVIEW_DECISION_DESTROY:
                explanation["disposition"] = "review decided: destroy"
                summary += " Reviewed: a records manager decided to destroy it (needs a batch)."
            elif explanation["review_due"]:
                explanation["disposition"] = "review due"
                summary += " Due for review: a records manager decides (retain or destroy)."
    if held:
        summary += " Held: not disposed, purged or anonymised while any hold is active."
    blocked = record_ids_blocked([record.pk]).get(record.pk) if record.is_live else None
    explanation["blocked"] = blocked
    if blocked and record.chat.country:
        summary += f" Waiting ({blocked}): not disposed of nor purged until then."
    explanation["summary"] = summary
    return explanation


def record_history(record: Record) -> list[dict[str, Any]]:
    """The record's own history rows plus the audit events naming it, oldest first."""
    rows: list[dict[str, Any]] = []
    for row in record.history.select_related("history_user").order_by("history_date", "history_id"):
        rows.append(
            {
                "at": row.history_date,
                "kind": "change",
                "type": {"+": "created", "~": "changed", "-": "deleted"}[row.history_type],
                "by": row.history_user.get_username() if row.history_user else "system",
                "reason": row.history_change_reason or "",
                "status": row.status,
                "record_class_id": row.record_class_id,
                "schedule_id": row.schedule_id,
                "disposition_due": row.disposition_due,
            }
        )
    for event in AuditEvent.objects.filter(
        target_type="records.record", target_id=str(record.pk)
    ).order_by("sequence"):
        rows.append(
            {
                "at": event.occurred_at,
                "kind": "audit",
                "type": event.action,
                "by": event.actor_username,
                "reason": str(event.data.get("reason", "")),
                "data": event.data,
            }
        )
    for coverage in LegalHoldRecord.objects.filter(record=record).select_related("hold"):
        hold = coverage.hold
        rows.append(
            {
                "at": coverage.added_at,
                "kind": "hold",
                "type": "hold.covered",
                "by": "",
                "reason": f"hold {hold.pk} {hold.reference}".strip(),
            }
        )
        if hold.released_at:
            rows.append(
                {
                    "at": hold.released_at,
                    "kind": "hold",
                    "type": "hold.released",
                    "by": "",
                    "reason": hold.release_reason,
                }
            )
    for correction in ChatCorrection.objects.filter(chat_id=record.chat_id):
        # A later copy from the source that differs: the record is unchanged (SPEC §3).
        rows.append(
            {
                "at": correction.received_at,
                "kind": "correction",
                "type": "chat.correction_received",
                "by": "source",
                "reason": "differs: " + ", ".join(correction.differences),
            }
        )
    for item in DisposalItem.objects.filter(record=record).select_related("batch"):
        rows.append(
            {
                "at": item.batch.proposed_at,
                "kind": "disposal",
                "type": "disposal.proposed",
                "by": "",
                "reason": f"batch {item.batch_id}: {item.status} {item.reason}",
            }
        )
    rows.sort(key=lambda r: r["at"])
    return rows


# The records of a page of chats: compiled once per database (core.db.prepared).
_CHATS_RECORDS = IdsQuery(
    lambda chat_ids: Record.objects.filter(any_of("chat_id", chat_ids)).values_list(
        "pk", "chat_id", "record_class__code", "status", "disposition_due"
    )
)


def chat_record_extra(query: ChatExtrasQuery) -> ChatExtra:
    """The `record` object of a chat's API/export view: id, class, status, date, holds (None
    for a chat without a record); one query for the page, one for its holds."""
    rows = _CHATS_RECORDS.rows(list(query.chat_ids))
    holds = record_active_holds([row[0] for row in rows])
    values = {
        chat_id: {
            "id": pk,
            "record_class": code,
            "status": status,
            # Whether the chat's content is still there (records.rules), for the chat's page.
            "is_live": record_status_is_live(status),
            "disposition_due": due.isoformat() if due else None,
            "holds": holds.get(pk, []),
        }
        for pk, chat_id, code, status, due in rows
    }
    return ChatExtra(key="record", values=values, default=None)
