import pytest

from audit.models import AuditEvent
from core.roles import Role
from tests.factories import make_chat

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", list(Role))
def test_every_role_lists_chats(client, make_user, role):
    make_chat()
    client.force_login(make_user(role))
    assert client.get("/chats/").status_code == 200


def test_anonymous_is_sent_to_login(client):
    response = client.get("/chats/")
    assert response.status_code == 302


def test_support_staff_page_shows_no_original_even_when_asked(client, support_user):
    chat = make_chat()
    client.force_login(support_user)
    html = client.get(f"/chats/{chat.pk}/?original=1").content.decode()
    assert "charged twice" not in html
    assert "Ana Silva" not in html
    assert not AuditEvent.objects.exists()


def test_manager_original_view_is_audited(client, manager_user):
    chat = make_chat()
    client.force_login(manager_user)
    assert "charged twice" not in client.get(f"/chats/{chat.pk}/").content.decode()
    html = client.get(f"/chats/{chat.pk}/?original=1").content.decode()
    assert "charged twice" in html
    assert AuditEvent.objects.filter(action="chat.original_viewed", actor=manager_user).count() == 1


def test_chat_list_query_count_is_constant(client, support_user, django_assert_max_num_queries):
    client.force_login(support_user)
    for _ in range(3):
        make_chat()
    with django_assert_max_num_queries(12) as small:
        client.get("/chats/")
    for _ in range(20):
        make_chat()
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/chats/")
