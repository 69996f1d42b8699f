"""Issue #12 item 3: `verify_transcripts` re-hashes every declared transcript against the digests
taken when it was declared (original layer) and when it was redacted (redacted layer), exits 1
with one line per record whose content changed, and raises an alert (audit event
`transcript.tampered`, JobResult ok=False). It stays verifiable after the originals are purged,
and the legitimate writers (redaction, re-redaction, the purge) never raise a false alarm."""

import io
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import AuditEvent
from chats.models import Chat, Message, Survey
from core.jobs import job_run
from records.models import Record
from records.services import records_declare, transcripts_verify
from redaction.services import chats_redact
from retention.services.purge import pii_originals_purge
from tests.factories import make_chat

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, tzinfo=UTC)


def _declared(n: int, **overrides) -> list[Record]:
    chats = [make_chat(country="US", region="", **overrides) for _ in range(n)]
    chats_redact(now=NOW)
    records_declare(now=NOW)
    return list(Record.objects.filter(chat__in=chats).order_by("pk"))


def _verify() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verify_transcripts", stdout=out, stderr=out)
        return 0, out.getvalue()
    except CommandError as error:
        return 1, out.getvalue() + str(error)


def test_untouched_transcripts_verify(file_plan):
    _declared(3)
    code, output = _verify()
    assert code == 0, output
    assert not AuditEvent.objects.filter(action="transcript.tampered").exists()


def test_a_rewritten_message_is_reported_once_and_raises_an_alert(file_plan):
    records = _declared(3)
    tampered = records[1]
    Message.objects.filter(chat=tampered.chat, position=0).update(text="I was never charged")

    code, output = _verify()

    assert code == 1
    lines = [line for line in output.splitlines() if line.startswith("record ")]
    assert len(lines) == 1
    assert f"record {tampered.pk} " in lines[0]
    assert tampered.chat.external_id in lines[0]
    assert "original" in lines[0]
    event = AuditEvent.objects.get(action="transcript.tampered")
    assert event.target_id == str(tampered.pk)
    result = job_run(name="verify_transcripts", now=NOW)
    assert result.ok is False
    assert result.counts["changed"] == 1
    with pytest.raises(CommandError):
        call_command("run_job", "verify_transcripts", stdout=io.StringIO())


def test_a_rewritten_redacted_layer_is_detected_after_the_originals_are_purged(due_records):
    records = due_records(2)
    chats_redact(now=NOW)
    assert pii_originals_purge(now=NOW).purged == 2
    assert _verify()[0] == 0  # the purge is not a rewrite

    Message.objects.filter(chat=records[0].chat, position=1).update(text_redacted="rewritten")

    code, output = _verify()
    assert code == 1
    assert f"record {records[0].pk} " in output
    assert f"record {records[1].pk} " not in output
    assert "redacted" in output


def test_survey_comment_and_rating_are_covered(file_plan):
    records = _declared(2)
    Survey.objects.filter(chat=records[0].chat).update(comment="terrible")
    Survey.objects.filter(chat=records[1].chat).update(rating=1)
    summary = transcripts_verify(now=NOW)
    assert {line.split()[1] for line in summary.changed} == {str(r.pk) for r in records}


def test_a_deleted_or_added_message_is_detected(file_plan):
    records = _declared(2)
    Message.objects.filter(chat=records[0].chat, position=2).delete()
    first = Message.objects.get(chat=records[1].chat, position=0)
    Message.objects.create(
        chat=records[1].chat, position=9, sender="agent", sent_at=first.sent_at, text="extra"
    )
    assert len(transcripts_verify(now=NOW).changed) == 2


def test_a_re_redaction_takes_a_new_digest_and_is_no_false_alarm(file_plan, settings):
    records = _declared(2)
    Chat.objects.filter(pk__in=[r.chat_id for r in records]).update(redaction_version="pii-0.1")
    assert chats_redact(now=NOW, rerun_outdated=True).chats == 2
    assert transcripts_verify(now=NOW).changed == []


def test_a_record_declared_before_digests_is_reported_not_failed(file_plan):
    records = _declared(2)
    Record.objects.filter(pk=records[0].pk).update(transcript_sha256="")
    summary = transcripts_verify(now=NOW)
    assert summary.changed == []
    assert summary.no_digest == [records[0].pk]
    result = job_run(name="verify_transcripts", now=NOW)
    assert result.ok
    assert any(f"record {records[0].pk}" in message for message in result.messages)


def test_verification_in_chunks(file_plan):
    records = _declared(5)
    Message.objects.filter(chat=records[4].chat, position=0).update(text="x")
    summary = transcripts_verify(now=NOW, chunk_size=2)
    assert summary.checked == 5
    assert [line.split()[1] for line in summary.changed] == [str(records[4].pk)]


def test_verify_transcripts_is_scheduled_and_in_the_lifecycle():
    from config.celery_app import JOB_SCHEDULE
    from core.management.commands.run_all_jobs import LIFECYCLE_ORDER

    assert "verify_transcripts" in JOB_SCHEDULE
    assert LIFECYCLE_ORDER.index("verify_transcripts") < LIFECYCLE_ORDER.index(
        "purge_pii_originals"
    )
