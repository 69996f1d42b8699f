"""REDACTION_RERUN_OUTDATED: chats redacted by the previous detector re-redacted, chunk by chunk."""

from datetime import UTC, datetime

import pytest

from chats.models import Chat, Message
from core.jobs import job_run
from redaction import services
from redaction.detection import DETECTOR_VERSION
from redaction.models import RedactionLog
from tests.factories import make_chat

pytestmark = pytest.mark.django_db
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
SPLIT_CARD = [
    {"sender": "agent", "sent_at": "2025-03-01T14:02:00Z", "text": "Which card is it?"},
    {"sender": "customer", "sent_at": "2025-03-01T14:02:30Z", "text": "5384 8372"},
    {"sender": "customer", "sent_at": "2025-03-01T14:02:40Z", "text": "6167 5136"},
]


@pytest.fixture
def redacted_by_the_previous_detector(settings) -> list[Chat]:
    settings.REDACT_ON_IMPORT = False
    chats = [make_chat(messages=SPLIT_CARD) for _ in range(3)]
    services.chats_redact(now=NOW)
    # As the previous detector left them: the pieces of the card in clear.
    Chat.objects.update(redaction_version="pii-1.1")
    Message.objects.filter(position__gt=0).update(text_redacted="5384 8372")
    RedactionLog.objects.update(detector_version="pii-1.1")
    return chats


def test_previous_detector_version_is_rerun_by_the_job_when_enabled(
    redacted_by_the_previous_detector, settings
):
    settings.REDACTION_RERUN_OUTDATED = True

    job_run(name="redact_pii", now=NOW)

    assert set(Chat.objects.values_list("redaction_version", flat=True)) == {DETECTOR_VERSION}
    texts = set(Message.objects.filter(position__gt=0).values_list("text_redacted", flat=True))
    assert texts == {"[CREDIT_CARD_1]"}
    assert set(RedactionLog.objects.values_list("detector_version", flat=True)) == {
        DETECTOR_VERSION
    }


def test_rerun_is_chunked_and_resumes_where_a_killed_run_stopped(
    redacted_by_the_previous_detector,
):
    _, claimed = services.chats_redact_chunk(now=NOW, chunk_size=1, rerun_outdated=True)
    assert claimed == 1
    assert Chat.objects.filter(redaction_version=DETECTOR_VERSION).count() == 1
    assert Chat.objects.filter(redaction_version="pii-1.1").count() == 2  # not touched yet

    total = services.chats_redact(now=NOW, chunk_size=1, rerun_outdated=True)

    assert total.chats == 2
    assert not Chat.objects.exclude(redaction_version=DETECTOR_VERSION).exists()


def test_previous_version_is_kept_when_rerun_is_not_enabled(
    redacted_by_the_previous_detector, settings
):
    settings.REDACTION_RERUN_OUTDATED = False

    job_run(name="redact_pii", now=NOW)

    assert set(Chat.objects.values_list("redaction_version", flat=True)) == {"pii-1.1"}


SPELT_PHONE = [
    {"sender": "agent", "sent_at": "2025-03-01T14:02:00Z", "text": "A number to text you?"},
    {"sender": "customer", "sent_at": "2025-03-01T14:02:30Z", "text": "six one three"},
    {"sender": "customer", "sent_at": "2025-03-01T14:02:40Z", "text": "seven two two 4180"},
]


def test_a_phone_left_spelt_out_by_pii_1_2_is_redacted_on_rerun_and_logged(settings):
    settings.REDACT_ON_IMPORT = False
    chat = make_chat(messages=SPELT_PHONE)
    Chat.objects.filter(pk=chat.pk).update(redacted_at=NOW, redaction_version="pii-1.2")
    Message.objects.filter(chat=chat).update(text_redacted=None)

    services.chats_redact(now=NOW, rerun_outdated=True)

    redacted = list(
        Message.objects.filter(chat=chat)
        .order_by("position")
        .values_list("text_redacted", flat=True)
    )
    assert redacted[1:] == ["[PHONE_1]", "[PHONE_1]"]
    logs = RedactionLog.objects.filter(chat=chat)
    assert set(logs.values_list("detector_version", flat=True)) == {DETECTOR_VERSION}
    assert [log.entity_counts for log in logs.order_by("message__position")] == [
        {"PHONE": 1},
        {"PHONE": 1},
    ]


LETTERED_EMAIL = [
    {"sender": "agent", "sent_at": "2025-03-01T14:02:00Z", "text": "Email on file?"},
    {
        "sender": "customer",
        "sent_at": "2025-03-01T14:02:30Z",
        "text": "o d i l e . b r u n @ yahoo.ca",
    },
]


def test_an_email_spelt_letter_by_letter_left_by_pii_1_3_is_redacted_on_rerun(settings):
    settings.REDACT_ON_IMPORT = False
    outdated = make_chat(messages=LETTERED_EMAIL)
    current = make_chat(messages=LETTERED_EMAIL)
    Chat.objects.filter(pk=outdated.pk).update(redacted_at=NOW, redaction_version="pii-1.3")
    Message.objects.filter(chat=outdated).update(text_redacted=None)
    Chat.objects.filter(pk=current.pk).update(redacted_at=NOW, redaction_version=DETECTOR_VERSION)
    Message.objects.filter(chat=current).update(text_redacted="kept as it was")

    total = services.chats_redact(now=NOW, chunk_size=1, rerun_outdated=True)

    assert total.chats == 1
    texts = Message.objects.filter(chat=outdated).order_by("position")
    assert list(texts.values_list("text_redacted", flat=True))[1] == "[EMAIL_1]"
    assert set(Message.objects.filter(chat=current).values_list("text_redacted", flat=True)) == {
        "kept as it was"
    }
