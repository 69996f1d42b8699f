"""Two layers: support staff only ever get the redacted layer; managers' original views are
audited. Covers every endpoint and page that returns chat text."""

import json

import pytest
from django.core.management import call_command

from audit.models import AuditEvent
from tests.factories import make_chat

pytestmark = pytest.mark.django_db
ORIGINALS = ("Ana Silva", "4521 5491 6553 9394", "ana@example.ca", "Silva")
MESSAGES = [
    {
        "sender": "customer",
        "sent_at": "2025-03-01T14:02:11Z",
        "text": "Hi, I'm Ana Silva, my card 4521 5491 6553 9394 was charged twice",
    },
    {
        "sender": "agent",
        "sent_at": "2025-03-01T14:03:00Z",
        "text": "Thanks Ana Silva, we'll email ana@example.ca",
    },
]
SURVEY = {"rating": 2, "resolved": False, "comment": "Ana Silva here, call me", "answers": {}}


@pytest.fixture
def redacted_chat(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the import hook redacts it
        return make_chat(
            messages=MESSAGES,
            survey=SURVEY,
            customer={
                "external_id": "c-1",
                "name": "Ana Silva",
                "email": "ana@example.ca",
                "phone": "+1 416 555 0199",
            },
        )


@pytest.fixture
def unredacted_chat(settings):
    settings.REDACT_ON_IMPORT = False
    return make_chat(messages=MESSAGES, survey=SURVEY)


def _assert_no_original(body: str) -> None:
    for value in ORIGINALS:
        assert value not in body


def test_support_api_list_and_detail_never_show_an_original(support_api, redacted_chat):
    listing = support_api.get("/api/v1/chats/")
    detail = support_api.get(f"/api/v1/chats/{redacted_chat.pk}/")
    asking = support_api.get(f"/api/v1/chats/{redacted_chat.pk}/", {"include_original": "1"})

    assert listing.status_code == detail.status_code == 200
    _assert_no_original(listing.content.decode())
    _assert_no_original(detail.content.decode())
    assert "[PERSON_1]" in detail.content.decode()
    assert asking.status_code == 400
    _assert_no_original(asking.content.decode())
    assert not AuditEvent.objects.filter(action="chat.original_viewed").exists()


def test_support_api_shows_a_placeholder_for_a_chat_not_redacted_yet(support_api, unredacted_chat):
    detail = support_api.get(f"/api/v1/chats/{unredacted_chat.pk}/")
    assert detail.status_code == 200
    _assert_no_original(detail.content.decode())


def test_support_pages_never_show_an_original(client, support_user, redacted_chat, unredacted_chat):
    client.force_login(support_user)
    for url in (
        "/chats/",
        f"/chats/{redacted_chat.pk}/",
        f"/chats/{redacted_chat.pk}/?original=1",
        f"/chats/{unredacted_chat.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_no_original(response.content.decode())


def test_redacted_export_holds_no_original_and_skips_unredacted_chats(
    tmp_path, redacted_chat, unredacted_chat
):
    out = tmp_path / "out.jsonl"
    call_command("export_chats", "--redacted", "--out", str(out))
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["external_id"] for line in lines] == [redacted_chat.external_id]
    _assert_no_original(out.read_text(encoding="utf-8"))


def test_manager_may_view_the_original_and_each_view_is_audited(
    manager_api, client, manager_user, redacted_chat
):
    api = manager_api.get(f"/api/v1/chats/{redacted_chat.pk}/", {"include_original": "1"})
    client.force_login(manager_user)
    page = client.get(f"/chats/{redacted_chat.pk}/?original=1")

    assert api.status_code == page.status_code == 200
    assert "4521 5491 6553 9394" in api.content.decode()
    assert "4521 5491 6553 9394" in page.content.decode()
    assert AuditEvent.objects.filter(action="chat.original_viewed").count() == 2


def test_manager_default_views_show_the_redacted_layer(manager_api, redacted_chat):
    detail = manager_api.get(f"/api/v1/chats/{redacted_chat.pk}/").json()
    assert all("4521" not in m["text"] for m in detail["messages"])
    assert not AuditEvent.objects.filter(action="chat.original_viewed").exists()


def test_auditor_cannot_view_originals(auditor_api, redacted_chat):
    response = auditor_api.get(f"/api/v1/chats/{redacted_chat.pk}/", {"include_original": "1"})
    assert response.status_code in (400, 403)
    _assert_no_original(response.content.decode())
