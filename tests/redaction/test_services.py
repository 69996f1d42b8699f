from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from audit.models import AuditEvent
from chats.models import Chat, Message, Survey
from core.jobs import job_run
from core.nlp import SpacyModelMissing
from redaction import services
from redaction.detection import DETECTOR_VERSION
from redaction.models import RedactionLog
from tests.factories import make_chat


class WorkerKilled(BaseException):
    """A killed worker, not a failing chat: a chat's failure is an Exception, isolated
    per chat (issue #12); a kill stops the job and rolls back its open chunk."""


pytestmark = pytest.mark.django_db
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
SECRET_MESSAGES = [
    {
        "sender": "customer",
        "sent_at": "2025-03-01T14:02:11Z",
        "text": "Hi, I'm Ana Silva, my card 4521 5491 6553 9394 was charged twice",
    },
    {
        "sender": "agent",
        "sent_at": "2025-03-01T14:03:00Z",
        "text": "Thanks Ana, order W588981724 refunded; we'll email ana@example.ca",
    },
]


@pytest.fixture
def no_redaction_on_import(settings):
    settings.REDACT_ON_IMPORT = False


def _pending_chats(count: int) -> list[Chat]:
    return [make_chat(messages=SECRET_MESSAGES) for _ in range(count)]


def _state() -> list[tuple]:
    return sorted(Message.objects.values_list("chat_id", "position", "text", "text_redacted"))


def test_job_redacts_every_pending_chat_and_logs_counts_never_values(no_redaction_on_import):
    chats = _pending_chats(3)

    result = job_run(name="redact_pii", now=NOW)

    assert result.counts["chats"] == 3
    for chat in Chat.objects.filter(pk__in=[c.pk for c in chats]):
        assert chat.redacted_at == NOW
        assert chat.redaction_version == DETECTOR_VERSION
    first = Message.objects.get(chat=chats[0], position=0)
    assert first.text == SECRET_MESSAGES[0]["text"]  # the original stays beside it
    assert first.text_redacted == "Hi, I'm [PERSON_1], my card [CREDIT_CARD_1] was charged twice"
    second = Message.objects.get(chat=chats[0], position=1)
    assert (
        second.text_redacted
        == "Thanks [PERSON_1], order W588981724 refunded; we'll email [EMAIL_1]"
    )
    assert Survey.objects.get(chat=chats[0]).comment_redacted == "quick"
    log = RedactionLog.objects.get(message=first)
    assert log.entity_counts == {"PERSON": 1, "CREDIT_CARD": 1}
    assert log.detector_version == DETECTOR_VERSION
    event = AuditEvent.objects.get(action="redaction.run")
    assert event.data["chats"] == 3
    serialized = str(list(RedactionLog.objects.values())) + str(event.data)
    for secret in ("Ana", "Silva", "4521", "ana@example.ca"):
        assert secret not in serialized


def test_job_is_idempotent(no_redaction_on_import):
    _pending_chats(3)
    job_run(name="redact_pii", now=NOW)
    before = (_state(), list(RedactionLog.objects.values_list("message_id", "entity_counts")))

    second = job_run(name="redact_pii", now=datetime(2025, 7, 1, tzinfo=UTC))

    assert second.counts["chats"] == 0
    assert (
        _state(),
        list(RedactionLog.objects.values_list("message_id", "entity_counts")),
    ) == before
    assert set(Chat.objects.values_list("redacted_at", flat=True)) == {NOW}
    assert AuditEvent.objects.filter(action="redaction.run").count() == 1


def test_job_works_in_chunks(no_redaction_on_import):
    _pending_chats(5)

    counts = services.chats_redact(now=NOW, chunk_size=2)

    assert counts.chats == 5
    assert counts.chunks == 3
    assert not Chat.objects.filter(redacted_at__isnull=True).exists()
    assert not Message.objects.filter(text_redacted__isnull=True).exists()


def test_interrupted_run_leaves_no_half_redacted_chat_and_a_rerun_finishes(
    no_redaction_on_import, monkeypatch
):
    _pending_chats(5)
    real = services.texts_redact
    calls = {"n": 0}

    def failing(texts, findings):
        calls["n"] += 1
        if calls["n"] == 3:  # the first chat of the second chunk
            raise WorkerKilled
        return real(texts, findings)

    monkeypatch.setattr(services, "texts_redact", failing)
    with pytest.raises(WorkerKilled):
        services.chats_redact(now=NOW, chunk_size=2)

    done = Chat.objects.filter(redacted_at__isnull=False)
    assert done.count() == 2  # the first chunk committed, the second rolled back
    assert not Message.objects.filter(
        chat__redacted_at__isnull=True, text_redacted__isnull=False
    ).exists()
    assert not Message.objects.filter(chat__in=done, text_redacted__isnull=True).exists()
    monkeypatch.setattr(services, "texts_redact", real)

    services.chats_redact(now=NOW, chunk_size=2)

    assert not Chat.objects.filter(redacted_at__isnull=True).exists()
    assert RedactionLog.objects.filter(field="message_text").count() == 10


def test_import_redacts_new_chats_promptly(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        chat = make_chat(messages=SECRET_MESSAGES)
    chat.refresh_from_db()
    assert chat.redaction_version == DETECTOR_VERSION
    assert "[CREDIT_CARD_1]" in Message.objects.get(chat=chat, position=0).text_redacted


def test_import_leaves_redaction_to_the_job_when_switched_off(
    no_redaction_on_import, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        chat = make_chat(messages=SECRET_MESSAGES)
    chat.refresh_from_db()
    assert chat.redacted_at is None
    assert not Message.objects.filter(chat=chat, text_redacted__isnull=False).exists()


def test_outdated_version_is_rerun_only_on_request_and_purged_chats_never(
    no_redaction_on_import,
):
    stale, purged = _pending_chats(2)
    services.chats_redact(now=NOW)
    Chat.objects.update(redaction_version="pii-0.9")
    Message.objects.filter(chat=stale).update(text_redacted="stale")
    Message.objects.filter(chat=purged).update(text="", original_purged_at=NOW)

    assert services.chats_redact(now=NOW).chats == 0
    call_command("redact_chats", "--rerun-outdated")

    stale.refresh_from_db()
    purged.refresh_from_db()
    assert stale.redaction_version == DETECTOR_VERSION
    assert "stale" not in set(
        Message.objects.filter(chat=stale).values_list("text_redacted", flat=True)
    )
    assert purged.redaction_version == "pii-0.9"
    assert Message.objects.get(chat=purged, position=0).text_redacted.startswith(
        "Hi, I'm [PERSON_1]"
    )


def test_missing_spacy_model_fails_the_job_with_the_install_command(
    no_redaction_on_import, settings
):
    _pending_chats(1)
    settings.SPACY_MODEL = "xx_no_such_model"

    with pytest.raises(SpacyModelMissing, match="pip install"):
        job_run(name="redact_pii", now=NOW)

    assert not Chat.objects.filter(redacted_at__isnull=False).exists()


def test_redact_pii_is_scheduled():
    from config.celery_app import JOB_SCHEDULE

    assert "redact_pii" in JOB_SCHEDULE
