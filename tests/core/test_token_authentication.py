"""Token authentication (core.authentication, issue #19) reads the token, its user and the user's
group names in one query on PostgreSQL, and refuses exactly what DRF's TokenAuthentication
refuses, with the same answer. Roles are this request's: a group change shows on the next one."""

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework import authentication as drf_authentication
from rest_framework import exceptions
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.authentication import TokenAuthentication
from core.roles import Role, user_roles

pytestmark = pytest.mark.django_db
RECORDS = "api-record-list"  # governance roles only: support staff get a 403


def _refusal(authenticator: Any, key: str) -> tuple[type, str]:
    with pytest.raises(exceptions.AuthenticationFailed) as refused:
        authenticator.authenticate_credentials(key)
    return type(refused.value), str(refused.value.detail)


def test_an_inactive_users_token_is_refused_as_drf_refuses_it(
    make_user: Callable[..., User], api_client_for: Callable[[User], APIClient]
) -> None:
    user = make_user(Role.RECORDS_MANAGER)
    client = api_client_for(user)
    assert client.get(reverse(RECORDS)).status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)
    key = Token.objects.get(user=user).key

    response = client.get(reverse(RECORDS))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    ours = _refusal(TokenAuthentication(), key)
    assert ours == _refusal(drf_authentication.TokenAuthentication(), key)
    assert ours[1] == "User inactive or deleted."
    assert Token.objects.filter(user=user).exists()  # refused, not removed


def test_a_deleted_token_is_refused_as_drf_refuses_it(
    make_user: Callable[..., User], api_client_for: Callable[[User], APIClient]
) -> None:
    user = make_user(Role.RECORDS_MANAGER)
    client = api_client_for(user)
    assert client.get(reverse(RECORDS)).status_code == 200
    token = Token.objects.get(user=user)
    key = token.key
    token.delete()

    response = client.get(reverse(RECORDS))

    assert response.status_code == 401
    ours = _refusal(TokenAuthentication(), key)
    assert ours == _refusal(drf_authentication.TokenAuthentication(), key)
    assert ours[1] == "Invalid token."
    assert User.objects.filter(pk=user.pk, is_active=True).exists()


@pytest.mark.parametrize("header", ["Token", "Token a b", "Token nosuchkey", "Token ' OR 1=1 --"])
def test_a_malformed_or_unknown_token_header_is_a_401(
    make_user: Callable[..., User], header: str
) -> None:
    make_user(Role.RECORDS_MANAGER)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get(reverse(RECORDS)).status_code == 401


def test_a_user_removed_from_a_group_loses_the_role_on_the_next_request(
    make_user: Callable[..., User], api_client_for: Callable[[User], APIClient]
) -> None:
    user = make_user(Role.RECORDS_MANAGER)
    client = api_client_for(user)
    assert client.get(reverse(RECORDS)).status_code == 200

    user.groups.remove(Group.objects.get(name=Role.RECORDS_MANAGER))
    user.groups.add(Group.objects.get(name=Role.SUPPORT_STAFF))

    assert client.get(reverse(RECORDS)).status_code == 403
    assert client.get(reverse("api-chat-list")).status_code == 200  # support staff still read
    user.groups.add(Group.objects.get(name=Role.COMPLIANCE_AUDITOR))
    assert client.get(reverse(RECORDS)).status_code == 200


def test_a_superusers_token_holds_every_role_without_groups(admin_user: User) -> None:
    key = Token.objects.create(user=admin_user).key
    user, _ = TokenAuthentication().authenticate_credentials(key)
    assert user_roles(user) == frozenset(Role)
    assert not admin_user.groups.exists()


def test_token_user_and_roles_are_one_query_on_postgresql(make_user: Callable[..., User]) -> None:
    user = make_user(Role.RECORDS_MANAGER)
    user.groups.add(Group.objects.get(name=Role.COMPLIANCE_AUDITOR))
    key = Token.objects.create(user=user).key

    with CaptureQueriesContext(connection) as queries:
        authenticated, token = TokenAuthentication().authenticate_credentials(key)
        roles = user_roles(authenticated)
        assert user_roles(authenticated) is roles  # cached on this request's user object

    assert roles == {Role.RECORDS_MANAGER, Role.COMPLIANCE_AUDITOR}
    assert (authenticated.pk, token.key) == (user.pk, key)
    assert len(queries) == (1 if connection.vendor == "postgresql" else 2)


def test_a_user_without_groups_has_no_role(make_user: Callable[..., User]) -> None:
    key = Token.objects.create(user=make_user()).key
    user, _ = TokenAuthentication().authenticate_credentials(key)
    assert user_roles(user) == frozenset()


def test_the_user_and_token_read_are_the_stored_rows_field_for_field(
    make_user: Callable[..., User],
) -> None:
    user = make_user(Role.SUPPORT_STAFF, email="sam@example.ca", first_name="Sam")
    stored_token = Token.objects.create(user=user)

    authenticated, token = TokenAuthentication().authenticate_credentials(stored_token.key)

    stored = User.objects.get(pk=user.pk)
    for field in User._meta.concrete_fields:
        assert getattr(authenticated, field.attname) == getattr(stored, field.attname), field.name
    assert (token.key, token.user_id, token.created) == (
        stored_token.key,
        user.pk,
        stored_token.created,
    )
    assert token.user is authenticated
    assert not authenticated._state.adding  # a saved row: .save() updates, never inserts
    authenticated.first_name = "Samuel"
    authenticated.save(update_fields=["first_name"])
    assert User.objects.get(pk=user.pk).first_name == "Samuel"
