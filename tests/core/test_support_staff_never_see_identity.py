"""R-ROLE-1 / R-DISP-4: support staff never see original text or customer identity, and
disposal leaves no trace of either anywhere in the database.

One chat carries a unique, realistic marker in every free field (customer name, email, phone and
id, message authors and texts, survey comment, question keys and answers, tags). The first test
walks every GET page and API endpoint of the URL configuration as support staff (plus the query
variants that read chats: filters, search, suggestions, CSV, OData) and looks for the markers in
each body. The second runs the real disposal and scans every text column of every table,
found through the database's own introspection so that new tables are covered too.
"""

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from chats.models import Chat
from core.roles import Role
from knowledgebase.selectors.articles import article_suggestion_from_chat
from knowledgebase.services.articles import article_create
from outbox.models import WebhookDelivery
from outbox.services import webhook_subscription_create
from records.models import Record
from tests.factories import make_chat

pytestmark = pytest.mark.django_db

NOW = "2026-11-23T00:00:00+00:00"
NAME = "Zelphine Quarrington"
EMAIL = "zq.marker@example.org"
PHONE = "+1 604 555 0143"
CUSTOMER_ID = "crm-zqx-55120"
CARD = "4111 1111 1111 1111"
MARKERS = (
    NAME,
    "Zelphine",
    "Quarrington",
    "zelphine",
    "quarrington",
    EMAIL,
    "zq.marker",
    PHONE,
    "604 555 0143",
    "6045550143",
    CUSTOMER_ID,
    CARD,
    "4111111111111111",
)
# Routes that are not support staff's to read or hold no data.
SKIPPED_PREFIXES = ("admin/", "login/", "logout/", "api/schema/", "api/docs/")


class _Delivered:
    status_code = 200


def _marked_chat() -> Chat:
    started = datetime(2018, 1, 10, 9, 0, tzinfo=UTC)

    def at(minutes: int) -> str:
        return (started + timedelta(minutes=minutes)).isoformat()

    return make_chat(
        external_id="zq-chat-1",
        started_at=started,
        country="CA",
        region="CA-BC",
        customer={"external_id": CUSTOMER_ID, "name": NAME, "email": EMAIL, "phone": PHONE},
        agents=[{"external_id": "a-7", "name": "Priya"}],
        messages=[
            {
                "sender": "customer",
                "author": NAME,
                "sent_at": at(0),
                "text": f"Hi, this is {NAME}. I was charged twice on my card {CARD}, "
                "please refund the duplicate charge",
            },
            {
                "sender": "agent",
                "agent_external_id": "a-7",
                "sent_at": at(1),
                "text": "Sorry to hear that! I have refunded the duplicate charge to your card.",
            },
            {
                "sender": "customer",
                "author": NAME,
                "sent_at": at(2),
                "text": f"Thanks, write to {EMAIL} or call {PHONE} if anything else comes up",
            },
        ],
        survey={
            "rating": 5,
            "resolved": True,
            "comment": f"Quick refund, thanks from {NAME}",
            "answers": {
                f"{NAME}, would you recommend us?": f"yes, call me on {PHONE}",
                "Anything else?": f"mail {EMAIL}",
            },
        },
        tags=["billing", EMAIL, NAME],
    )


def _prepare(monkeypatch: pytest.MonkeyPatch, manager: User, on_commit: Any) -> Chat:
    monkeypatch.setattr(requests, "post", lambda *args, **kwargs: _Delivered())
    webhook_subscription_create(
        name="CRM",
        url="https://crm.example.com/hook",
        events=["chat.closed", "record.disposed"],
        created_by=manager,
    )
    call_command("seed_file_plan")
    with on_commit(execute=True):  # the chat.closed webhook is emitted after the commit
        chat = _marked_chat()
    for job in ("redact_pii", "declare_records", "extract_keywords", "rollup_trends"):
        call_command("run_job", job, "--now", NOW)
    chat.refresh_from_db()
    assert chat.redacted_at is not None
    return chat


def _found(body: str) -> list[str]:
    return [marker for marker in MARKERS if marker in body]


def _routes(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


def _urls(ids: list[int]) -> Iterator[str]:
    """Every GET-able URL of the configuration, each id-taking route with every id given."""
    for route in _routes(get_resolver().url_patterns):
        route = route.lstrip("^").rstrip("$")
        if route.startswith(SKIPPED_PREFIXES):
            continue
        if re.search(r"<(?!int:)[^>]+>|[()\[\]?*+]", route.replace("\\", "")):
            continue  # regex or non-integer converters: nothing of ours
        params = re.findall(r"<int:(\w+)>", route)
        if not params:
            yield "/" + route
            continue
        for value in ids:
            yield "/" + re.sub(r"<int:\w+>", str(value), route)


def test_support_staff_never_see_identity(
    make_user, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    manager = make_user(Role.RECORDS_MANAGER)
    chat = _prepare(monkeypatch, manager, django_capture_on_commit_callbacks)
    support = make_user(Role.SUPPORT_STAFF)
    suggestion = article_suggestion_from_chat(chat=chat)
    article = article_create(
        question=suggestion["question"],
        solution=suggestion["solution"],
        user=support,
        status="published",
        source_chats=[chat],
    )
    record = Record.objects.get(chat=chat)
    client = Client()
    client.force_login(support)

    urls = list(_urls(sorted({chat.pk, article.pk, record.pk, 1})))
    urls += [
        "/api/v1/chats/?external_id=zq-chat-1",
        "/api/v1/chats/?source=livechat&ordering=customer__email",
        f"/api/v1/chats/?customer={chat.customer_id}",
        f"/api/v1/chats/{chat.pk}/?include_original=1",
        f"/chats/{chat.pk}/?original=1",
        "/chats/?country=CA",
        "/chats/export.csv?country=CA",
        "/api/v1/kb/search/?q=refund+duplicate+charge",
        "/api/v1/kb/search/?q=charged&type=chat",
        "/kb/?q=refund+duplicate+charge",
        f"/kb/articles/new/?chat={chat.pk}",
        "/api/v1/trends/?dimension=keyword",
        "/api/v1/trends/emerging/?as_of=2018-01-20",
        "/kb/trends/?as_of=2018-01-20",
        "/kb/agents/?since=2018-01-01&until=2018-02-01",
        "/odata/",
        "/odata/$metadata",
        "/odata/Chats",
        "/odata/Chats?$select=id,external_id,region&$count=true",
        "/odata/Trends",
    ]
    read = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        if response.status_code == 200:
            body = (
                b"".join(getattr(response, "streaming_content"))  # noqa: B009 - StreamingHttpResponse
                if response.streaming
                else response.content
            )
            read[url] = body.decode("utf-8", errors="replace")
    # The walk really read the chat, its search hit, its article and its export.
    assert "zq-chat-1" in read[f"/api/v1/chats/{chat.pk}/"]
    assert "zq-chat-1" in read[f"/chats/{chat.pk}/"]
    assert "zq-chat-1" in read["/chats/export.csv?country=CA"]
    assert "zq-chat-1" in read["/odata/Chats"]
    assert json.loads(read["/api/v1/kb/search/?q=refund+duplicate+charge"])["count"] >= 1
    assert f"/kb/articles/{article.pk}/" in read
    leaks = {url: _found(body) for url, body in read.items() if _found(body)}
    assert not leaks, json.dumps(leaks, indent=1)

    # Probing identity by filter is refused, and the refusal does not echo the value.
    for url in (
        f"/api/v1/chats/?customer_email={EMAIL}",
        f"/chats/?customer_email={EMAIL}",
        f"/chats/export.csv?customer_email={EMAIL}",
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        assert EMAIL not in response.content.decode(), url


def _columns() -> dict[str, list[str]]:
    """Every table of the database and its columns (introspection, not models: a table that
    no model describes, such as a full-text index, is scanned too). Every column is read, so
    a value kept in an unexpected type is found as well."""
    with connection.cursor() as cursor:
        return {
            table: [
                column.name
                for column in connection.introspection.get_table_description(cursor, table)
            ]
            for table in connection.introspection.table_names(cursor)
        }


def _database_leaks() -> dict[str, list[str]]:
    leaks: dict[str, list[str]] = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, columns in _columns().items():
            selected = ", ".join(quote(column) for column in columns)
            cursor.execute(f"SELECT {selected} FROM {quote(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("utf-8", errors="replace")
                    found = _found(str(value)) if value is not None else []
                    if found:
                        leaks.setdefault(f"{table}.{column}", []).extend(found)
    return leaks


def test_disposal_leaves_no_identity_anywhere(
    make_user, monkeypatch, settings, django_capture_on_commit_callbacks
) -> None:
    settings.DISPOSAL_REQUIRED_APPROVALS = 1
    manager = make_user(Role.RECORDS_MANAGER)
    chat = _prepare(monkeypatch, manager, django_capture_on_commit_callbacks)
    # The markers really are in the database before disposal (the scan can see them).
    before = _database_leaks()
    assert any(key.startswith("chats_customer") for key in before)
    assert any("tags" in key for key in before)
    assert WebhookDelivery.objects.filter(event="chat.closed").exists()

    call_command("run_job", "build_disposal_batches", "--now", NOW)
    client = Client()
    client.force_login(manager)
    batches = client.get("/api/v1/disposal-batches/").json()["results"]
    assert len(batches) == 1
    response = client.post(f"/api/v1/disposal-batches/{batches[0]['id']}/approve/")
    assert response.status_code == 200, response.content
    call_command("run_job", "execute_disposals", "--now", NOW)

    assert Record.objects.get(chat=chat).status == "disposed"
    leaks = _database_leaks()
    assert not leaks, json.dumps(leaks, indent=1)


def test_a_customer_without_id_never_gets_identity_as_its_id(support_api) -> None:
    chat = make_chat(customer={"name": NAME, "email": EMAIL, "phone": PHONE})
    again = make_chat(
        external_id="zq-other",
        customer={"name": NAME, "email": EMAIL.upper(), "phone": PHONE},
    )
    assert chat.customer is not None
    external_id = chat.customer.external_id
    assert _found(external_id) == []
    assert external_id.startswith("anon-")
    assert again.customer_id == chat.customer_id  # stable: a re-import finds the same customer
    body = support_api.get(f"/api/v1/chats/{chat.pk}/").content.decode()
    assert _found(body) == []


@pytest.mark.parametrize(
    ("given", "customer"),
    [
        (EMAIL, {"name": "", "email": EMAIL, "phone": ""}),
        ("whatsapp:+16045550143", {"name": "", "email": "", "phone": PHONE}),
        (NAME.upper(), {"name": NAME, "email": "", "phone": ""}),
        ("someone.else@example.net", {"name": NAME, "email": EMAIL, "phone": ""}),
    ],
)
def test_a_source_id_that_is_identity_is_replaced_by_a_pseudonym(given, customer) -> None:
    chat = make_chat(customer={"external_id": given, **customer})
    assert chat.customer is not None
    external_id = chat.customer.external_id
    assert external_id.startswith("anon-")
    assert given.lower() not in external_id.lower()
    assert "6045550143" not in external_id


def test_support_staff_see_customer_messages_without_author_names(support_api, manager_api):
    chat = make_chat(
        messages=[
            {
                "sender": "customer",
                "author": NAME,
                "sent_at": "2025-03-01T14:02:11Z",
                "text": "hello",
            },
            {
                "sender": "agent",
                "agent_external_id": "a-7",
                "sent_at": "2025-03-01T14:03:11Z",
                "text": "hi",
            },
        ]
    )
    messages = support_api.get(f"/api/v1/chats/{chat.pk}/").json()["messages"]
    assert [m["author_name"] for m in messages] == ["Customer", "Priya"]
    managed = manager_api.get(f"/api/v1/chats/{chat.pk}/").json()["messages"]
    assert [m["author_name"] for m in managed] == [NAME, "Priya"]


def test_survey_question_keys_and_tags_are_redacted(support_api) -> None:
    chat = make_chat(
        customer={"external_id": "c-zq", "name": NAME, "email": EMAIL, "phone": ""},
        survey={
            "rating": 4,
            "resolved": True,
            "comment": "ok",
            "answers": {f"{NAME}, would you recommend us?": "yes"},
        },
        tags=["billing", EMAIL],
    )
    call_command("run_job", "redact_pii", "--now", NOW)
    chat.refresh_from_db()
    answers = chat.survey.answers_redacted
    assert answers is not None
    assert _found(json.dumps(answers)) == []
    assert list(answers.values()) == ["yes"]
    assert chat.tags_redacted is not None
    assert chat.tags_redacted[0] == "billing"
    assert _found(json.dumps(chat.tags_redacted)) == []
    body = support_api.get(f"/api/v1/chats/{chat.pk}/").json()
    assert body["tags"] == chat.tags_redacted
    assert _found(json.dumps(body)) == []


def test_support_staff_see_no_tags_of_a_chat_not_yet_redacted(support_api, settings) -> None:
    settings.REDACT_ON_IMPORT = False
    chat = make_chat(tags=[EMAIL])
    body = support_api.get(f"/api/v1/chats/{chat.pk}/").json()
    assert body["tags"] == []
    listed = support_api.get("/api/v1/chats/").json()["results"]
    assert [row["tags"] for row in listed] == [[]]


def test_chat_closed_webhook_carries_no_identity(
    make_user, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    monkeypatch.setattr(requests, "post", lambda *args, **kwargs: _Delivered())
    webhook_subscription_create(
        name="CRM", url="https://crm.example.com/h", events=["chat.closed"], created_by=make_user()
    )
    with django_capture_on_commit_callbacks(execute=True):
        make_chat(customer={"name": NAME, "email": EMAIL, "phone": PHONE})
    bodies = list(WebhookDelivery.objects.values_list("body", flat=True))
    assert len(bodies) == 1
    assert _found(bodies[0]) == []
