"""The API's filter backend skips building a filter set for a request with paging parameters
alone (core.filters.FilterBackend): such a page answers exactly as through the filter set, and
every other request — a filter, a refused filter, an unknown or malformed parameter beside the
paging ones — still goes through it, refusals included."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chats.filters import ChatFilter
from chats.models import Chat
from core.filters import FilterBackend
from tests.factories import make_chat

pytestmark = pytest.mark.django_db


@pytest.fixture
def filter_sets_built(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    built: list[object] = []
    original = ChatFilter.__init__

    def counting(self: ChatFilter, *args: Any, **kwargs: Any) -> None:
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(ChatFilter, "__init__", counting)
    return built


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_identity_filter_beside_paging_is_still_refused_to_support_staff(
    support_api, filter_sets_built
):
    chat = make_chat()
    response = support_api.get(
        "/api/v1/chats/", {"page": 1, "page_size": 5, "customer_email": chat.customer.email}
    )
    assert response.status_code == 400
    assert "customer identity" in response.content.decode()
    assert len(filter_sets_built) == 1


def test_a_malformed_filter_beside_paging_is_still_a_400(support_api):
    make_chat()
    response = support_api.get("/api/v1/chats/", {"page": 1, "country": "Atlantis"})
    assert response.status_code == 400
    assert "Atlantis" in response.content.decode()


def test_a_filter_beside_paging_still_filters(support_api):
    canadian = make_chat(country="CA", region="")
    make_chat(country="US", region="")
    assert _ids(support_api.get("/api/v1/chats/", {"page": 1, "country": "ca"})) == [canadian.pk]


def test_paging_alone_answers_as_the_filter_set_would_without_building_it(
    support_api, filter_sets_built, monkeypatch
):
    chats = [make_chat(started_at=f"2025-01-{n + 1:02d}T10:00:00+00:00") for n in range(7)]
    newest_first = [chat.pk for chat in reversed(chats)]

    skipped_first = _ids(support_api.get("/api/v1/chats/", {"page_size": 3}))
    skipped_second = _ids(support_api.get("/api/v1/chats/", {"page": 2, "page_size": 3}))
    assert filter_sets_built == []

    # The same pages through the filter set, as before the fast path.
    monkeypatch.setattr(FilterBackend, "filter_queryset", FilterBackend.__mro__[1].filter_queryset)
    assert _ids(support_api.get("/api/v1/chats/", {"page_size": 3})) == skipped_first
    assert _ids(support_api.get("/api/v1/chats/", {"page": 2, "page_size": 3})) == skipped_second
    assert len(filter_sets_built) == 2
    assert skipped_first + skipped_second == newest_first[:6]


def test_an_unknown_parameter_takes_the_filter_sets_path(support_api, filter_sets_built):
    make_chat()
    _ids(support_api.get("/api/v1/chats/", {"page": 1, "sort": "anything"}))
    assert len(filter_sets_built) == 1


def test_a_filter_set_with_a_required_filter_is_never_skipped(support_api, monkeypatch):
    make_chat(source="livechat")
    make_chat(source="zendesk")
    required = ChatFilter.base_filters["source"]
    monkeypatch.setitem(required.extra, "required", True)
    from core import filters

    filters._filters_all_optional.cache_clear()
    try:
        response = support_api.get("/api/v1/chats/", {"page": 1})
        assert response.status_code == 400
        assert "source" in response.content.decode()
    finally:
        filters._filters_all_optional.cache_clear()
    assert Chat.objects.count() == 2


def test_the_unfiltered_page_reads_no_more_than_before(support_api):
    for n in range(3):
        make_chat(external_id=f"q-{n}")
    support_api.get("/api/v1/chats/")
    with CaptureQueriesContext(connection) as fast:
        support_api.get("/api/v1/chats/", {"page": 1})
    with CaptureQueriesContext(connection) as full:
        support_api.get("/api/v1/chats/", {"page": 1, "sort": "x"})
    assert len(fast.captured_queries) == len(full.captured_queries)
