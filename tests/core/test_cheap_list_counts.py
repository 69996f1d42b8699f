"""`count` of the API's lists (core/pagination.py): exact for every filtered list and every
small table; the planner's estimate only for an unfiltered list of a large PostgreSQL table."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count
from rest_framework.test import APIClient

from chats.models import Chat
from core import pagination
from core.pagination import cheap_count
from tests.factories import make_chat
from tests.retention.conftest import file_plan  # noqa: F401

pytestmark = pytest.mark.django_db
LARGE_ESTIMATE = 1_234_567


@pytest.fixture(autouse=True)
def _no_remembered_estimates() -> Iterator[None]:
    """Each test's pretended estimate must not outlive it (they are kept a minute)."""
    pagination._estimates.clear()
    yield
    pagination._estimates.clear()


def _chats(count: int, country: str = "CA") -> None:
    for number in range(count):
        make_chat(external_id=f"count-{country}-{number}", country=country, region="")


def _pretend_large(monkeypatch: pytest.MonkeyPatch, estimate: int | None) -> list[str]:
    """The planner's estimate replaced (a test table is tiny); returns the tables asked for."""
    asked: list[str] = []

    def estimate_for(queryset: Any) -> int | None:
        asked.append(queryset.model._meta.db_table)
        return estimate

    monkeypatch.setattr(pagination, "_table_estimate", estimate_for)
    return asked


def test_an_unfiltered_list_of_a_large_table_answers_the_estimate_on_postgresql(
    monkeypatch: pytest.MonkeyPatch, manager_api: APIClient
) -> None:
    _chats(3)
    asked = _pretend_large(monkeypatch, LARGE_ESTIMATE)
    body = manager_api.get("/api/v1/chats/").json()
    if connection.vendor == "postgresql":
        assert body["count"] == LARGE_ESTIMATE
        assert asked == ["chats_chat"]
        assert body["next"] is not None  # the pages follow the estimate
    else:  # SQLite has no estimate: always exact
        assert body["count"] == 3
        assert asked == []
    assert len(body["results"]) == 3  # the rows themselves are never estimated


def test_a_filtered_list_always_counts_exactly(
    monkeypatch: pytest.MonkeyPatch, manager_api: APIClient
) -> None:
    _chats(2, "CA")
    _chats(1, "US")
    asked = _pretend_large(monkeypatch, LARGE_ESTIMATE)
    body = manager_api.get("/api/v1/chats/", {"country": "US"}).json()
    assert body["count"] == 1
    assert body["next"] is None
    assert asked == []  # a filter never even asks for the estimate


@pytest.mark.parametrize("estimate", [None, 0, pagination.ESTIMATED_COUNT_ABOVE - 1])
def test_a_small_or_never_analysed_table_counts_exactly(
    monkeypatch: pytest.MonkeyPatch, manager_api: APIClient, estimate: int | None
) -> None:
    _chats(2)
    _pretend_large(monkeypatch, estimate)
    assert manager_api.get("/api/v1/chats/").json()["count"] == 2


def test_distinct_sliced_or_grouped_querysets_are_never_estimated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _chats(3)
    asked = _pretend_large(monkeypatch, LARGE_ESTIMATE)
    assert cheap_count(Chat.objects.distinct()) == 3
    assert cheap_count(Chat.objects.all()[:2]) == 2
    assert cheap_count(Chat.objects.values("country").annotate(n=Count("pk"))) == 1
    assert cheap_count([1, 2]) == 2  # a plain list: its length
    assert asked == []


def test_the_real_estimate_reads_the_planner_statistics() -> None:
    if connection.vendor != "postgresql":
        assert cheap_count(Chat.objects.all()) == 0
        return
    _chats(2)
    # Inside the test's transaction the table may never have been analysed: -1 means unknown.
    estimate = pagination._table_estimate(Chat.objects.all())
    assert estimate is None or estimate >= 0
    assert cheap_count(Chat.objects.all()) == 2  # 2 rows: far below the threshold


def test_the_estimate_is_read_once_a_minute_per_table(monkeypatch: pytest.MonkeyPatch) -> None:
    _chats(2)
    asked = _pretend_large(monkeypatch, 5)
    for _ in range(3):
        assert cheap_count(Chat.objects.all()) == 2
    assert len(asked) == (1 if connection.vendor == "postgresql" else 0)
    monkeypatch.setattr(pagination, "ESTIMATE_TTL_S", 0.0)  # expired: read again
    cheap_count(Chat.objects.all())
    assert len(asked) == (2 if connection.vendor == "postgresql" else 0)


@pytest.mark.usefixtures("file_plan")
def test_the_chat_and_record_list_pages_say_about_when_they_show_the_estimate(
    monkeypatch: pytest.MonkeyPatch, manager_user: Any
) -> None:
    from django.test import Client

    from records.services import records_declare
    from tests.retention.conftest import NOW

    manager_client = Client()
    manager_client.force_login(manager_user)
    _chats(3)
    records_declare(now=NOW)
    asked = _pretend_large(monkeypatch, LARGE_ESTIMATE)
    chat_page = manager_client.get("/chats/").content.decode()
    record_page = manager_client.get("/records/").content.decode()
    filtered = manager_client.get("/chats/", {"country": "CA"}).content.decode()
    if connection.vendor == "postgresql":
        assert f"about {LARGE_ESTIMATE} chats" in chat_page
        assert f"about {LARGE_ESTIMATE} records" in record_page
        assert sorted(asked) == ["chats_chat", "records_record"]
    else:
        assert "3 chats" in chat_page
        assert "about 3 chats" not in chat_page
        assert "3 records" in record_page
        assert "about 3 records" not in record_page
    assert "3 chats" in filtered  # a filter counts exactly, and says no "about"
    assert "about 3 chats" not in filtered
