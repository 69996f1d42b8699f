"""Issue #13 item 5: brute force is throttled. Failed logins are counted by django-axes per
username and address (the login page and the OData feed's HTTP Basic alike); the REST API has
DRF throttles per user and per anonymous address."""

import base64

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import Client
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from core.roles import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

WRONG = "not-the-password"


def _login(client: Client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def _basic(client: Client, username: str, password: str, address: str = "10.0.0.1"):
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return client.get("/odata/Chats", HTTP_AUTHORIZATION=f"Basic {token}", REMOTE_ADDR=address)


def test_the_41st_login_is_refused_even_with_the_right_password(make_user):
    user = make_user(Role.SUPPORT_STAFF)
    client = Client()
    for _ in range(40):
        assert _login(client, user.username, WRONG).status_code in (200, 429)
    response = _login(client, user.username, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert b"Too many failed" in response.content
    assert AccessAttempt.objects.filter(username=user.username).exists()


def test_the_right_password_below_the_limit_still_logs_in(make_user, settings):
    user = make_user(Role.SUPPORT_STAFF)
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, user.username, WRONG)
    response = _login(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_lockout_is_per_username_and_address(make_user):
    victim, colleague = make_user(Role.SUPPORT_STAFF), make_user(Role.RECORDS_MANAGER)
    attacker = Client()
    for _ in range(40):
        _login(attacker, victim.username, WRONG, address="10.6.6.6")
    other_user = Client()
    assert _login(other_user, colleague.username, PASSWORD, address="10.6.6.6").status_code == 302
    same_user_elsewhere = Client()
    assert _login(
        same_user_elsewhere, victim.username, PASSWORD, address="10.1.1.1"
    ).status_code == (302)


def test_the_41st_basic_auth_on_odata_is_refused_even_with_the_right_password(make_user):
    user = make_user(Role.SUPPORT_STAFF)
    client = Client()
    assert _basic(client, user.username, PASSWORD).status_code == 200  # Basic works
    for _ in range(40):
        assert _basic(client, user.username, WRONG).status_code in (401, 429)
    response = _basic(client, user.username, PASSWORD)
    assert response.status_code == 429
    assert "value" not in response.json()
    assert AccessAttempt.objects.filter(username=user.username).exists()


def test_odata_basic_and_the_login_page_share_one_failure_count(make_user, settings):
    user = make_user(Role.SUPPORT_STAFF)
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _basic(client, user.username, WRONG)
    assert _login(Client(), user.username, PASSWORD).status_code == 429


@pytest.fixture
def low_api_rates(settings):
    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "5/minute"},
    }
    yield
    cache.clear()


class _PublicApi(APIView):
    """Stands for any DRF view an anonymous caller may reach (the defaults apply)."""

    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"ok": True})


def test_anonymous_api_requests_are_throttled_per_address(low_api_rates):
    view = _PublicApi.as_view()
    factory = APIRequestFactory()
    statuses = [view(factory.get("/", REMOTE_ADDR="10.2.2.2")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert view(factory.get("/", REMOTE_ADDR="10.3.3.3")).status_code == 200


def test_api_requests_are_throttled_per_user(low_api_rates, support_api, manager_api):
    statuses = [support_api.get("/api/v1/kb/articles/").status_code for _ in range(6)]
    assert statuses[:5] == [200] * 5
    assert statuses[5] == 429
    assert manager_api.get("/api/v1/kb/articles/").status_code == 200
