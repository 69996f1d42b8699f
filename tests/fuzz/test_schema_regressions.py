"""Responses that once contradicted the OpenAPI schema (found by the fuzz run, issue #8): each is
now validated against /api/schema/ through the WSGI app, so the schema and the code stay in step."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from records.file_plan import file_plan_seed
from retention.models import DisposalBatch
from tests.factories import make_chat

CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]


@pytest.fixture
def call_valid(manager_user: User) -> Iterator[Callable[..., Any]]:
    """Calls one operation in-process and validates the response against the schema."""
    # Like Django's test client: the WSGI handler must not close the test's connection.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    token, _ = Token.objects.get_or_create(user=manager_user)
    headers = {"Authorization": f"Token {token.key}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), headers=headers)

    def call(method: str, path: str, **parts: Any) -> Any:
        case = schema[path][method].Case(**parts)
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)
        return response

    yield call
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def test_kb_search_answers_in_its_documented_paginated_envelope(
    call_valid: Callable[..., Any],
) -> None:
    make_chat()
    body = call_valid("GET", "/api/v1/kb/search/", query={"q": "charged"}).json()
    assert set(body) == {"count", "next", "previous", "results"}


def test_emerging_topics_answers_with_week_start_and_results(
    call_valid: Callable[..., Any],
) -> None:
    body = call_valid("GET", "/api/v1/trends/emerging/").json()
    assert set(body) == {"granularity", "week_start", "results"}


def test_chat_detail_documents_customer_messages_without_agent(
    call_valid: Callable[..., Any],
) -> None:
    chat = make_chat()
    body = call_valid("GET", "/api/v1/chats/{id}/", path_parameters={"id": chat.pk}).json()
    assert body["messages"][0]["agent_external_id"] is None


def test_disposal_batch_proposed_by_the_scheduler_has_null_proposer(
    call_valid: Callable[..., Any],
) -> None:
    file_plan_seed()
    make_chat(started_at="2018-01-02T10:00:00+00:00", country="US", region="")
    for job in ("declare_records", "build_disposal_batches"):
        call_command("run_job", job, now=timezone.now().isoformat())
    batch = DisposalBatch.objects.get()
    call_valid("GET", "/api/v1/disposal-batches/")
    body = call_valid(
        "GET", "/api/v1/disposal-batches/{id}/", path_parameters={"id": batch.pk}
    ).json()
    assert body["proposed_by"] is None
    assert body["rejected_by"] is None
