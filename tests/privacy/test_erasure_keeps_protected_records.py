"""An erasure keeps what a hold, a disposal exclusion or a retention obligation protects, and
erases the rest through the disposal path: tombstone, certificate, one consistent status."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from chats.models import Chat, Message
from records.models import Record, RecordStatus
from retention.models import DisposalCertificate, DisposalItem, ItemStatus, Tombstone
from retention.selectors import record_ids_held
from retention.services.disposal.proposal import disposal_batches_build, disposal_item_exclude
from retention.services.holds import legal_hold_place
from tests.privacy.conftest import EMAIL, NOW, person_chat

pytestmark = pytest.mark.django_db


def _snapshot(chat: Chat) -> tuple[Any, ...]:
    record = Record.objects.get(chat=chat)
    return (
        record.status,
        record.review_at,
        list(Message.objects.filter(chat=chat).values_list("text", "text_redacted")),
        Chat.objects.get(pk=chat.pk).customer_id,
        Tombstone.objects.filter(record_id_value=record.pk).exists(),
    )


def test_erasure_keeps_protected_records(
    file_plan: None, manager_api: APIClient, manager_user: User
) -> None:
    excluded = person_chat("2016-01-01T10:00:00+00:00", number=1)
    (batch,) = disposal_batches_build(now=NOW)
    disposal_item_exclude(
        batch=batch,
        record_id=Record.objects.get(chat=excluded).pk,
        excluded_by=manager_user,
        reason="complaint still being reviewed",
        review_at=NOW + timedelta(days=60),
        now=NOW,
    )
    held = person_chat("2016-02-01T10:00:00+00:00", number=3)
    hold = legal_hold_place(
        matter="Person v. Shop",
        reason="litigation",
        scope={"record_ids": [Record.objects.get(chat=held).pk]},
        issued_by=manager_user,
    )
    obligation = person_chat("2025-03-01T10:00:00+00:00", number=5, country="CA")
    erasable = person_chat("2016-03-01T10:00:00+00:00", number=7)
    kept = {"excluded": excluded, "held": held, "obligation": obligation}
    before = {name: _snapshot(chat) for name, chat in kept.items()}

    created = manager_api.post(
        "/api/v1/subject-requests/",
        {"kind": "erasure", "jurisdiction": "US", "email": EMAIL},
        format="json",
    ).json()
    assert all(m["confirmed"] for m in created["matches"])
    response = manager_api.post(f"/api/v1/subject-requests/{created['id']}/erase/")
    assert response.status_code == 200
    by_chat = {item["chat"]: item for item in response.json()["items"]}

    assert (by_chat[excluded.pk]["outcome"], by_chat[excluded.pk]["reason"]) == (
        "kept",
        "excluded_from_disposal",
    )
    assert (by_chat[held.pk]["outcome"], by_chat[held.pk]["reason"]) == ("kept", "legal_hold")
    assert by_chat[held.pk]["holds"] == [hold.pk]
    assert (by_chat[obligation.pk]["outcome"], by_chat[obligation.pk]["reason"]) == (
        "kept",
        "retention_obligation",
    )
    assert by_chat[erasable.pk]["outcome"] == "erased"
    assert {item["outcome"] for item in by_chat.values()} == {"erased", "kept"}
    # What is protected has not changed at all.
    assert {name: _snapshot(chat) for name, chat in kept.items()} == before
    assert DisposalItem.objects.get(record__chat=excluded).status == ItemStatus.EXCLUDED

    # The erased record: destroyed like any disposal — tombstone, certificate, one status.
    record = Record.objects.get(chat=erasable)
    assert record.status == RecordStatus.DISPOSED
    assert not Message.objects.filter(chat=erasable).exists()
    tombstone = Tombstone.objects.get(record_id_value=record.pk)
    assert tombstone.reason == f"erasure request {created['id']}"
    assert tombstone.batch is not None
    certificate = DisposalCertificate.objects.get(batch=tombstone.batch)
    items = {item["record"]: item for item in certificate.payload["items"]}
    assert items[record.pk]["status"] == "destroyed"
    assert items[record.pk]["content_sha256"] == tombstone.content_sha256
    assert set(items) == {record.pk}
    assert certificate.payload["approvals"][0]["approver"] == manager_user.get_username()
    assert by_chat[erasable.pk]["certificate"] == certificate.pk
    # Not "disposed" and "held" at once: nothing reports the destroyed record as held.
    assert record.pk not in record_ids_held([record.pk])
    listed = manager_api.get("/api/v1/records/", {"held": "true"}).json()
    assert record.pk not in [r["id"] for r in listed["results"]]
    detail = manager_api.get(f"/api/v1/records/{record.pk}/").json()
    assert (detail["status"], detail["holds"]) == ("disposed", [])
    certificates = manager_api.get("/api/v1/disposal-certificates/").json()
    assert certificate.pk in [c["id"] for c in certificates["results"]]


def test_a_second_erasure_run_destroys_nothing_twice_and_writes_no_new_certificate(
    file_plan: None, manager_api: APIClient
) -> None:
    person_chat("2016-03-01T10:00:00+00:00", number=1)
    created = manager_api.post(
        "/api/v1/subject-requests/",
        {"kind": "erasure", "jurisdiction": "US", "email": EMAIL},
        format="json",
    ).json()
    first = manager_api.post(f"/api/v1/subject-requests/{created['id']}/erase/").json()
    assert first["counts"] == {"erased": 1}
    second = manager_api.post(f"/api/v1/subject-requests/{created['id']}/erase/").json()
    assert [i["outcome"] for i in second["items"]] == ["kept"]
    assert Tombstone.objects.count() == 1
    assert DisposalCertificate.objects.count() == 1
