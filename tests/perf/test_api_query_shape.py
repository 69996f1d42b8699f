"""API detail endpoints and the OData feeds (issue #19) run the same number of queries however
much data there is, and the list endpoints stay within a fixed budget: grown through the same
real services as tests/perf/test_page_queries.py, measured small and large."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from chats.models import Chat
from records.file_plan import file_plan_seed
from records.models import Record
from retention.models import DisposalBatch
from tests.perf.test_page_queries import _grow, _latest, _user

ENDPOINTS: list[tuple[str, Callable[[], str]]] = [
    ("chat list", lambda: reverse("api-chat-list")),
    ("chat detail", lambda: reverse("api-chat-detail", args=[_latest(Chat)])),
    ("record list", lambda: reverse("api-record-list")),
    ("record detail", lambda: reverse("api-record-detail", args=[_latest(Record)])),
    ("audit events", lambda: reverse("api-audit-event-list")),
    ("disposal batches", lambda: reverse("api-disposal-batch-list")),
    (
        "disposal batch detail",
        lambda: reverse("api-disposal-batch-detail", args=[_latest(DisposalBatch)]),
    ),
    ("odata chats", lambda: "/odata/Chats"),
    ("odata records", lambda: "/odata/Records"),
    ("odata chat", lambda: f"/odata/Chats({_latest(Chat)})"),
]
# Queries of the list endpoints as measured (token auth, roles, count, page, extras): a new
# per-row query or a second count shows here even when the data stays small.
LIST_BUDGET = {"chat list": 10, "record list": 6, "audit events": 5, "disposal batches": 5}


def _counts(client: APIClient) -> dict[str, int]:
    counts = {}
    for name, url in ENDPOINTS:
        with CaptureQueriesContext(connection) as context:
            response = client.get(url())
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(context.captured_queries)
    return counts


@pytest.mark.django_db
def test_detail_and_odata_query_counts_do_not_grow_and_lists_stay_in_budget(
    api_client_for: Callable[[Any], APIClient],
) -> None:
    file_plan_seed()
    manager, approver = _user("shape-manager"), _user("shape-approver")
    client = api_client_for(manager)  # a token, as API clients send
    _grow(3, manager, approver)
    small = _counts(client)
    _grow(20, manager, approver)
    large = _counts(client)
    assert Chat.objects.count() > 20

    grew = {name: (small[name], large[name]) for name in small if large[name] > small[name]}
    assert not grew, f"query count grows with data (small, large): {grew}"
    over = {name: large[name] for name, budget in LIST_BUDGET.items() if large[name] > budget}
    assert not over, f"over the query budget {LIST_BUDGET}: {over}"
