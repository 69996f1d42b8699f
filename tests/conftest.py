from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.roles import Role

PASSWORD = "correct-horse-battery-staple"
# What every host name resolves to in tests (a public address): webhook targets are resolved
# before they are accepted and before each delivery, and tests never use the real DNS.
TEST_PUBLIC_ADDRESS = "93.184.215.14"


@pytest.fixture(autouse=True)
def offline_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from outbox import targets

    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        address = "127.0.0.1" if host == "localhost" else TEST_PUBLIC_ADDRESS
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 80))]

    monkeypatch.setattr(targets, "getaddrinfo", getaddrinfo)


@pytest.fixture(autouse=True)
def _fresh_semantic_index() -> None:
    """Each test's database is its own: a process's in-memory vector matrix from an earlier
    test would name ids that belong to other documents now."""
    from knowledgebase.selectors.semantic import semantic_index_reset

    semantic_index_reset()


@pytest.fixture(autouse=True)
def _audit_anchor_file(settings, tmp_path_factory):
    """Each test anchors the audit chain in a file of its own (its database is its own too)."""
    settings.AUDIT_ANCHOR_FILE = tmp_path_factory.mktemp("anchors") / "audit-anchors.jsonl"


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    def factory(role: Role | None = None, *, username: str | None = None, **extra: object) -> User:
        name = username or (role.value if role else "nobody")
        suffix = User.objects.filter(username__startswith=name).count()
        user = User.objects.create_user(
            username=f"{name}{suffix or ''}",
            password=PASSWORD,
            **extra,  # type: ignore[arg-type]
        )
        if role is not None:
            user.groups.add(Group.objects.get(name=role.value))
        return user

    return factory


@pytest.fixture
def support_user(make_user: Callable[..., User]) -> User:
    return make_user(Role.SUPPORT_STAFF)


@pytest.fixture
def manager_user(make_user: Callable[..., User]) -> User:
    return make_user(Role.RECORDS_MANAGER)


@pytest.fixture
def auditor_user(make_user: Callable[..., User]) -> User:
    return make_user(Role.COMPLIANCE_AUDITOR)


@pytest.fixture
def admin_user(db: None) -> User:
    return User.objects.create_superuser("admin", "admin@example.com", PASSWORD)


def _client_for(user: User) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api_client_for() -> Callable[[User], APIClient]:
    return _client_for


@pytest.fixture
def support_api(support_user: User) -> APIClient:
    return _client_for(support_user)


@pytest.fixture
def manager_api(manager_user: User) -> APIClient:
    return _client_for(manager_user)


@pytest.fixture
def auditor_api(auditor_user: User) -> APIClient:
    return _client_for(auditor_user)


@pytest.fixture
def admin_api(admin_user: User) -> APIClient:
    return _client_for(admin_user)
