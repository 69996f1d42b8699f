"""Hold notices (issue #16 item 7): the custodians of a legal hold are told by e-mail when it is
placed and when it is released, and their acknowledgements are recorded.

A notice names the matter, the reference and what to preserve, never the personal values of the
hold's scope. The acknowledgement link carries a random token (the custodian's only credential);
acknowledging twice changes nothing. E-mails leave after the hold's transaction commits.
"""

import secrets
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.services import audit_event_record
from core.exceptions import ApplicationError
from retention.models import HoldCustodian, LegalHold

MAX_CUSTODIANS = 50

PLACED_BODY = """You are a custodian of the legal hold "{matter}"{reference}.

Preserve every chat transcript and related record of this matter: do not delete, edit or
dispose of them until you are told the hold is released. ChatRecords holds the records it
keeps; this notice is about what you keep elsewhere too.

Confirm that you received this notice: {link}
"""
RELEASED_BODY = """The legal hold "{matter}"{reference} is released: its records follow their
retention schedule again. Nothing else is asked of you.
"""


def custodian_emails_clean(emails: Sequence[str]) -> list[str]:
    """Lower-cased, de-duplicated addresses; a 400 naming the first invalid one."""
    clean: list[str] = []
    for raw in emails:
        email = raw.strip().lower()
        if not email:
            continue
        try:
            validate_email(email)
        except ValidationError as error:
            raise ApplicationError(
                f"{raw!r} is not an e-mail address", extra={"field": "custodians"}
            ) from error
        if email not in clean:
            clean.append(email)
    if len(clean) > MAX_CUSTODIANS:
        raise ApplicationError(
            f"at most {MAX_CUSTODIANS} custodians per hold", extra={"field": "custodians"}
        )
    return clean


def _reference(hold: LegalHold) -> str:
    return f" ({hold.reference})" if hold.reference else ""


def _acknowledge_url(custodian: HoldCustodian) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("legal-hold-acknowledge", args=[custodian.token])


def hold_custodians_notify(*, hold: LegalHold, emails: Sequence[str]) -> int:
    """Adds the custodians (inside the caller's transaction) and e-mails each a notice once
    the hold commits. A custodian already on the hold is not notified again."""
    added = []
    for email in custodian_emails_clean(emails):
        custodian, created = HoldCustodian.objects.get_or_create(
            hold=hold, email=email, defaults={"token": secrets.token_urlsafe(32)}
        )
        if created:
            added.append(custodian)
    if not added:
        return 0
    audit_event_record(
        actor=None, action="hold.custodians_notified", target=hold, data={"custodians": len(added)}
    )

    def send() -> None:
        for custodian in added:
            send_mail(
                subject=f"Legal hold: {hold.matter}",
                message=PLACED_BODY.format(
                    matter=hold.matter, reference=_reference(hold), link=_acknowledge_url(custodian)
                ),
                from_email=None,
                recipient_list=[custodian.email],
            )
            HoldCustodian.objects.filter(pk=custodian.pk).update(notified_at=timezone.now())

    transaction.on_commit(send)
    return len(added)


def hold_custodians_notify_release(*, hold: LegalHold) -> None:
    """E-mails every custodian of the released hold once (after the release commits)."""

    def send() -> None:
        pending = HoldCustodian.objects.filter(hold=hold, release_notified_at__isnull=True)
        for custodian in pending:
            send_mail(
                subject=f"Legal hold released: {hold.matter}",
                message=RELEASED_BODY.format(matter=hold.matter, reference=_reference(hold)),
                from_email=None,
                recipient_list=[custodian.email],
            )
            HoldCustodian.objects.filter(pk=custodian.pk).update(release_notified_at=timezone.now())

    transaction.on_commit(send)


@transaction.atomic
def hold_notice_acknowledge(*, token: str) -> HoldCustodian:
    """Records the custodian's acknowledgement (the first one counts; a replay changes
    nothing). An unknown token is a 404 for the caller."""
    custodian = HoldCustodian.objects.select_for_update().select_related("hold").get(token=token)
    if custodian.acknowledged_at is None:
        custodian.acknowledged_at = timezone.now()
        custodian.save(update_fields=["acknowledged_at"])
        audit_event_record(
            actor=None,
            action="hold.acknowledged",
            target=custodian.hold,
            data={"custodian": custodian.pk},
        )
    return custodian
