import pytest
from django.contrib.auth.models import Group

from core.roles import Role

pytestmark = pytest.mark.django_db


def test_role_groups_exist_after_migrations():
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


def test_auditor_group_holds_only_view_permissions():
    codenames = Group.objects.get(name="compliance_auditor").permissions.values_list(
        "codename", flat=True
    )
    assert codenames
    assert all(codename.startswith("view_") for codename in codenames)


@pytest.mark.parametrize("role", list(Role))
def test_non_admin_roles_cannot_reach_django_admin(client, make_user, role):
    client.force_login(make_user(role))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_admin_reaches_django_admin(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/").status_code == 200


def test_anonymous_home_is_a_welcome_page_with_a_login_form(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b'action="/login/"' in response.content


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reaches_a_page_from_home(client, make_user, role):
    client.force_login(make_user(role))
    response = client.get("/", follow=True)
    assert response.status_code == 200


def test_login_page_and_api_docs_are_served(client, make_user):
    assert client.get("/login/").status_code == 200
    client.force_login(make_user(Role.SUPPORT_STAFF))  # the schema and docs need a login (#13)
    assert client.get("/api/docs/").status_code == 200
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/chats/" in schema.content


def test_api_docs_use_no_cdn(client, make_user):
    client.force_login(make_user(Role.SUPPORT_STAFF))
    html = client.get("/api/docs/").content.decode()
    assert "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html


def test_csrf_is_enforced_on_logout(make_user):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(make_user(Role.SUPPORT_STAFF))
    assert csrf_client.post("/logout/").status_code == 403
