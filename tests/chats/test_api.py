import pytest

from audit.models import AuditEvent
from chats.models import Chat, Message
from tests.factories import chat_dict, make_chat

pytestmark = pytest.mark.django_db


def test_admin_post_creates_chat_then_returns_existing_id(admin_api):
    payload = chat_dict(external_id="lc-000123")
    first = admin_api.post("/api/v1/chats/", payload, format="json")
    second = admin_api.post("/api/v1/chats/", payload, format="json")
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert Chat.objects.filter(external_id="lc-000123").count() == 1
    assert Message.objects.filter(chat_id=first.json()["id"]).count() == 3


@pytest.mark.parametrize("client_name", ["support_api", "auditor_api", "manager_api"])
def test_roles_without_ingest_permission_cannot_post_chats(client_name, request):
    client = request.getfixturevalue(client_name)
    response = client.post("/api/v1/chats/", chat_dict(), format="json")
    assert response.status_code == 403
    assert set(response.json()) == {"message", "extra"}
    assert not Chat.objects.exists()


def test_anonymous_is_refused():
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/chats/").status_code in (401, 403)


def test_invalid_chat_is_rejected_with_field_named(admin_api):
    payload = chat_dict()
    payload["survey"]["rating"] = 9
    response = admin_api.post("/api/v1/chats/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["extra"] == {"field": "survey.rating"}
    assert "out of range" in response.json()["message"]
    assert not Chat.objects.exists()


def test_list_filters_by_country_and_dates(support_api):
    make_chat(country="CA", region="", started_at="2025-01-05T10:00:00+00:00")
    make_chat(country="US", region="", started_at="2025-02-05T10:00:00+00:00")
    make_chat(country="US", region="", started_at="2024-02-05T10:00:00+00:00")
    response = support_api.get(
        "/api/v1/chats/", {"country": "us", "started_after": "2025-01-01T00:00:00Z"}
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1
    assert body["results"][0]["country"] == "US"


def test_list_filters_by_customer_email(manager_api):
    chat = make_chat()
    make_chat()
    response = manager_api.get("/api/v1/chats/", {"customer_email": chat.customer.email.upper()})
    assert [row["id"] for row in response.json()["results"]] == [chat.pk]


def test_support_staff_detail_shows_no_original_text_nor_identity(support_api):
    chat = make_chat()
    response = support_api.get(f"/api/v1/chats/{chat.pk}/")
    body = response.json()
    assert response.status_code == 200
    texts = [message["text"] for message in body["messages"]]
    assert "Hi, my card was charged twice" not in texts
    assert "Ana Silva" not in response.content.decode()
    assert "email" not in body["customer"]
    for key in (
        "country",
        "region",
        "country_source",
        "country_confidence",
        "sentiment",
        "satisfaction",
        "keywords",
        "record",
    ):
        assert key in body


def test_support_staff_may_not_request_original_text(support_api):
    chat = make_chat()
    response = support_api.get(f"/api/v1/chats/{chat.pk}/", {"include_original": "true"})
    assert response.status_code == 400
    assert "Hi, my card was charged twice" not in response.content.decode()
    assert not AuditEvent.objects.filter(action="chat.original_viewed").exists()


def test_manager_original_text_view_is_audited(manager_api, manager_user):
    chat = make_chat()
    response = manager_api.get(f"/api/v1/chats/{chat.pk}/", {"include_original": "1"})
    originals = [message["original_text"] for message in response.json()["messages"]]
    assert originals[0] == "Hi, my card was charged twice"
    event = AuditEvent.objects.get(action="chat.original_viewed")
    assert (event.actor, event.target_id) == (manager_user, str(chat.pk))
