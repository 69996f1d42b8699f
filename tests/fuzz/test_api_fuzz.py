"""Schemathesis over /api/schema/ against the live server, once per role (issue #8).

Per role, every operation gets a few generated requests (token auth) and must:
- never answer 5xx; answer in its documented content type and, for 2xx, its documented schema;
- for support staff: never return the planted chats' original text or customer identity;
- for compliance auditors: change nothing (key tables' row counts before and after).
Shrinking is off (each example is a live HTTP request); every failure is collected and reported
at once, with the request that caused it. FUZZ_EXAMPLES raises the examples per operation.
"""

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from chats.models import Chat, Message, Survey
from core.roles import Role
from knowledgebase.services.taxonomy import taxonomy_seed
from records.file_plan import file_plan_seed
from tests.factories import make_chat

REPORTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "fuzz"
EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "8"))
REQUEST_TIMEOUT_S = 30
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]

# Planted values: the redacted chat's identity and the not-yet-redacted chat's original words.
IDENTITY = {
    "name": "Zephyrine Quillfeather",
    "email": "zephyrine.quill@leakcheck.example",
    "phone": "+1 604 555 0143",
}
UNREDACTED_SECRET = "xylophonic ravioli lighthouse"
SECRETS = (
    "Zephyrine",
    "Quillfeather",
    IDENTITY["email"],
    "555 0143",
    "6045550143",
    "xylophonic",
    "ravioli",
)

# Tables an auditor must never change (AuditEvent is left out: auditors' reads are audited).
KEY_MODELS = (
    "chats.Chat",
    "chats.Message",
    "chats.Customer",
    "chats.Survey",
    "records.Record",
    "retention.LegalHold",
    "retention.DisposalBatch",
    "retention.DisposalItem",
    "retention.DisposalCertificate",
    "knowledgebase.Article",
    "qa.QAReview",
    "privacy.DataSubjectRequest",
    "outbox.WebhookSubscription",
)


def _counts() -> dict[str, int]:
    return {label: apps.get_model(label).objects.count() for label in KEY_MODELS}


def _chat_messages(started: datetime, customer_text: str) -> list[dict[str, Any]]:
    return [
        {"sender": "customer", "sent_at": started.isoformat(), "text": customer_text},
        {
            "sender": "agent",
            "agent_external_id": "a-7",
            "sent_at": (started + timedelta(minutes=1)).isoformat(),
            "text": "I have sent a new parcel; tracking follows by email.",
        },
    ]


@pytest.fixture
def planted(transactional_db: None) -> dict[str, int]:
    """Data for every operation to find: records, a hold, a proposed batch, an article, a QA
    review; one redacted chat carrying IDENTITY and one unredacted chat carrying a secret."""
    file_plan_seed()
    taxonomy_seed()
    now = timezone.now()
    started = datetime(2018, 1, 5, 10, 0, tzinfo=UTC)
    redacted = make_chat(
        started_at=started,
        country="US",
        region="",
        customer={"external_id": "c-leak", **IDENTITY},
        messages=_chat_messages(
            started,
            f"I am {IDENTITY['name']}, mail {IDENTITY['email']} or call {IDENTITY['phone']}: "
            "my parcel never arrived.",
        ),
    )
    for _ in range(3):
        make_chat(started_at=started, country="US", region="")
    make_chat(country="", region="")  # unknown country: lands in the QA queue
    for job in ("declare_records", "redact_pii", "extract_keywords", "sample_qa_reviews"):
        call_command("run_job", job, now=now.isoformat())
    call_command("run_job", "build_disposal_batches", now=now.isoformat())
    unredacted = make_chat(
        customer={"external_id": "c-leak-2", **IDENTITY},
        messages=_chat_messages(started, f"My code word is {UNREDACTED_SECRET}."),
    )
    # As the redaction job finds a chat that arrived a moment ago: no redacted layer yet.
    Message.objects.filter(chat=unredacted).update(text_redacted=None)
    Survey.objects.filter(chat=unredacted).update(comment_redacted=None)
    Chat.objects.filter(pk=unredacted.pk).update(redacted_at=None, redaction_version="")
    call_command("run_job", "declare_records", now=now.isoformat())
    return {"redacted_chat": redacted.pk, "unredacted_chat": unredacted.pk}


@pytest.fixture
def no_outbound_http(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Webhook deliveries stay on the machine: the HTTP boundary records instead of sending."""
    import requests

    from outbox import delivery

    sent: list[str] = []

    def refuse(url: str, *args: Any, **kwargs: Any) -> Any:
        sent.append(url)
        raise requests.ConnectionError("outbound HTTP is disabled in the fuzz tests")

    monkeypatch.setattr(delivery.requests, "post", refuse)
    return sent


def _user_for(role: str) -> User:
    if role == "admin":
        return User.objects.create_superuser("fuzz-admin", "fuzz@example.com", "x")
    from django.contrib.auth.models import Group

    user = User.objects.create_user(f"fuzz-{role}", password="x")
    user.groups.add(Group.objects.get(name=role))
    return user


def _known_ids() -> dict[str, list[int]]:
    """Existing ids per collection, so generated detail/action requests also hit real rows."""
    collections = {
        "chats": "chats.Chat",
        "records": "records.Record",
        "legal-holds": "retention.LegalHold",
        "disposal-batches": "retention.DisposalBatch",
        "disposal-certificates": "retention.DisposalCertificate",
        "articles": "knowledgebase.Article",
        "qa-reviews": "qa.QAReview",
        "subject-requests": "privacy.DataSubjectRequest",
        "webhooks": "outbox.WebhookSubscription",
    }
    return {
        name: list(apps.get_model(label).objects.values_list("pk", flat=True)[:5])
        for name, label in collections.items()
    }


def _describe(failure: Failure) -> str:
    """The title and the first lines of the detail: enough to find the field at fault."""
    lines = [line.strip() for line in str(failure).splitlines() if line.strip()]
    return " | ".join(lines[:8])


def _collection(path: str) -> str:
    """The collection a detail path belongs to: the segment right before `{id}`."""
    parts = path.strip("/").split("/")
    return parts[parts.index("{id}") - 1]


def _on_existing_rows(operation: Any, ids: list[int]) -> st.SearchStrategy[Any]:
    """Valid requests aimed at rows that exist (random ids mostly meet 404s)."""
    return st.sampled_from(ids).flatmap(
        lambda pk: operation.as_strategy(path_parameters={"id": pk})
    )


@pytest.fixture
def fuzz(
    live_server: Any, planted: dict[str, int], no_outbound_http: list[str]
) -> Callable[[str, Callable[[Any, Any], list[str]]], list[str]]:
    """Runs every operation for one role; `inspect(case, response)` adds role-specific
    problems. Returns every problem found (empty: all good)."""
    base_url = live_server.url

    def run(role: str, inspect: Callable[[Any, Any], list[str]]) -> list[str]:
        token, _ = Token.objects.get_or_create(user=_user_for(role))
        headers = {"Authorization": f"Token {token.key}"}
        schema = schemathesis.openapi.from_url(f"{base_url}/api/schema/", headers=headers)
        known = _known_ids()
        problems: list[str] = []
        requests_sent = [0]
        for result in schema.get_all_operations():
            assert isinstance(result, Ok), f"the schema has an invalid operation: {result}"
            operation = result.ok()
            # Valid requests and invalid ones (wrong types, missing fields): both must get a
            # documented answer or a 4xx, never a 5xx.
            strategy = st.one_of(
                operation.as_strategy(),
                operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
            )
            if "{id}" in operation.path:
                ids = known.get(_collection(operation.path)) or []
                if ids:
                    strategy = st.one_of(strategy, _on_existing_rows(operation, ids))

            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy)
            def check(case: Any) -> None:
                response = case.call(base_url=base_url, headers=headers, timeout=REQUEST_TIMEOUT_S)
                requests_sent[0] += 1
                where = f"{role} {case.method} {response.request.url} -> {response.status_code}"
                try:
                    case.validate_response(response, checks=CHECKS, headers=headers)
                except (Failure, FailureGroup) as failure:
                    failures = (
                        failure.exceptions if isinstance(failure, FailureGroup) else [failure]
                    )
                    problems.extend(f"{where}: {_describe(one)}" for one in failures)
                problems.extend(f"{where}: {problem}" for problem in inspect(case, response))

            check()
        REPORTS.mkdir(parents=True, exist_ok=True)
        (REPORTS / f"{role}.txt").write_text(
            f"{requests_sent[0]} requests, {len(problems)} problems\n" + "\n".join(problems) + "\n"
        )
        return problems

    return run


def _nothing(case: Any, response: Any) -> list[str]:
    return []


@pytest.mark.parametrize("role", [Role.RECORDS_MANAGER.value, "admin"])
def test_no_server_error_and_schema_conformance(role: str, fuzz: Callable[..., list[str]]) -> None:
    assert fuzz(role, _nothing) == []


def test_support_staff_never_see_original_text_or_identity(
    fuzz: Callable[..., list[str]],
) -> None:
    def leaks(case: Any, response: Any) -> list[str]:
        return [f"leaks {secret!r}" for secret in SECRETS if secret in response.text]

    assert fuzz(Role.SUPPORT_STAFF.value, leaks) == []


def test_compliance_auditor_changes_nothing(fuzz: Callable[..., list[str]]) -> None:
    before = _counts()

    def writes(case: Any, response: Any) -> list[str]:
        if case.method != "GET" and response.status_code < 400:
            return ["a write was accepted"]
        return []

    problems = fuzz(Role.COMPLIANCE_AUDITOR.value, writes)
    assert problems == []
    assert _counts() == before
