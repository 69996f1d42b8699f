"""The OData v4 feed, read by a real OData v4 client (python-odata reflects $metadata and reads
JSON) over HTTP from a live server, plus the role matrix and query-option edge cases."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from xml.etree import ElementTree as ET

import pytest
import requests
from django.contrib.auth.models import User
from odata import ODataService
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from chats.models import Chat
from core.roles import Role
from records.models import Record
from tests.factories import TOKEN_AUTH_QUERIES, make_chat

START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def _chats() -> None:
    for day in range(6):
        make_chat(country="CA", region="", started_at=START + timedelta(days=day))
    for day in range(3):
        make_chat(country="US", region="", started_at=START + timedelta(days=day))


def _service(live_server, user: User) -> ODataService:
    token, _ = Token.objects.get_or_create(user=user)
    session = requests.Session()
    session.headers["Authorization"] = f"Token {token.key}"
    return ODataService(
        f"{live_server.url}/odata/", reflect_entities=True, session=session, quiet_progress=True
    )


@pytest.mark.django_db(transaction=True)
def test_odata_client_reads_chats_with_filter_paging_and_count(live_server, make_user, settings):
    settings.ODATA_MAX_PAGE_SIZE = 2  # server-driven paging on every request
    _chats()
    manager = make_user(Role.RECORDS_MANAGER)
    service = _service(live_server, manager)
    ChatEntity = service.entities["Chats"]
    since = START + timedelta(days=2)

    query = (
        service.query(ChatEntity)
        .filter(ChatEntity.country == "CA")
        .filter(ChatEntity.started_at >= since)
    )
    everything = list(query)  # the client follows @odata.nextLink page by page
    assert sorted(c.id for c in everything) == sorted(
        Chat.objects.filter(country="CA", started_at__gte=since).values_list("pk", flat=True)
    )
    assert {c.country for c in everything} == {"CA"}
    assert all(c.started_at >= since for c in everything)

    ordered = query.order_by(ChatEntity.started_at.asc())
    first_two = list(ordered.limit(2))
    next_two = list(ordered.offset(2).limit(2))
    assert [c.started_at for c in first_two + next_two] == [
        START + timedelta(days=day) for day in (2, 3, 4, 5)
    ]

    # $count matches the REST API's count for the same filter
    rest = APIClient()
    rest.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get(user=manager).key}")
    rest_count = rest.get(
        "/api/v1/chats/", {"country": "CA", "started_after": since.isoformat()}
    ).json()["count"]
    assert query.count() == rest_count == 4
    raw = requests.get(
        f"{live_server.url}/odata/Chats",
        params={
            "$filter": f"country eq 'CA' and started_at ge {since.isoformat()}",
            "$count": "true",
            "$top": "1",
        },
        headers={"Authorization": f"Token {Token.objects.get(user=manager).key}"},
        timeout=10,
    ).json()
    assert raw["@odata.count"] == rest_count
    assert len(raw["value"]) == 1
    assert "@odata.nextLink" not in raw or "%24top=0" not in raw["@odata.nextLink"]


@pytest.mark.django_db(transaction=True)
def test_odata_client_reads_single_chat_and_selected_properties(live_server, make_user):
    chat = make_chat(country="CA", region="CA-QC")
    service = _service(live_server, make_user(Role.SUPPORT_STAFF))
    ChatEntity = service.entities["Chats"]
    found = service.query(ChatEntity).get(chat.pk)
    assert (found.external_id, found.country, found.region) == (chat.external_id, "CA", "CA-QC")
    rows = list(service.query(ChatEntity).select(ChatEntity.id, ChatEntity.country))
    assert rows == [{"id": chat.pk, "country": "CA"}]


@pytest.fixture
def odata_get(api_client_for) -> Callable[..., object]:
    def get(user: User | None, path: str, **params: str):
        client = api_client_for(user) if user else APIClient()
        return client.get(f"/odata/{path}", params)

    return get


@pytest.mark.django_db
def test_metadata_is_csdl_with_the_chats_entity_set(client, make_user):
    client.force_login(make_user(Role.SUPPORT_STAFF))  # $metadata needs a login (#13)
    response = client.get("/odata/$metadata")
    assert response.status_code == 200
    assert response["OData-Version"] == "4.0"
    root = ET.fromstring(response.content)  # noqa: S314 - our own server's document
    edm = "{http://docs.oasis-open.org/odata/ns/edm}"
    names = {p.get("Name") for p in root.iter(f"{edm}Property")}
    assert {"country", "started_at", "external_id"} <= names
    assert "Chats" in {s.get("Name") for s in root.iter(f"{edm}EntitySet")}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_every_role_reads_chats_without_text_or_identity(role, make_user, odata_get):
    make_chat()
    body = odata_get(make_user(role), "Chats").json()
    row = body["value"][0]
    assert "text" not in row
    assert "messages" not in row
    assert "customer" not in row
    assert set(row) >= {"id", "country", "started_at", "sentiment", "record"}


@pytest.mark.django_db
def test_anonymous_gets_401(odata_get):
    assert odata_get(None, "Chats").status_code == 401


@pytest.mark.django_db
def test_user_without_role_gets_403(make_user, odata_get):
    assert odata_get(make_user(), "Chats").status_code == 403


@pytest.mark.django_db
def test_filter_operators(support_user, odata_get):
    make_chat(country="CA", region="", source="chatwoot")
    make_chat(country="US", region="", source="livechat")
    make_chat(country="FR", region="", source="livechat")

    def countries(expression: str) -> list[str]:
        response = odata_get(
            support_user, "Chats", **{"$filter": expression, "$orderby": "country"}
        )
        assert response.status_code == 200, response.content
        return [row["country"] for row in response.json()["value"]]

    assert countries("country eq 'CA'") == ["CA"]
    assert countries("country ne 'CA'") == ["FR", "US"]
    assert countries("country gt 'CA' and country lt 'US'") == ["FR"]
    assert countries("country ge 'FR' or country le 'CA'") == ["CA", "FR", "US"]
    assert countries("contains(source, 'twoo')") == ["CA"]
    assert countries("startswith(source, 'live')") == ["FR", "US"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"$filter": "customer_id eq 1"}, "'customer_id' is not a property of Chat"),
        ({"$filter": "customer/email eq 'a@b.c'"}, "navigation paths"),
        ({"$filter": "sentiment gt 0"}, "'sentiment' is computed"),
        ({"$filter": "country eq"}, "$filter"),
        ({"$select": "text"}, "'text' is not a property"),
        ({"$orderby": "country sideways"}, "cannot read"),
        ({"$top": "-1"}, "$top must be a non-negative integer"),
    ],
)
def test_bad_query_options_are_400_with_odata_error(params, message, support_user, odata_get):
    response = odata_get(support_user, "Chats", **params)
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]


@pytest.mark.django_db
def test_next_link_pages_until_top_is_reached(support_user, odata_get, settings):
    settings.ODATA_MAX_PAGE_SIZE = 2
    for _ in range(5):
        make_chat()
    body = odata_get(support_user, "Chats", **{"$top": "3"}).json()
    assert len(body["value"]) == 2
    assert "%24skip=2" in body["@odata.nextLink"]
    assert "%24top=1" in body["@odata.nextLink"]


@pytest.mark.django_db
def test_collection_query_count_is_pinned(support_user, api_client_for, django_assert_num_queries):
    from chats.hooks import chat_extras_collect

    for _ in range(5):
        make_chat()
    client = api_client_for(support_user)
    # token auth (user and groups), the page, $count, then one query per chat-extra provider
    with django_assert_num_queries(TOKEN_AUTH_QUERIES + 2 + len(chat_extras_collect.receivers)):
        response = client.get("/odata/Chats", {"$count": "true"})
    assert response.json()["@odata.count"] == 5


@pytest.mark.django_db
def test_service_document_lists_entity_sets(client, make_user):
    client.force_login(make_user(Role.SUPPORT_STAFF))  # the service document needs a login (#13)
    body = client.get("/odata/").json()
    assert {"name": "Chats", "kind": "EntitySet", "url": "Chats"} in body["value"]


@pytest.mark.django_db(transaction=True)
def test_odata_client_reads_records_with_filter_paging_and_count(live_server, make_user, settings):
    from records.file_plan import file_plan_seed
    from records.services import records_declare

    settings.ODATA_MAX_PAGE_SIZE = 2
    file_plan_seed()
    _chats()
    records_declare(now=datetime(2026, 1, 1, tzinfo=UTC))
    manager = make_user(Role.RECORDS_MANAGER)
    service = _service(live_server, manager)
    RecordEntity = service.entities["Records"]
    due_before = datetime(2031, 3, 4, tzinfo=UTC)  # CA: 6 years after the chat ended

    query = (
        service.query(RecordEntity)
        .filter(RecordEntity.country == "CA")
        .filter(RecordEntity.disposition_due < due_before)
    )
    rows = list(query)
    expected = Record.objects.filter(chat__country="CA", disposition_due__lt=due_before)
    assert sorted(r.id for r in rows) == sorted(expected.values_list("pk", flat=True))
    assert {r.record_class for r in rows} == {"CS-CHAT"}
    assert len(rows) == 3

    page = list(query.order_by(RecordEntity.disposition_due.asc()).offset(1).limit(2))
    assert [r.chat_external_id for r in page] == [
        r.chat.external_id for r in expected.order_by("disposition_due", "pk")[1:3]
    ]

    rest = APIClient()
    rest.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get(user=manager).key}")
    rest_count = rest.get(
        "/api/v1/records/", {"country": "CA", "due_before": due_before.isoformat()}
    ).json()["count"]
    assert query.count() == rest_count == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.SUPPORT_STAFF, 403), (Role.RECORDS_MANAGER, 200), (Role.COMPLIANCE_AUDITOR, 200)],
)
def test_records_and_agent_metrics_are_for_managers_and_auditors(
    role, status, make_user, odata_get
):
    user = make_user(role)
    assert odata_get(user, "Records").status_code == status
    assert odata_get(user, "AgentMetrics").status_code == status
    assert odata_get(user, "Trends").status_code == 200


@pytest.mark.django_db
def test_agent_metrics_count_chats_per_agent_in_the_period(manager_user, odata_get):
    make_chat(started_at=START)
    make_chat(started_at=START + timedelta(days=10))
    body = odata_get(manager_user, "AgentMetrics", start="2025-03-01", end="2025-03-05").json()
    assert [(row["external_id"], row["chats_handled"]) for row in body["value"]] == [("a-7", 1)]
    body = odata_get(manager_user, "AgentMetrics", **{"$filter": "chats_handled ge 2"}).json()
    assert [row["chats_handled"] for row in body["value"]] == [2]
    assert odata_get(manager_user, "AgentMetrics", start="soon").status_code == 400


@pytest.mark.django_db
def test_trends_filter_on_dimension_and_week(support_user, odata_get):
    from knowledgebase.models import TrendRollup

    for week, count in ((date(2025, 3, 3), 4), (date(2025, 3, 10), 7)):
        TrendRollup.objects.create(
            week_start=week, dimension="country", value="CA", chat_count=count, computed_at=START
        )
    body = odata_get(
        support_user,
        "Trends",
        **{
            "$filter": "dimension eq 'country' and week_start ge 2025-03-10",
            "$select": "week_start,chat_count",
        },
    ).json()
    assert body["value"] == [{"week_start": "2025-03-10", "chat_count": 7}]
