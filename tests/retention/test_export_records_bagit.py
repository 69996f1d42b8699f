"""`export_records --format bagit`: a bag the bagit library validates, with what a transfer must
carry per record, the redacted layer only by default, and nothing written over."""

import json
from pathlib import Path

import bagit
import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from chats.models import Chat
from records.models import Record
from retention.services.disposal.execution import disposal_batches_execute
from retention.services.disposal.proposal import disposal_batch_approve, disposal_batches_build
from tests.retention.conftest import NOW

pytestmark = pytest.mark.django_db

CUSTOMER_NAME = "Philippa Vandermeer"


def _records(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "data" / "records.jsonl").read_text().splitlines()]


@pytest.fixture
def records(due_records) -> list[Record]:
    made = due_records(
        3,
        customer={
            "external_id": "cust-881",
            "name": CUSTOMER_NAME,
            "email": "philippa@example.com",
        },
    )
    call_command("run_job", "redact_pii")
    return made


def test_an_existing_folder_with_content_is_never_written_over(records, tmp_path):
    out = tmp_path / "bag"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(CommandError, match="not an empty folder"):
        call_command("export_records", "--format", "bagit", "--out", str(out))
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    assert not AuditEvent.objects.filter(action="records.exported").exists()


def test_the_customer_identity_and_original_text_stay_out_by_default(records, tmp_path):
    out = tmp_path / "bag"
    call_command("export_records", "--format", "bagit", "--out", str(out))
    text = (out / "data" / "records.jsonl").read_text()
    assert CUSTOMER_NAME not in text
    assert "philippa@example.com" not in text
    assert all(line["rights"] == "redacted layer only" for line in _records(out))


def test_a_chat_not_yet_redacted_is_listed_but_its_content_withheld(records, tmp_path):
    Chat.objects.filter(pk=records[0].chat_id).update(redacted_at=None)
    out = tmp_path / "bag"
    call_command("export_records", "--format", "bagit", "--out", str(out))
    by_id = {line["identifier"]["record"]: line for line in _records(out)}
    assert len(by_id) == 3
    assert by_id[records[0].pk]["chat"] is None
    assert by_id[records[0].pk]["chat_withheld"] == "not yet redacted"
    assert by_id[records[1].pk]["chat"]["messages"]


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--record-class", "NO-SUCH", "no such class"),
        ("--ended-before", "soon", "is not a date"),
        ("--batch", "99999", "no such disposal batch"),
    ],
)
def test_a_bad_filter_is_named_and_nothing_is_written(records, tmp_path, option, value, message):
    out = tmp_path / "bag"
    with pytest.raises(CommandError, match=message):
        call_command("export_records", "--format", "bagit", "--out", str(out), option, value)
    assert not out.exists()


def test_the_bag_validates_and_each_record_carries_the_transfer_metadata(records, tmp_path):
    out = tmp_path / "bag"
    call_command("export_records", "--format", "bagit", "--out", str(out), "--status", "active")
    bagit.Bag(str(out)).validate()
    info = (out / "bag-info.txt").read_text()
    assert "Source-Organization: ChatRecords" in info
    assert "Record-Count: 3" in info
    assert '"status": "active"' in info
    line = _records(out)[0]
    for key in ("identifier", "title", "creator", "dates", "record_class", "jurisdiction"):
        assert line[key], key
    assert line["schedule"]["citation"]
    assert line["history"][0]["change"] == "created"
    assert line["chat"]["customer"] == {"external_id": line["chat"]["customer"]["external_id"]}
    event = AuditEvent.objects.get(action="records.exported")
    assert event.data["records"] == 3


def test_disposed_records_come_with_their_certificate_and_no_content(
    records, manager_user, tmp_path
):
    for batch in disposal_batches_build(now=NOW):
        disposal_batch_approve(batch=batch, approver=manager_user)
    disposal_batches_execute(now=NOW)
    out = tmp_path / "bag"
    call_command("export_records", "--format", "bagit", "--out", str(out), "--status", "disposed")
    bagit.Bag(str(out)).validate()
    lines = _records(out)
    assert len(lines) == 3
    assert {line["chat_withheld"] for line in lines} == {"content destroyed"}
    sequences = {line["certificate"]["sequence"] for line in lines}
    files = sorted(p.name for p in (out / "data" / "certificates").iterdir())
    assert files == [f"certificate-{s:06d}.json" for s in sorted(sequences)]
