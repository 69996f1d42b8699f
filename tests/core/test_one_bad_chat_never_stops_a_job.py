"""Issue #12 item 10: one bad chat must never stop a job, nor the jobs after it.

A chat that fails is isolated (logged with its id, counted as `failed`, left for the next run);
the rest of its chunk still commits; run_all_jobs runs every job and exits non-zero at the end.
"""

import io
import json
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F

from chats.models import Chat, Message, Survey
from core import jobs as core_jobs
from core.jobs import Job, job_run
from knowledgebase.models import ChatInsight
from knowledgebase.services import analysis
from records.file_plan import file_plan_seed
from records.models import Record
from redaction.services import chats_redact
from retention import receivers as retention_receivers
from tests.factories import make_chat

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, tzinfo=UTC)
SPACY_DEFAULT_MAX_LENGTH = 1_000_000


def _redacted(chat: Chat) -> Chat:
    Message.objects.filter(chat=chat).update(text_redacted=F("text"))
    Survey.objects.filter(chat=chat).update(comment_redacted=F("comment"))
    Chat.objects.filter(pk=chat.pk).update(redacted_at=NOW, redaction_version="test-1")
    return chat


def test_a_message_longer_than_spacys_limit_is_analysed_not_crashed():
    chat = _redacted(make_chat())
    # As a 5 MB message that was imported before MAX_MESSAGE_CHARS existed.
    huge = "The refund for my blender never arrived. " * (SPACY_DEFAULT_MAX_LENGTH // 40 + 10)
    assert len(huge) > SPACY_DEFAULT_MAX_LENGTH
    Message.objects.filter(chat=chat, position=0).update(text=huge, text_redacted=huge)

    result = job_run(name="extract_keywords", now=NOW)

    assert result.ok, result.messages
    insight = ChatInsight.objects.get(chat=chat)
    assert insight.source_redacted_at == NOW
    assert "refund" in set(chat.kb_keywords.values_list("term", flat=True))


def test_extract_keywords_isolates_a_failing_chat_and_commits_the_rest(monkeypatch, caplog):
    chats = [_redacted(make_chat()) for _ in range(3)]
    bad = chats[1]
    real_score = analysis._score

    def score_failing_for_bad(item, sentiments):
        if item.chat.pk == bad.pk:
            raise ValueError("model exploded")
        real_score(item, sentiments)

    monkeypatch.setattr(analysis, "_score", score_failing_for_bad)

    result = job_run(name="extract_keywords", now=NOW)

    assert not result.ok
    assert result.counts["failed"] == 1
    assert result.counts["analysed"] == 2
    assert set(ChatInsight.objects.values_list("chat_id", flat=True)) == {
        chats[0].pk,
        chats[2].pk,
    }
    assert any(str(bad.pk) in message for message in result.messages)
    assert f"chat {bad.pk}" in caplog.text

    monkeypatch.setattr(analysis, "_score", real_score)  # fixed: the next run retries it
    again = job_run(name="extract_keywords", now=NOW)
    assert again.ok
    assert again.counts["failed"] == 0
    assert ChatInsight.objects.filter(chat=bad).exists()


def test_redact_pii_isolates_a_chat_that_cannot_be_redacted():
    chats = [make_chat() for _ in range(3)]
    bad = chats[0]
    # Longer than spaCy can parse: imported before the limit existed.
    Message.objects.filter(chat=bad, position=0).update(text="Ana Silva " * 110_000)

    result = job_run(name="redact_pii", now=NOW)

    assert not result.ok
    assert result.counts["failed"] == 1
    redacted = set(Chat.objects.filter(redacted_at__isnull=False).values_list("pk", flat=True))
    assert redacted == {chats[1].pk, chats[2].pk}
    assert Message.objects.filter(chat=bad, text_redacted__isnull=True).count() == 3


def test_redaction_chunk_failure_does_not_loop_on_the_bad_chat():
    chats = [make_chat() for _ in range(5)]
    Message.objects.filter(chat=chats[2], position=0).update(text="Ana Silva " * 110_000)

    counts = chats_redact(now=NOW, chunk_size=2)

    assert counts.chats == 4
    assert counts.failed == [chats[2].pk]


def test_declare_records_isolates_a_failing_chat(monkeypatch):
    file_plan_seed()
    chats = [make_chat() for _ in range(4)]
    bad = chats[2]
    # Declaring applies holds through retention's receiver of records.hooks.records_declared.
    real_apply = retention_receivers.legal_holds_apply

    def apply_failing_for_bad(*, record_ids, now):
        if Record.objects.filter(pk__in=record_ids, chat=bad).exists():
            raise RuntimeError("hold scope query failed")
        return real_apply(record_ids=record_ids, now=now)

    monkeypatch.setattr(retention_receivers, "legal_holds_apply", apply_failing_for_bad)

    result = job_run(name="declare_records", now=NOW)

    assert not result.ok
    assert result.counts["failed"] == 1
    assert result.counts["declared"] == 3
    assert set(Record.objects.values_list("chat_id", flat=True)) == {
        c.pk for c in chats if c.pk != bad.pk
    }
    bad.refresh_from_db()
    assert bad.locked_at is None  # nothing half-declared

    monkeypatch.setattr(retention_receivers, "legal_holds_apply", real_apply)
    assert job_run(name="declare_records", now=NOW).counts["declared"] == 1


def test_run_all_jobs_runs_every_job_when_one_raises_and_exits_non_zero(monkeypatch):
    file_plan_seed()
    make_chat()
    registered = core_jobs.jobs_registered()

    def explodes(*, now):
        raise RuntimeError("boom")

    broken = registered["extract_keywords"]
    monkeypatch.setitem(
        core_jobs._REGISTRY,
        "extract_keywords",
        Job(name=broken.name, function=explodes, description=broken.description),
    )
    out = io.StringIO()

    with pytest.raises(CommandError) as error:
        call_command(
            "run_all_jobs", "--now", NOW.isoformat(), "--json", stdout=out, stderr=io.StringIO()
        )

    assert "extract_keywords" in str(error.value)
    lines = [json.loads(line) for line in out.getvalue().splitlines() if line.startswith("{")]
    ran = {line["job"]: line["ok"] for line in lines}
    assert set(ran) == set(registered)
    assert ran["extract_keywords"] is False
    assert ran["verify_audit_chain"] is True
    assert Record.objects.count() == 1  # declare_records ran
