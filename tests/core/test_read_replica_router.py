"""The replica router's decisions (the real standby is tests/integration/test_read_replica.py):
what reads go to the replica, and everything that must stay on the primary."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory, override_settings
from rest_framework.authtoken.models import Token

from audit.models import AuditEvent
from chats.models import Chat
from core.db.replica import (
    ReplicaReadsMiddleware,
    ReplicaRouter,
    path_reads_from_replica,
    replica_reads,
)
from knowledgebase.models import ChatKeyword

router = ReplicaRouter()
# Only the alias's presence in settings is read; no connection to it is ever made here.
pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")


def _with_replica(databases: dict[str, Any]) -> dict[str, Any]:
    # Never connected to in these tests: only the alias's presence is read.
    return {**databases, "replica": {**databases["default"], "TEST": {"MIRROR": "default"}}}


@pytest.fixture
def replica_settings(settings: Any) -> None:
    settings.DATABASES = _with_replica(settings.DATABASES)


def test_without_a_replica_every_read_goes_to_default() -> None:
    with replica_reads():
        assert router.db_for_read(Chat) == "default"
        assert router.db_for_read(ChatKeyword) == "default"


@pytest.mark.usefixtures("replica_settings")
def test_reads_go_to_the_replica_only_inside_a_replica_block() -> None:
    assert router.db_for_read(Chat) == "default"
    with replica_reads():
        assert router.db_for_read(Chat) == "replica"
        assert router.db_for_read(ChatKeyword) == "replica"
        assert router.db_for_read(AuditEvent) == "replica"
    assert router.db_for_read(Chat) == "default"  # the block's end restores default


@pytest.mark.usefixtures("replica_settings")
def test_writes_identity_and_migrations_never_use_the_replica() -> None:
    with replica_reads():
        assert router.db_for_write(Chat) == "default"
        # A token created a moment ago must work at once; a lockout must hold everywhere.
        assert router.db_for_read(User) == "default"
        assert router.db_for_read(Token) == "default"
    assert router.allow_migrate("replica", "chats") is False
    assert router.allow_migrate("default", "chats") is True


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("replica_settings")
def test_reads_inside_a_transaction_on_default_stay_in_that_transaction() -> None:
    with replica_reads(), transaction.atomic():
        assert router.db_for_read(Chat) == "default"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/v1/kb/search/", True),
        ("/api/v1/trends/emerging/", True),
        ("/odata/Chats", True),
        ("/reports/records-due/", True),
        ("/kb/trends/", True),
        ("/kb/", True),  # the search page exactly…
        ("/kb/articles/3/edit/", False),  # …not the article editor under it
        ("/api/v1/chats/", False),
        ("/api/v1/records/1/", False),
        ("/odata", False),
        ("/login/", False),
    ],
)
def test_which_paths_read_from_the_replica(path: str, expected: bool) -> None:
    assert path_reads_from_replica(path) is expected


@pytest.mark.usefixtures("replica_settings")
@pytest.mark.parametrize(
    ("method", "path", "replica"),
    [
        ("GET", "/odata/Chats", True),
        ("HEAD", "/api/v1/kb/search/", True),
        ("POST", "/api/v1/kb/search/", False),
        ("POST", "/odata/Chats", False),
        ("GET", "/api/v1/chats/", False),
    ],
)
def test_middleware_marks_only_read_requests_of_read_heavy_paths(
    method: str, path: str, replica: bool
) -> None:
    seen: list[str] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(router.db_for_read(Chat))
        return HttpResponse("ok")

    request = RequestFactory().generic(method, path)
    ReplicaReadsMiddleware(view)(request)
    assert seen == ["replica" if replica else "default"]
    assert router.db_for_read(Chat) == "default"  # nothing leaks into the next request


def test_middleware_does_nothing_without_a_replica() -> None:
    seen: list[str] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(router.db_for_read(Chat))
        return HttpResponse("ok")

    ReplicaReadsMiddleware(view)(RequestFactory().get("/odata/Chats"))
    assert seen == ["default"]


@pytest.mark.parametrize("paths", [[], [""], ["$"], [" "]])
def test_an_empty_path_list_or_entry_sends_nothing_to_the_replica(paths: list[str]) -> None:
    with override_settings(DATABASE_REPLICA_PATHS=paths):
        assert path_reads_from_replica("/odata/Chats") is False
        assert path_reads_from_replica("/") is False
