import io
import json
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User

from audit.models import AuditEvent
from chats.models import Chat, Customer, Message
from core.exceptions import ApplicationError, ConflictError
from privacy.models import DataSubjectMatch, DataSubjectRequest, RequestStatus
from privacy.services import erasure
from privacy.services.erasure import subject_request_erase
from privacy.services.export import subject_request_export
from privacy.services.requests import (
    subject_request_close,
    subject_request_matches_confirm,
    subject_request_search,
)
from records.models import Record, RecordStatus
from retention.models import DisposalCertificate, DisposalItem, ItemStatus, Tombstone
from retention.services.disposal.execution import disposal_batches_execute
from retention.services.disposal.proposal import disposal_batch_approve, disposal_batches_build
from retention.services.holds import legal_hold_place
from tests.factories import make_chat
from tests.privacy.conftest import EMAIL, NOW, person_chat

BOT_ONLY = [{"sender": "bot", "sent_at": "2025-06-01T10:00:00+00:00", "text": "Hello!"}]


def _matches(request: DataSubjectRequest) -> dict[int, tuple[list[str], bool]]:
    return {
        m.chat_id: (m.bases, m.confirmed) for m in DataSubjectMatch.objects.filter(request=request)
    }


def test_deadlines_follow_the_law(make_request: Callable[..., DataSubjectRequest]) -> None:
    ca = make_request(jurisdiction="CA")
    us = make_request(jurisdiction="us")
    assert (ca.law, ca.due_at) == ("PIPEDA", NOW + timedelta(days=30))
    assert (us.law, us.due_at) == ("CCPA", NOW + timedelta(days=45))
    assert AuditEvent.objects.filter(action="dsr.received").count() == 2


@pytest.mark.parametrize(
    "overrides",
    [
        {"jurisdiction": "GB"},
        {"email": "", "phone": "", "name": ""},
        {"phone": "12"},
        {"kind": "delete-everything"},
    ],
)
def test_create_refuses_what_it_cannot_answer(
    make_request: Callable[..., DataSubjectRequest], overrides: dict[str, Any]
) -> None:
    with pytest.raises(ApplicationError):
        make_request(**overrides)
    assert not DataSubjectRequest.objects.exists()


def test_search_finds_identity_and_mentions(
    file_plan: None, make_request: Callable[..., DataSubjectRequest]
) -> None:
    by_email = person_chat("2025-01-01T10:00:00+00:00", number=1)
    by_phone = make_chat(
        customer={"external_id": "ph", "phone": "416.555.0142", "email": "o@x.com"}
    )
    by_name = make_chat(customer={"external_id": "nm", "name": "ana person", "email": "z@x.com"})
    mention = make_chat(
        messages=[
            {"sender": "customer", "sent_at": "2025-03-01T14:02:11Z", "text": f"cc {EMAIL} please"}
        ]
    )
    unrelated = make_chat()

    request = make_request(kind="access", email=EMAIL, phone="416 555 0142", name="Ana Person")

    found = _matches(request)
    assert found[by_email.pk] == (["email", "name", "phone"], True)
    # Phone agrees but the email conflicts: a candidate only (was auto-confirmed before #12).
    assert found[by_phone.pk] == (["phone"], False)
    assert DataSubjectMatch.objects.get(request=request, chat=by_phone).conflicts == ["email"]
    assert found[by_name.pk] == (["name"], False)
    assert found[mention.pk] == (["mention"], False)
    assert unrelated.pk not in found
    event = AuditEvent.objects.filter(action="dsr.searched").get()
    assert EMAIL not in json.dumps(event.data)
    assert "Ana" not in json.dumps(event.data)


def test_an_open_request_holds_the_persons_chats_until_closed(
    file_plan: None, make_request: Callable[..., DataSubjectRequest], manager_user: User
) -> None:
    mine = person_chat("2018-01-05T10:00:00+00:00", number=1)
    other = make_chat(started_at="2018-01-05T10:00:00+00:00", country="US", region="")
    Record.objects.update()  # records declared by person_chat
    from records.services import records_declare

    records_declare(now=NOW)
    request = make_request(kind="access")

    batches = disposal_batches_build(now=NOW)
    proposed = {item.record.chat_id for b in batches for item in b.items.all()}
    assert mine.pk not in proposed
    assert other.pk in proposed

    subject_request_close(
        request=request, closed_by=manager_user, status="completed", outcome="Exported 1 chat."
    )
    batches = disposal_batches_build(now=NOW)
    assert [item.record.chat_id for b in batches for item in b.items.all()] == [mine.pk]


def test_a_request_opened_after_approval_stops_execution(
    file_plan: None, make_request: Callable[..., DataSubjectRequest], manager_user: User
) -> None:
    mine = person_chat("2018-01-05T10:00:00+00:00", number=1)
    (batch,) = disposal_batches_build(now=NOW)
    disposal_batch_approve(batch=batch, approver=manager_user, now=NOW)
    make_request(kind="portability")

    disposal_batches_execute(now=NOW)

    assert DisposalItem.objects.get(record__chat=mine).status == ItemStatus.SKIPPED_HELD
    assert Message.objects.filter(chat=mine).count() == 3
    assert Record.objects.get(chat=mine).status == RecordStatus.ACTIVE


def _held_customer_scenario(manager_user: User) -> dict[str, Chat]:
    chats = {
        "held": person_chat("2018-03-01T10:00:00+00:00", number=1),
        "past_due": person_chat("2016-03-01T10:00:00+00:00", number=3),
        "obligation": person_chat("2025-03-01T10:00:00+00:00", number=5, country="CA"),
        "transitory": person_chat("2025-06-01T10:00:00+00:00", number=7, messages=BOT_ONLY),
        "mention": make_chat(
            messages=[
                {"sender": "customer", "sent_at": "2025-03-01T14:02:11Z", "text": f"ask {EMAIL}"}
            ]
        ),
    }
    from records.services import records_declare

    records_declare(now=NOW)
    legal_hold_place(
        matter="Smith v. Shop",
        reference="L-1",
        reason="litigation",
        scope={
            "customer_emails": [EMAIL],
            "started_after": "2018-01-01T00:00:00+00:00",
            "started_before": "2019-01-01T00:00:00+00:00",
        },
        issued_by=manager_user,
    )
    return chats


def test_erasure_for_a_held_customer_keeps_the_held_erases_the_rest_and_says_why(
    file_plan: None, make_request: Callable[..., DataSubjectRequest], manager_user: User
) -> None:
    chats = _held_customer_scenario(manager_user)
    assert Record.objects.get(chat=chats["transitory"]).record_class.code == "CS-TRANSITORY"
    request = make_request(kind="erasure", jurisdiction="US")

    result = subject_request_erase(request=request, erased_by=manager_user, now=NOW)

    by_chat = {item["chat"]: item for item in result["items"]}
    assert (by_chat[chats["held"].pk]["outcome"], by_chat[chats["held"].pk]["reason"]) == (
        "kept",
        "legal_hold",
    )
    assert by_chat[chats["held"].pk]["holds"]
    assert by_chat[chats["obligation"].pk]["reason"] == "retention_obligation"
    assert by_chat[chats["obligation"].pk]["until"].startswith("2031")
    assert by_chat[chats["past_due"].pk]["outcome"] == "erased"
    assert by_chat[chats["transitory"].pk]["outcome"] == "erased"
    # Every chat is answered erased or kept (SPEC §4.1); a mention is kept, untouched.
    assert (by_chat[chats["mention"].pk]["outcome"], by_chat[chats["mention"].pk]["reason"]) == (
        "kept",
        "mentioned_only",
    )
    assert result["counts"] == {"kept": 3, "erased": 2}
    # What was kept is intact; what was erased is gone, through the disposal path.
    for name in ("held", "obligation", "mention"):
        assert Message.objects.filter(chat=chats[name]).exists(), name
    for name in ("past_due", "transitory"):
        assert not Message.objects.filter(chat=chats[name]).exists(), name
        record = Record.objects.get(chat=chats[name])
        assert record.status == RecordStatus.DISPOSED
        tomb = Tombstone.objects.get(record_id_value=record.pk)
        assert tomb.reason == f"erasure request {request.pk}"
        # Like any disposal: a completed batch with its certificate (was batch-less before #12).
        assert tomb.batch is not None
        assert tomb.batch.certificate.payload["items"]
    # The customer stays while a kept chat refers to it.
    assert Customer.objects.filter(email__iexact=EMAIL).exists()
    request.refresh_from_db()
    assert request.result == result
    assert request.status == RequestStatus.IN_PROGRESS
    event = AuditEvent.objects.get(action="dsr.erased")
    assert EMAIL not in json.dumps(event.data)


def test_erasure_is_all_or_nothing(
    file_plan: None,
    make_request: Callable[..., DataSubjectRequest],
    manager_user: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chats = _held_customer_scenario(manager_user)
    request = make_request(kind="erasure", jurisdiction="US")

    def destroy_then_die(**kwargs: Any) -> Any:
        real(**kwargs)
        raise RuntimeError("killed mid-way")

    real = erasure.records_destroy_certified
    monkeypatch.setattr(erasure, "records_destroy_certified", destroy_then_die)
    with pytest.raises(RuntimeError):
        subject_request_erase(request=request, erased_by=manager_user, now=NOW)
    assert Message.objects.filter(chat=chats["past_due"]).exists()
    assert Record.objects.get(chat=chats["past_due"]).status == RecordStatus.ACTIVE
    assert not Tombstone.objects.exists()
    assert not DisposalCertificate.objects.exists()
    request.refresh_from_db()
    assert request.result == {}

    monkeypatch.setattr(erasure, "records_destroy_certified", real)
    result = subject_request_erase(request=request, erased_by=manager_user, now=NOW)
    assert result["counts"]["erased"] == 2
    again = subject_request_erase(request=request, erased_by=manager_user, now=NOW)
    assert again["counts"] == {"kept": 5}
    assert sum(i["reason"] == "already_disposed" for i in again["items"]) == 2
    assert Tombstone.objects.count() == 2


def test_another_open_request_keeps_its_chats(
    file_plan: None, make_request: Callable[..., DataSubjectRequest], manager_user: User
) -> None:
    chat = person_chat("2016-03-01T10:00:00+00:00", number=1)
    make_request(kind="access")
    erasure = make_request(kind="erasure", jurisdiction="US")
    result = subject_request_erase(request=erasure, erased_by=manager_user, now=NOW)
    assert [(i["chat"], i["reason"]) for i in result["items"]] == [
        (chat.pk, "data_subject_request")
    ]
    assert Message.objects.filter(chat=chat).exists()


def test_name_only_matches_need_confirmation(
    file_plan: None, make_request: Callable[..., DataSubjectRequest], manager_user: User
) -> None:
    chat = make_chat(
        started_at="2016-03-01T10:00:00+00:00",
        country="US",
        region="",
        customer={"external_id": "n1", "name": "Jo Name"},
    )
    from records.services import records_declare

    records_declare(now=NOW)
    request = make_request(kind="erasure", jurisdiction="US", email="", name="Jo Name")
    first = subject_request_erase(request=request, erased_by=manager_user, now=NOW)
    assert first["items"][0]["reason"] == "not_confirmed"
    match = DataSubjectMatch.objects.get(request=request)
    assert (
        subject_request_matches_confirm(
            request=request, match_ids=[match.pk], confirmed_by=manager_user
        )
        == 1
    )
    second = subject_request_erase(request=request, erased_by=manager_user, now=NOW)
    assert second["items"][0]["outcome"] == "erased"
    assert not Message.objects.filter(chat=chat).exists()


def test_mentions_cannot_be_confirmed(
    file_plan: None, make_request: Callable[..., DataSubjectRequest], manager_user: User
) -> None:
    make_chat(messages=[{"sender": "customer", "sent_at": "2025-03-01T14:02:11Z", "text": EMAIL}])
    request = make_request()
    match = DataSubjectMatch.objects.get(request=request)
    with pytest.raises(ApplicationError):
        subject_request_matches_confirm(
            request=request, match_ids=[match.pk], confirmed_by=manager_user
        )
    assert not DataSubjectMatch.objects.get(pk=match.pk).confirmed


def test_export_gives_the_persons_own_chats_in_json_html_and_zip(
    file_plan: None, make_request: Callable[..., DataSubjectRequest], manager_user: User
) -> None:
    mine = person_chat("2025-01-01T10:00:00+00:00", number=1)
    make_chat(messages=[{"sender": "customer", "sent_at": "2025-03-01T14:02:11Z", "text": EMAIL}])
    request = make_request(kind="access")

    as_json = json.loads(
        subject_request_export(request=request, exported_by=manager_user, fmt="json").content
    )
    assert as_json["format"] == "chatrecords-interchange-v1"
    assert [c["external_id"] for c in as_json["chats"]] == [mine.external_id]
    chat = as_json["chats"][0]
    assert chat["messages"][0]["text"] == "Hi, my card was charged twice"  # original text
    assert chat["customer"]["email"] == EMAIL
    assert chat["record"]["record_class"] == "CS-CHAT"
    html = subject_request_export(request=request, exported_by=manager_user, fmt="html")
    assert b"charged twice" in html.content
    assert html.filename.endswith(".html")
    bundle = subject_request_export(request=request, exported_by=manager_user, fmt="zip")
    names = zipfile.ZipFile(io.BytesIO(bundle.content)).namelist()
    assert sorted(names) == [
        f"subject-request-{request.pk}/chats.json",
        f"subject-request-{request.pk}/transcripts.html",
    ]
    events = AuditEvent.objects.filter(action="dsr.exported")
    assert events.count() == 3
    assert EMAIL not in json.dumps(list(events.values_list("data", flat=True)))
    with pytest.raises(ApplicationError):
        subject_request_export(request=request, exported_by=manager_user, fmt="pdf")


def test_export_and_erase_only_for_their_kinds(
    file_plan: None, make_request: Callable[..., DataSubjectRequest], manager_user: User
) -> None:
    erasure = make_request(kind="erasure")
    access = make_request(kind="access")
    with pytest.raises(ApplicationError):
        subject_request_export(request=erasure, exported_by=manager_user)
    with pytest.raises(ApplicationError):
        subject_request_erase(request=access, erased_by=manager_user)


def test_search_again_adds_new_chats_and_keeps_old_ones(
    file_plan: None, make_request: Callable[..., DataSubjectRequest], manager_user: User
) -> None:
    first = person_chat("2025-01-01T10:00:00+00:00", number=1)
    request = make_request()
    Customer.objects.filter(chats=first).update(email="changed@example.com", phone="")
    second = person_chat("2025-02-01T10:00:00+00:00", number=3)
    counts = subject_request_search(request=request, searched_by=manager_user)
    assert counts["new"] == 1
    assert set(_matches(request)) == {first.pk, second.pk}


def test_close_needs_an_outcome_ends_the_request_and_emits_the_webhook(
    file_plan: None,
    make_request: Callable[..., DataSubjectRequest],
    manager_user: User,
) -> None:
    from outbox.models import WebhookDelivery
    from outbox.services import webhook_subscription_create

    webhook_subscription_create(
        name="crm",
        url="https://crm.example.com/hook",
        events=["dsr.completed"],
        created_by=manager_user,
    )
    request = make_request()
    with pytest.raises(ApplicationError):
        subject_request_close(
            request=request, closed_by=manager_user, status="completed", outcome=" "
        )
    subject_request_close(
        request=request, closed_by=manager_user, status="completed", outcome="Sent 0 chats."
    )
    request.refresh_from_db()
    assert request.status == "completed"
    assert request.closed_at is not None
    delivery = WebhookDelivery.objects.get(event="dsr.completed")
    assert json.loads(delivery.body)["data"]["request"] == request.pk
    assert EMAIL not in delivery.body
    with pytest.raises(ConflictError):
        subject_request_close(
            request=request, closed_by=manager_user, status="rejected", outcome="x"
        )
    assert request.history.count() >= 2


def test_a_rejected_request_emits_no_webhook(
    file_plan: None, make_request: Callable[..., DataSubjectRequest], manager_user: User
) -> None:
    from outbox.models import WebhookDelivery

    request = make_request()
    subject_request_close(
        request=request, closed_by=manager_user, status="rejected", outcome="Not verified."
    )
    assert not WebhookDelivery.objects.exists()


def test_overdue_requests_are_listed_first(
    file_plan: None, make_request: Callable[..., DataSubjectRequest]
) -> None:
    from privacy.selectors import subject_requests_list

    late = make_request(received_at=NOW - timedelta(days=40))
    on_time = make_request(received_at=NOW - timedelta(days=1))
    rows = list(subject_requests_list(now=NOW))
    assert [r.pk for r in rows] == [late.pk, on_time.pk]
    assert [vars(r)["is_overdue"] for r in rows] == [True, False]  # annotated
    assert datetime(2026, 1, 1, tzinfo=UTC) < rows[0].due_at
