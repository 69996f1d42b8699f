"""What must hold after a destructive job was killed and re-run (tests/faults/harness.py):
nothing lost, half-done or done twice; the certificate and audit chains verify."""

from collections.abc import Callable

from django.db.models import Count

from tests.faults.jobs import run_to_completion
from tests.faults.scenarios import Scenario, records_snapshot

# --- invariants -------------------------------------------------------------------------------


def certificates_chain_ok() -> bool:
    from retention.models import DisposalCertificate
    from retention.services.disposal.certificates import GENESIS_HASH, certificate_hash

    previous = GENESIS_HASH
    for number, cert in enumerate(DisposalCertificate.objects.order_by("sequence"), start=1):
        if cert.sequence != number or cert.previous_hash != previous:
            return False
        if cert.hash != certificate_hash(previous, cert.payload):
            return False
        previous = cert.hash
    return True


def _intact(scenario: Scenario, record_ids: list[int]) -> bool:
    now = records_snapshot(record_ids)
    return all(now.get(pk) == scenario.before[pk] for pk in record_ids)


def disposal_check(scenario: Scenario) -> dict[str, bool]:
    from chats.models import Message, Survey
    from records.models import Record
    from retention.models import BatchState, DisposalBatch, DisposalCertificate, Tombstone

    disposed = set(Record.objects.filter(status="disposed").values_list("pk", flat=True))
    chat_of = {pk: scenario.before[pk].chat_id for pk in disposed}
    tombstones = list(Tombstone.objects.values_list("record_id_value", flat=True))
    items = dict(
        Record.objects.filter(pk__in=disposed, disposal_items__isnull=False).values_list(
            "pk", "disposal_items__status"
        )
    )
    surveys_blank = not Survey.objects.filter(chat_id__in=list(chat_of.values())).exclude(
        comment="", comment_redacted="", answers={}, answers_redacted={}
    )
    batches = DisposalBatch.objects.exclude(state__in=(BatchState.PROPOSED, BatchState.REJECTED))
    completed = batches.filter(state=BatchState.COMPLETED).count()
    return {
        "every due unheld record destroyed (none lost)": disposed == scenario.expected,
        "no held or not-due record touched": _intact(scenario, sorted(scenario.untouched)),
        "destroyed records have no messages": not Message.objects.filter(
            chat_id__in=list(chat_of.values())
        ).exists(),
        "destroyed records have a blank survey": surveys_blank,
        "one tombstone per destroyed record": sorted(tombstones) == sorted(disposed),
        "their batch items are destroyed": set(items) == disposed
        and set(items.values()) <= {"destroyed"},
        "held items skipped as held": set(
            Record.objects.filter(pk__in=scenario.held).values_list(
                "disposal_items__status", flat=True
            )
        )
        <= {"skipped_held"},
        "every approved batch completed": completed == batches.count(),
        "certificates = completed batches": DisposalCertificate.objects.count() == completed,
        "certificate hash chain verifies": certificates_chain_ok(),
    }


def redaction_check(scenario: Scenario) -> dict[str, bool]:
    from chats.models import Chat, Message, Survey
    from redaction.detection import DETECTOR_VERSION
    from redaction.models import RedactionLog

    chats = Chat.objects.filter(pk__in=scenario.expected)
    stamps = dict(chats.values_list("pk", "redacted_at"))
    run_to_completion("redact_pii")  # once more: must find nothing left to do
    duplicate_logs = (
        RedactionLog.objects.filter(message__isnull=False)
        .values("message_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .exists()
    )
    return {
        "every chat redacted, current detector": chats.filter(
            redacted_at__isnull=False, redaction_version=DETECTOR_VERSION
        ).count()
        == len(scenario.expected),
        "a re-run redacts nothing again": dict(chats.values_list("pk", "redacted_at")) == stamps,
        "every message has a redacted layer": not Message.objects.filter(
            text_redacted__isnull=True
        ).exists(),
        "every survey comment has a redacted layer": not Survey.objects.filter(
            comment_redacted__isnull=True
        ).exists(),
        "at most one log row per text": not duplicate_logs,
        "originals unchanged": _intact(scenario, sorted(scenario.before)),
    }


def purge_check(scenario: Scenario) -> dict[str, bool]:
    from chats.models import Message
    from records.models import Record

    purged = set(Record.objects.filter(pii_purged_at__isnull=False).values_list("pk", flat=True))
    purged_chats = [scenario.before[pk].chat_id for pk in purged]
    return {
        "every due unheld redacted record purged (none lost)": purged == scenario.expected,
        "no held, undue or unredacted record touched": _intact(
            scenario, sorted(scenario.untouched)
        ),
        "purged records keep every message": all(
            Message.objects.filter(chat_id=scenario.before[pk].chat_id).count()
            == scenario.before[pk].messages
            for pk in sorted(purged)[:200]
        ),
        "purged messages: original gone, redacted kept": not Message.objects.filter(
            chat_id__in=purged_chats
        )
        .exclude(text="", original_purged_at__isnull=False, text_redacted__isnull=False)
        .exists(),
        "no message without both layers": not Message.objects.filter(
            original_purged_at__isnull=False, text_redacted__isnull=True
        ).exists(),
        "all records still live": not Record.objects.exclude(status="active")
        .exclude(status="flagged")
        .exists(),
    }


CHECKS: dict[str, Callable[[Scenario], dict[str, bool]]] = {
    "execute_disposals": disposal_check,
    "redact_pii": redaction_check,
    "purge_pii_originals": purge_check,
}


def audit_chain_ok() -> bool:
    from audit.services import audit_chain_verify

    return audit_chain_verify()[0]
