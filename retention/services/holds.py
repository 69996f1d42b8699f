"""Legal holds (R-HOLD-1).

Invariants: a hold covers the live records its scope matched when placed, and every record
declared (or re-jurisdictioned) later that matches an active hold's scope; coverage rows are
written while the covered records are locked, so a disposal chunk that locked a record first
either finished before the hold exists or sees the hold when it re-checks. A record stays held
until every hold covering it is released. Releasing needs a reason; everything is audited, and
audit data names hold ids, references and counts — never the personal values of a scope.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from audit.services import audit_event_record
from core.exceptions import ApplicationError, ConflictError
from core.history import history_note
from records.models import Record
from records.rules import records_live_q
from retention.hold_scopes import hold_scope_purged_count, hold_scope_q, hold_scope_records
from retention.models import LegalHold, LegalHoldRecord
from retention.rules import hold_scope_clean
from retention.services.hold_notices import (
    custodian_emails_clean,
    hold_custodians_notify,
    hold_custodians_notify_release,
)

HOLD_INSERT_BATCH = 2000


def hold_scope_validate(scope: Any) -> dict[str, Any]:
    try:
        return hold_scope_clean(scope)
    except ValueError as error:
        raise ApplicationError(str(error), extra={"field": "scope"}) from error


def hold_scope_preview(*, scope: Any) -> int:
    """How many live records a scope would cover now (shown before a hold is saved)."""
    return hold_scope_records(hold_scope_validate(scope)).count()


PURGED_TEXT_NOTE = (
    "{n} record(s) the text query looked at have their original text purged: only their "
    "redacted layer (and tags, survey answers, customer identity) could be searched."
)


def hold_scope_preview_details(*, scope: Any) -> dict[str, Any]:
    """The preview count, and whether the text query searched records whose originals are
    purged (so only their redacted layer was searched): a manager is told, not left to assume."""
    clean = hold_scope_validate(scope)
    purged = hold_scope_purged_count(clean)
    return {
        "count": hold_scope_records(clean).count(),
        "purged_text_searched": purged > 0,
        "records_with_purged_originals": purged,
        "note": PURGED_TEXT_NOTE.format(n=purged) if purged else "",
    }


def _cover(hold: LegalHold, record_ids: list[int], now: datetime) -> int:
    if not record_ids:
        return 0
    # Lock the records: a disposal chunk holding them finishes first (see module docstring).
    locked = list(
        Record.objects.filter(pk__in=record_ids)
        .select_for_update(of=("self",))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    already = set(
        LegalHoldRecord.objects.filter(hold=hold, record_id__in=locked).values_list(
            "record_id", flat=True
        )
    )
    rows = [
        LegalHoldRecord(hold=hold, record_id=record_id, added_at=now)
        for record_id in locked
        if record_id not in already
    ]
    LegalHoldRecord.objects.bulk_create(rows, batch_size=HOLD_INSERT_BATCH, ignore_conflicts=True)
    return len(rows)


@transaction.atomic
def legal_hold_place(
    *,
    matter: str,
    reference: str = "",
    reason: str,
    scope: Any,
    issued_by: User | None,
    custodians: Sequence[str] = (),
    now: datetime | None = None,
) -> LegalHold:
    if not matter.strip():
        raise ApplicationError("A hold needs a matter name", extra={"field": "matter"})
    if not reason.strip():
        raise ApplicationError("A hold needs a reason", extra={"field": "reason"})
    clean = hold_scope_validate(scope)
    custodian_emails = custodian_emails_clean(custodians)
    now = now or timezone.now()
    hold = LegalHold(
        matter=matter.strip(),
        reference=reference.strip(),
        reason=reason.strip(),
        scope=clean,
        issued_by=issued_by,
        placed_at=now,
    )
    hold.full_clean()
    history_note(hold, user=issued_by)
    hold.save()
    record_ids = list(hold_scope_records(clean).values_list("pk", flat=True))
    covered = _cover(hold, record_ids, now)
    audit_event_record(
        actor=issued_by,
        action="hold.placed",
        target=hold,
        data={
            "reference": hold.reference,
            "scope_keys": sorted(clean),
            "records": covered,
            "records_with_purged_originals": hold_scope_purged_count(clean),
        },
    )
    hold_custodians_notify(hold=hold, emails=custodian_emails)
    return hold


@transaction.atomic
def legal_hold_release(*, hold: LegalHold, released_by: User | None, reason: str) -> LegalHold:
    hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
    if hold.released_at is not None:
        raise ConflictError("Hold already released", extra={"hold": hold.pk})
    if not reason.strip():
        raise ApplicationError("Releasing a hold needs a reason", extra={"field": "reason"})
    hold.released_at, hold.released_by, hold.release_reason = (
        timezone.now(),
        released_by,
        reason.strip(),
    )
    history_note(hold, user=released_by, reason=reason)
    hold.save(update_fields=["released_at", "released_by", "release_reason"])
    audit_event_record(
        actor=released_by,
        action="hold.released",
        target=hold,
        data={"reference": hold.reference, "records": hold.coverage.count()},
    )
    hold_custodians_notify_release(hold=hold)
    return hold


def legal_holds_apply(*, record_ids: Iterable[int], now: datetime) -> int:
    """Adds coverage of every active hold to these records where the scope matches them
    (newly declared records, corrected countries). Never removes coverage."""
    ids = list(record_ids)
    if not ids:
        return 0
    added = 0
    for hold in LegalHold.objects.filter(released_at__isnull=True).order_by("pk"):
        matching = list(
            Record.objects.filter(records_live_q())
            .filter(pk__in=ids)
            .filter(hold_scope_q(hold.scope))
            .values_list("pk", flat=True)
        )
        added += _cover(hold, matching, now)
    return added
