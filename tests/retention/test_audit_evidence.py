"""`export_audit_evidence`: a zip whose README steps verify it offline, and which shows every
kind of tampering — an edited event, a removed event, an altered certificate, an edited file."""

import json
import subprocess
import sys
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_event_record
from retention.models import DisposalCertificate
from retention.services.disposal.execution import disposal_batches_execute
from retention.services.disposal.proposal import disposal_batch_approve, disposal_batches_build
from tests.retention.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def disposed(due_records, manager_user) -> None:
    due_records(3)
    for batch in disposal_batches_build(now=NOW):
        disposal_batch_approve(batch=batch, approver=manager_user)
    disposal_batches_execute(now=NOW)
    assert DisposalCertificate.objects.exists()


def _export(tmp_path: Path, *options: str) -> Path:
    out = tmp_path / "evidence.zip"
    call_command("export_audit_evidence", "--out", str(out), *options)
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(out) as archive:
        archive.extractall(folder)
    return folder


def _verify(folder: Path, settings, *, key: bool) -> subprocess.CompletedProcess[str]:
    arguments = [sys.executable, "-I", "verify.py"]  # -I: without ChatRecords on the path
    if key:
        (folder.parent / "key").write_text(settings.AUDIT_CHAIN_KEY)
        arguments += ["--audit-key-file", str(folder.parent / "key")]
    return subprocess.run(  # noqa: S603 - our own verifier, with fixed arguments
        arguments, cwd=folder, capture_output=True, text=True, check=False
    )


def test_an_event_edited_in_the_database_fails_the_seal_check(disposed, tmp_path, settings):
    event = AuditEvent.objects.order_by("sequence")[1]
    AuditEvent.objects.filter(pk=event.pk).update(data={"rewritten": True})
    result = _verify(_export(tmp_path), settings, key=True)
    assert result.returncode == 1
    assert f"event #{event.sequence}" in result.stdout
    assert "altered" in result.stdout


def test_an_event_removed_from_the_middle_of_the_period_is_reported(disposed, tmp_path, settings):
    event = AuditEvent.objects.order_by("sequence")[1]
    AuditEvent.objects.filter(pk=event.pk).delete()
    result = _verify(_export(tmp_path), settings, key=False)
    assert result.returncode == 1
    assert f"expected event #{event.sequence}" in result.stdout


def test_an_altered_certificate_fails_without_the_key(disposed, tmp_path, settings):
    certificate = DisposalCertificate.objects.get()
    payload = {**certificate.payload, "items": []}
    DisposalCertificate.objects.filter(pk=certificate.pk).update(payload=payload)
    result = _verify(_export(tmp_path), settings, key=False)
    assert result.returncode == 1
    assert "was altered" in result.stdout


def test_a_file_edited_after_the_export_fails_its_checksum(disposed, tmp_path, settings):
    folder = _export(tmp_path)
    table = folder / "audit" / "events.csv"
    table.write_text(table.read_text().replace("disposal", "dispos4l", 1))
    result = _verify(folder, settings, key=True)
    assert result.returncode == 1
    assert "audit/events.csv: content differs from SHA256SUMS" in result.stdout


def test_from_after_to_is_refused_and_writes_nothing(tmp_path):
    with pytest.raises(CommandError, match="--from is after --to"):
        call_command(
            "export_audit_evidence",
            "--out",
            str(tmp_path / "e.zip"),
            "--from",
            "2026-02-01",
            "--to",
            "2026-01-01",
        )
    assert not (tmp_path / "e.zip").exists()
    assert not AuditEvent.objects.filter(action="evidence.exported").exists()


def test_a_date_that_is_not_a_date_names_the_value(tmp_path):
    with pytest.raises(CommandError, match="'2026-13-01' is not a date"):
        call_command(
            "export_audit_evidence", "--out", str(tmp_path / "e.zip"), "--from", "2026-13-01"
        )


def test_the_package_of_a_period_verifies_offline_and_the_export_is_audited(
    disposed, tmp_path, settings
):
    old = audit_event_record(actor=None, action="test.old")
    AuditEvent.objects.filter(pk=old.pk).update(occurred_at=timezone.now() - timedelta(days=40))
    today = timezone.localdate()
    since = today - timedelta(days=1)
    folder = _export(tmp_path, "--from", since.isoformat(), "--to", today.isoformat())
    manifest = json.loads((folder / "manifest.json").read_text())
    in_period = AuditEvent.objects.exclude(action__in=["test.old", "evidence.exported"])
    assert manifest["audit_events"] == in_period.count()
    lines = (folder / "audit" / "events.jsonl").read_text().splitlines()
    assert "test.old" not in {json.loads(line)["action"] for line in lines}
    assert manifest["certificates"] == 1
    assert sorted(p.name for p in (folder / "certificates").iterdir()) == [
        f"certificate-{DisposalCertificate.objects.get().sequence:06d}.json"
    ]
    assert "python3 verify.py --audit-key-file KEY" in (folder / "README.txt").read_text()
    result = _verify(folder, settings, key=True)
    assert result.returncode == 0, result.stdout
    assert "intact" in result.stdout
    assert "seals checked" in result.stdout
    exported = AuditEvent.objects.get(action="evidence.exported")
    assert exported.data["certificates"] == 1
    assert exported.data["from"] == since.isoformat()


def test_support_staff_cannot_download_evidence_and_nothing_is_audited(client, support_user):
    client.force_login(support_user)
    response = client.get("/audit/evidence/", {"from": "2026-01-01"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="evidence.exported").exists()


def test_a_bad_date_on_the_page_is_a_400_naming_the_format(client, auditor_user):
    client.force_login(auditor_user)
    response = client.get("/audit/evidence/", {"from": "yesterday"})
    assert response.status_code == 400
    assert b"YYYY-MM-DD" in response.content


def test_an_auditor_downloads_the_package_of_a_period_from_the_audit_log(
    disposed, client, auditor_user, tmp_path
):
    client.force_login(auditor_user)
    page = client.get("/audit/")
    assert b'action="/audit/evidence/"' in page.content
    today = timezone.localdate().isoformat()
    response = client.get("/audit/evidence/", {"from": today, "to": today})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    out = tmp_path / "download.zip"
    out.write_bytes(b"".join(response.streaming_content))
    with zipfile.ZipFile(out) as archive:
        assert {"README.txt", "verify.py", "SHA256SUMS", "manifest.json"} <= set(archive.namelist())
    exported = AuditEvent.objects.get(action="evidence.exported")
    assert exported.actor_pk == auditor_user.pk


def test_verify_certificates_names_an_altered_certificate(disposed):
    certificate = DisposalCertificate.objects.get()
    DisposalCertificate.objects.filter(pk=certificate.pk).update(
        payload={**certificate.payload, "counts": {"destroyed": 0}}
    )
    with pytest.raises(CommandError, match=r"certificate #\d+ \(id \d+\) was altered"):
        call_command("run_job", "verify_certificates")


def test_verify_certificates_passes_an_intact_chain(disposed, capsys):
    call_command("run_job", "verify_certificates")
    assert "certificate chain intact: 1 certificates verified" in capsys.readouterr().out


def test_a_certificate_names_the_citation_and_each_items_trigger_and_due_date(
    disposed, client, auditor_user
):
    certificate = DisposalCertificate.objects.get()
    assert certificate.payload["citations"]
    item = certificate.payload["items"][0]
    assert item["trigger"] == "chat_ended"
    assert item["trigger_at"].startswith("2018-01-")
    assert item["disposition_due"]
    client.force_login(auditor_user)
    page = client.get(f"/certificates/{certificate.pk}/").content.decode()
    assert certificate.payload["citations"][0][:30] in page
    assert item["disposition_due"][:10] in page
