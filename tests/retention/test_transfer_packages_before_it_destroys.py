"""SPEC §4.2 `transfer`: package as export_records, then destroy once the package validates.
Nothing is destroyed before a valid bag carries it; a failure destroys nothing and is retried."""

import hashlib
import json
from pathlib import Path

import bagit
import pytest

from audit.models import AuditEvent
from chats.models import Message
from records.models import Record, RetentionSchedule
from retention.models import (
    BatchState,
    DisposalBatch,
    DisposalCertificate,
    DisposalItem,
    Tombstone,
    TransferPackage,
)
from retention.services.disposal import execution, transfer
from retention.services.disposal.execution import disposal_batches_execute
from retention.services.disposal.proposal import disposal_batch_approve, disposal_batches_build
from retention.services.holds import legal_hold_place
from tests.retention.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def packages(settings, tmp_path) -> Path:
    settings.TRANSFER_PACKAGE_DIR = tmp_path / "transfers"
    return settings.TRANSFER_PACKAGE_DIR


@pytest.fixture
def transfer_batch(due_records, manager_user, packages):
    """Three due US records of a `transfer` schedule, in an approved batch."""
    RetentionSchedule.objects.filter(record_class__code="CS-CHAT", jurisdiction="US").update(
        action="transfer"
    )
    records = due_records(3)
    (batch,) = disposal_batches_build(now=NOW)
    assert batch.action == "transfer"
    disposal_batch_approve(batch=batch, approver=manager_user)
    return batch, records


def _bag_ids(path: Path) -> set[int]:
    lines = (path / "data" / "records.jsonl").read_text(encoding="utf-8").splitlines()
    return {json.loads(line)["identifier"]["record"] for line in lines if line}


def _intact(record: Record) -> bool:
    record.refresh_from_db()
    return record.status == "active" and Message.objects.filter(chat_id=record.chat_id).exists()


def test_the_bag_validates_and_carries_every_record_before_any_is_destroyed(
    transfer_batch, packages, monkeypatch
):
    batch, records = transfer_batch
    real_destroy = execution.records_destroy
    seen: list[set[int]] = []

    def destroy_checked(**kwargs):
        path = packages / f"batch-{batch.pk}"
        bagit.Bag(str(path)).validate()  # raises when it does not validate
        assert _bag_ids(path) == {r.pk for r in records}
        if not seen:
            assert all(_intact(r) for r in records)
        seen.append(set(kwargs["record_ids"]))
        return real_destroy(**kwargs)

    monkeypatch.setattr(execution, "records_destroy", destroy_checked)
    summary = disposal_batches_execute(now=NOW, workers=1)
    assert summary.completed == [batch.pk]
    assert set().union(*seen) == {r.pk for r in records}
    for record in records:
        record.refresh_from_db()
        assert record.status == "disposed"
        assert not Message.objects.filter(chat_id=record.chat_id).exists()
    assert set(Tombstone.objects.values_list("action", flat=True)) == {"transfer"}
    path = packages / f"batch-{batch.pk}"
    certificate = DisposalCertificate.objects.get(batch=batch)
    part = certificate.payload["transfer"]
    assert part["package"] == str(path)
    assert part["payload_oxum"] == bagit.Bag(str(path)).info["Payload-Oxum"]
    digest = hashlib.sha256((path / "tagmanifest-sha256.txt").read_bytes()).hexdigest()
    assert part["tagmanifest_sha256"] == digest
    assert part["records"] == 3
    assert certificate.payload["action"] == "transfer"
    lines = (path / "data" / "records.jsonl").read_text(encoding="utf-8").splitlines()
    assert {json.loads(line)["record_class"]["vital"] for line in lines} == {False}


def test_a_package_that_does_not_validate_destroys_nothing_and_a_later_run_retries(
    transfer_batch, packages, monkeypatch
):
    batch, records = transfer_batch

    def broken(self, *args, **kwargs):
        raise bagit.BagValidationError("payload checksum mismatch")

    monkeypatch.setattr(bagit.Bag, "validate", broken)
    summary = disposal_batches_execute(now=NOW, workers=1)
    assert summary.completed == []
    assert any("does not validate" in message for message in summary.messages)
    assert all(_intact(r) for r in records)
    assert not Tombstone.objects.exists()
    assert not TransferPackage.objects.exists()
    batch.refresh_from_db()
    assert batch.state == BatchState.EXECUTING
    assert "does not validate" in batch.execution_error
    assert AuditEvent.objects.filter(action="disposal.transfer_failed").count() == 1
    assert set(DisposalItem.objects.filter(batch=batch).values_list("status", flat=True)) == {
        "pending"
    }
    monkeypatch.undo()
    summary = disposal_batches_execute(now=NOW, workers=1)
    assert summary.completed == [batch.pk]
    batch.refresh_from_db()
    assert batch.execution_error == ""
    assert Tombstone.objects.count() == 3
    bagit.Bag(str(packages / f"batch-{batch.pk}")).validate()


def test_a_held_record_is_neither_packaged_nor_destroyed(transfer_batch, packages, manager_user):
    batch, records = transfer_batch
    held = records[1]
    legal_hold_place(
        matter="audit", reason="r", scope={"record_ids": [held.pk]}, issued_by=manager_user
    )
    disposal_batches_execute(now=NOW, workers=1)
    assert _bag_ids(packages / f"batch-{batch.pk}") == {records[0].pk, records[2].pk}
    assert _intact(held)
    item = DisposalItem.objects.get(batch=batch, record=held)
    assert item.status == "skipped_held"
    assert not Tombstone.objects.filter(record_id_value=held.pk).exists()
    assert Tombstone.objects.count() == 2


def test_a_replayed_execution_does_nothing_more(transfer_batch, packages, monkeypatch):
    batch, _records = transfer_batch
    disposal_batches_execute(now=NOW, workers=1)
    path = packages / f"batch-{batch.pk}"
    manifest = (path / "tagmanifest-sha256.txt").read_bytes()
    events = AuditEvent.objects.count()

    def never(**kwargs):
        raise AssertionError("the package is written once")

    monkeypatch.setattr(transfer, "records_bag_write", never)
    summary = disposal_batches_execute(now=NOW, workers=1)
    assert summary.batches == []
    assert Tombstone.objects.count() == 3
    assert DisposalCertificate.objects.count() == 1
    assert AuditEvent.objects.count() == events
    assert (path / "tagmanifest-sha256.txt").read_bytes() == manifest


def test_a_valid_package_of_an_interrupted_run_is_reused_not_rewritten(
    transfer_batch, packages, monkeypatch
):
    batch, _records = transfer_batch
    DisposalBatch.objects.filter(pk=batch.pk).update(state=BatchState.EXECUTING)
    transfer.transfer_package_ensure(batch, now=NOW)
    # The run died after writing the bag, before recording it.
    TransferPackage.objects.all().delete()
    path = packages / f"batch-{batch.pk}"
    manifest = (path / "tagmanifest-sha256.txt").read_bytes()

    def never(**kwargs):
        raise AssertionError("a valid package is reused")

    monkeypatch.setattr(transfer, "records_bag_write", never)
    summary = disposal_batches_execute(now=NOW, workers=1)
    assert summary.completed == [batch.pk]
    assert (path / "tagmanifest-sha256.txt").read_bytes() == manifest
    assert Tombstone.objects.count() == 3


def test_a_tampered_package_after_destruction_began_stops_the_batch(
    transfer_batch, packages, monkeypatch
):
    batch, records = transfer_batch
    DisposalBatch.objects.filter(pk=batch.pk).update(state=BatchState.EXECUTING)
    package = transfer.transfer_package_ensure(batch, now=NOW)
    first = records[0]
    execution._items_execute(
        batch,
        [(first.pk, DisposalItem.objects.get(batch=batch, record=first).pk)],
        now=NOW,
        approvers=["m"],
        package=package,
    )
    (Path(package.path) / "data" / "records.jsonl").write_text("tampered\n", encoding="utf-8")
    summary = disposal_batches_execute(now=NOW, workers=1)
    assert summary.completed == []
    assert any("no longer validates" in message for message in summary.messages)
    assert _intact(records[1])
    assert _intact(records[2])


def test_the_transfer_package_dir_is_not_inside_the_repository_tree(settings):
    from config.settings import base

    default = Path(base.TRANSFER_PACKAGE_DIR)
    assert default.parts[-2:] == ("var", "transfer-packages")
    gitignore = (Path(base.BASE_DIR) / ".gitignore").read_text().splitlines()
    assert "var/" in gitignore


def test_an_unwritable_package_dir_destroys_nothing_and_the_pages_say_why(
    transfer_batch, settings, tmp_path, manager_api
):
    batch, records = transfer_batch
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    settings.TRANSFER_PACKAGE_DIR = blocker
    summary = disposal_batches_execute(now=NOW, workers=1)
    assert summary.completed == []
    assert all(_intact(r) for r in records)
    body = manager_api.get(f"/api/v1/disposal-batches/{batch.pk}/").json()
    assert "could not be written" in body["execution_error"]


def test_the_certificate_page_names_the_package(transfer_batch, manager_user, packages):
    from django.test import Client

    from tests.conftest import PASSWORD

    batch, _ = transfer_batch
    disposal_batches_execute(now=NOW, workers=1)
    client = Client()
    assert client.login(username=manager_user.username, password=PASSWORD)
    certificate = DisposalCertificate.objects.get(batch=batch)
    page = client.get(f"/api/v1/disposal-certificates/{certificate.pk}/?format=html")
    text = page.content.decode()
    assert "Certificate of transfer" in text
    assert str(packages / f"batch-{batch.pk}") in text
    batch_page = client.get(f"/disposal/{batch.pk}/").content.decode()
    assert "Transfer package" in batch_page


def test_run_job_execute_disposals_reports_a_failed_package(transfer_batch, monkeypatch):
    from io import StringIO

    from django.core.management import call_command

    batch, records = transfer_batch

    def broken(self, *args, **kwargs):
        raise bagit.BagValidationError("checksum mismatch")

    monkeypatch.setattr(bagit.Bag, "validate", broken)
    out = StringIO()
    call_command("run_job", "execute_disposals", stdout=out, stderr=out)
    assert f"batch {batch.pk} not executed" in out.getvalue()
    assert all(_intact(r) for r in records)


@pytest.mark.django_db(transaction=True)
def test_two_workers_transfer_one_batch_from_one_package(file_plan, manager_user, packages):
    from records.services import records_declare
    from tests.factories import make_chat

    RetentionSchedule.objects.filter(record_class__code="CS-CHAT", jurisdiction="US").update(
        action="transfer"
    )
    chats = [
        make_chat(country="US", region="", started_at=f"2018-01-{n + 1:02d}T10:00:00+00:00")
        for n in range(8)
    ]
    records_declare(now=NOW)
    (batch,) = disposal_batches_build(now=NOW)
    disposal_batch_approve(batch=batch, approver=manager_user)
    summary = disposal_batches_execute(now=NOW, chunk_size=2, workers=2)
    assert summary.completed == [batch.pk]
    assert Tombstone.objects.filter(action="transfer").count() == 8
    assert TransferPackage.objects.count() == 1
    path = packages / f"batch-{batch.pk}"
    bagit.Bag(str(path)).validate()
    assert _bag_ids(path) == set(Record.objects.filter(chat__in=chats).values_list("pk", flat=True))
