from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from chats.models import Chat
from knowledgebase.models import Article, ArticleStatus
from knowledgebase.services.analysis import chats_analyse
from knowledgebase.services.trends import trends_rollup
from tests.factories import TOKEN_AUTH_QUERIES
from tests.knowledgebase.conftest import NOW

pytestmark = pytest.mark.usefixtures("taxonomy")
ARTICLE = {
    "question": "How long does a refund take?",
    "solution": "Refunds reach the card within 5 business days.",
    "category": "refunds",
    "keywords": ["refund", "card"],
    "status": "published",
}


@pytest.fixture
def indexed(topic_chat: Callable[..., Chat]) -> list[Chat]:
    chats = [topic_chat("refund"), topic_chat("shipping"), topic_chat("password")]
    chats_analyse(now=NOW)
    trends_rollup(now=NOW)
    return chats


@pytest.mark.parametrize("client_name", ["support_api", "manager_api", "auditor_api"])
def test_every_role_can_search(
    client_name: str, request: pytest.FixtureRequest, indexed: list[Chat]
) -> None:
    client: APIClient = request.getfixturevalue(client_name)

    response = client.get("/api/v1/kb/search/", {"q": "refund"})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    hit = body["results"][0]
    assert hit["type"] == "chat"
    assert hit["id"] == indexed[0].pk
    assert hit["chat_external_id"] == indexed[0].external_id
    assert "<mark>" in hit["snippet"]
    assert set(hit) >= {"type", "id", "chat_external_id", "title", "snippet", "score"}


def test_search_pages_and_filters(support_api: APIClient, indexed: list[Chat]) -> None:
    response = support_api.get("/api/v1/kb/search/", {"q": "account", "page_size": "1"})
    assert response.status_code == 200
    assert response.json()["results"]

    bad = support_api.get("/api/v1/kb/search/", {"q": "refund", "date_from": "yesterday"})
    assert bad.status_code == 400
    assert "date_from" in bad.json()["message"]


def test_search_needs_a_role(
    make_user: Callable[..., object], api_client_for: Callable[..., APIClient]
) -> None:
    nobody = api_client_for(make_user(None))
    assert nobody.get("/api/v1/kb/search/", {"q": "refund"}).status_code == 403
    assert APIClient().get("/api/v1/kb/search/", {"q": "refund"}).status_code in (401, 403)


@pytest.mark.parametrize("client_name", ["support_api", "manager_api"])
def test_writers_create_articles_linked_to_chats(
    client_name: str, request: pytest.FixtureRequest, indexed: list[Chat]
) -> None:
    client: APIClient = request.getfixturevalue(client_name)

    response = client.post(
        "/api/v1/kb/articles/", {**ARTICLE, "source_chats": [indexed[0].pk]}, format="json"
    )

    assert response.status_code == 201, response.json()
    article = Article.objects.get()
    assert article.status == ArticleStatus.PUBLISHED
    assert article.sources.get().chat_external_id == indexed[0].external_id
    assert response.json()["sources"][0]["available"] is True
    found = client.get("/api/v1/kb/search/", {"q": "business days"}).json()["results"]
    assert found[0]["type"] == "article"


def test_auditor_cannot_create_or_change_articles(
    auditor_api: APIClient, support_api: APIClient, indexed: list[Chat]
) -> None:
    created = support_api.post("/api/v1/kb/articles/", ARTICLE, format="json").json()

    post = auditor_api.post("/api/v1/kb/articles/", {**ARTICLE, "question": "x?"}, format="json")
    put = auditor_api.put(
        f"/api/v1/kb/articles/{created['id']}/", {**ARTICLE, "question": "changed?"}, format="json"
    )

    assert post.status_code == 403
    assert put.status_code == 403
    assert Article.objects.count() == 1
    assert Article.objects.get().question == ARTICLE["question"]
    assert auditor_api.get("/api/v1/kb/articles/").json()["count"] == 1


def test_article_validation_errors(support_api: APIClient) -> None:
    response = support_api.post(
        "/api/v1/kb/articles/", {"question": "", "solution": ""}, format="json"
    )
    assert response.status_code == 400
    assert Article.objects.count() == 0


def test_article_list_query_count_is_constant(
    support_api: APIClient, indexed: list[Chat], django_assert_num_queries: Callable[..., Any]
) -> None:
    for number in range(3):
        support_api.post(
            "/api/v1/kb/articles/",
            {**ARTICLE, "question": f"Q{number}?", "source_chats": [c.pk for c in indexed]},
            format="json",
        )
    # token auth (user and groups) + count + page + sources prefetch
    with django_assert_num_queries(TOKEN_AUTH_QUERIES + 3):
        response = support_api.get("/api/v1/kb/articles/")
    assert response.json()["count"] == 3


@pytest.mark.parametrize("client_name", ["support_api", "manager_api", "auditor_api"])
def test_every_role_reads_trends(
    client_name: str, request: pytest.FixtureRequest, indexed: list[Chat]
) -> None:
    client: APIClient = request.getfixturevalue(client_name)

    response = client.get("/api/v1/trends/", {"dimension": "category", "value": "refunds"})

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["week_start"], r["chat_count"]) for r in rows] == [("2025-03-03", 1)]
    assert client.get("/api/v1/trends/emerging/", {"as_of": "2025-03-05"}).status_code == 200
    assert client.post("/api/v1/trends/", {}).status_code in (403, 405)


def test_chat_api_shows_extras(support_api: APIClient, indexed: list[Chat]) -> None:
    body = support_api.get(f"/api/v1/chats/{indexed[0].pk}/").json()

    assert "refund" in body["keywords"]
    assert body["satisfaction"] is not None
    assert body["sentiment"] is not None
