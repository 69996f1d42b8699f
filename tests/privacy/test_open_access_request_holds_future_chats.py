"""R-HOLD-2: an open data-subject request holds every chat of that identity — those found when it
was searched and those imported afterwards — at batch build, at execution and at purge, until it
is closed."""

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User

from chats.models import Chat, Message, Survey
from privacy.models import DataSubjectRequest
from privacy.services.requests import subject_request_close
from records.models import Record, RecordStatus
from retention.models import DisposalItem, ItemStatus
from retention.services.destruction import records_destroy
from retention.services.disposal.execution import disposal_batches_execute
from retention.services.disposal.proposal import disposal_batch_approve, disposal_batches_build
from retention.services.purge import pii_originals_purge
from tests.factories import make_chat
from tests.privacy.conftest import EMAIL, NOW, PHONE

pytestmark = pytest.mark.django_db


def _redact(chat: Chat) -> None:
    for message in Message.objects.filter(chat=chat):
        message.text_redacted = f"redacted {message.position}"
        message.save()
    Survey.objects.filter(chat=chat).update(comment_redacted="[redacted]", answers_redacted={})
    Chat.objects.filter(pk=chat.pk).update(redacted_at=NOW)


def _later_chat(customer: dict[str, str], *, source: str = "livechat") -> Chat:
    from records.services import records_declare

    chat = make_chat(
        source=source,
        started_at="2016-05-01T10:00:00+00:00",
        country="US",
        region="",
        customer=customer,
    )
    records_declare(now=NOW)
    _redact(chat)
    return chat


@pytest.mark.parametrize(
    "customer",
    [
        {"external_id": "new-row", "name": "", "email": EMAIL.upper(), "phone": ""},
        {"external_id": "by-phone", "name": "", "email": "", "phone": "(416) 555-0142"},
        {"external_id": "by-name", "name": "ANA  Person", "email": "", "phone": ""},
    ],
)
def test_open_access_request_holds_future_chats(
    file_plan: None,
    make_request: Callable[..., DataSubjectRequest],
    manager_user: User,
    customer: dict[str, str],
) -> None:
    request = make_request(kind="access", email=EMAIL, phone=PHONE, name="Ana Person")
    assert not request.matches.exists()
    later = _later_chat(customer)
    unrelated = _later_chat(
        {"external_id": "someone", "name": "Zed", "email": "z@example.net", "phone": ""}
    )
    texts = list(Message.objects.filter(chat=later).values_list("text", flat=True))

    # Purge and batch build both skip it; a batch executed anyway skips it too.
    pii_originals_purge(now=NOW)
    assert list(Message.objects.filter(chat=later).values_list("text", flat=True)) == texts
    assert Record.objects.get(chat=unrelated).pii_purged_at is not None
    batches = disposal_batches_build(now=NOW)
    proposed = {item.record.chat_id for b in batches for item in b.items.all()}
    assert later.pk not in proposed
    assert unrelated.pk in proposed
    record = Record.objects.get(chat=later)
    assert records_destroy(record_ids=[record.pk], now=NOW, reason="test").held == [record.pk]
    assert Record.objects.get(chat=later).status == RecordStatus.ACTIVE

    subject_request_close(
        request=request, closed_by=manager_user, status="completed", outcome="Exported 0 chats."
    )
    assert pii_originals_purge(now=NOW).purged == 1
    assert [i.record.chat_id for b in disposal_batches_build(now=NOW) for i in b.items.all()] == [
        later.pk
    ]


def test_a_chat_imported_after_approval_is_held_at_execution(
    file_plan: None, make_request: Callable[..., DataSubjectRequest], manager_user: User
) -> None:
    # Declared before the request (another identity then), corrected to hers after it opened.
    chat = _later_chat({"external_id": "c-9", "name": "", "email": "typo@example.com", "phone": ""})
    (batch,) = disposal_batches_build(now=NOW)
    disposal_batch_approve(batch=batch, approver=manager_user, now=NOW)
    make_request(kind="access", email=EMAIL)
    from chats.models import Customer

    Customer.objects.filter(external_id="c-9").update(email=EMAIL)

    disposal_batches_execute(now=NOW)

    assert DisposalItem.objects.get(record__chat=chat).status == ItemStatus.SKIPPED_HELD
    assert Message.objects.filter(chat=chat).count() == 3
