from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client

from chats.models import Chat, Message
from core.roles import Role
from knowledgebase.models import Article, ChatKeyword, KeywordSource, TaxonomyTerm
from knowledgebase.services.analysis import chats_analyse
from knowledgebase.services.articles import article_create
from knowledgebase.services.trends import trends_rollup
from tests.knowledgebase.conftest import NOW

pytestmark = pytest.mark.usefixtures("taxonomy")
ROLES = [Role.SUPPORT_STAFF, Role.RECORDS_MANAGER, Role.COMPLIANCE_AUDITOR]


@pytest.fixture
def indexed(topic_chat: Callable[..., Chat]) -> list[Chat]:
    chats = [
        topic_chat(
            "refund",
            closing="this is useless, I am furious",
            survey={"rating": 1, "resolved": False, "comment": "", "answers": {}},
        ),
        topic_chat(
            "shipping",
            closing="brilliant, thank you",
            survey={"rating": 5, "resolved": True, "comment": "", "answers": {}},
        ),
    ]
    chats_analyse(now=NOW)
    trends_rollup(now=NOW)
    return chats


def _client(make_user: Callable[..., User], role: Role) -> Client:
    client = Client()
    client.force_login(make_user(role))
    return client


def test_support_staff_land_on_search(make_user: Callable[..., User]) -> None:
    response = _client(make_user, Role.SUPPORT_STAFF).get("/")
    assert response.status_code == 302
    assert response["Location"] == "/kb/"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "url",
    [
        "/kb/?q=refund",
        "/kb/articles/",
        "/kb/trends/?as_of=2025-03-05",
        "/kb/agents/?since=2025-03-01&until=2025-03-31",
        "/kb/taxonomy/",
    ],
)
def test_every_role_reads_the_pages(
    role: Role, url: str, make_user: Callable[..., User], indexed: list[Chat]
) -> None:
    response = _client(make_user, role).get(url)
    assert response.status_code == 200


def test_search_page_shows_highlighted_snippets(
    make_user: Callable[..., User], indexed: list[Chat]
) -> None:
    content = _client(make_user, Role.SUPPORT_STAFF).get("/kb/?q=refund").content.decode()
    assert "<mark>refund</mark>" in content
    assert f"/chats/{indexed[0].pk}/" in content


def test_trends_page_draws_svg_charts(make_user: Callable[..., User], indexed: list[Chat]) -> None:
    content = (
        _client(make_user, Role.RECORDS_MANAGER)
        .get("/kb/trends/?as_of=2025-03-05")
        .content.decode()
    )
    assert content.count('<svg class="chart chart-line"') == 4  # four charts, each with a legend
    assert "refunds" in content
    assert "<script" not in content


def test_agents_page_lists_the_agent(make_user: Callable[..., User], indexed: list[Chat]) -> None:
    content = (
        _client(make_user, Role.RECORDS_MANAGER)
        .get("/kb/agents/?since=2025-03-01&until=2025-03-31")
        .content.decode()
    )
    assert "Priya" in content
    assert "<svg" in content


def test_chat_page_explains_both_scores(
    make_user: Callable[..., User], indexed: list[Chat]
) -> None:
    client = _client(make_user, Role.SUPPORT_STAFF)
    angry = client.get(f"/chats/{indexed[0].pk}/").content.decode()
    happy = client.get(f"/chats/{indexed[1].pk}/").content.decode()

    for page in (angry, happy):
        assert "Why this score?" in page
        assert "Survey rating" in page
        assert "Customer sentiment" in page
    assert "1 of 5 stars" in angry
    assert "5 of 5 stars" in happy


def test_suggest_an_article_prefills_request_and_resolution(
    make_user: Callable[..., User], indexed: list[Chat]
) -> None:
    client = _client(make_user, Role.SUPPORT_STAFF)
    content = client.get(f"/kb/articles/new/?chat={indexed[0].pk}").content.decode()

    assert "I returned the blender two weeks ago" in content
    assert "I have approved the refund of your blender" in content
    assert "I am furious" not in content  # a later complaint is not the request

    response = client.post(
        "/kb/articles/new/",
        {
            "question": "Refund not received?",
            "solution": "We approve it.",
            "keywords": "refund",
            "status": "published",
            "source_chat": indexed[0].pk,
        },
    )
    assert response.status_code == 302
    article = Article.objects.get()
    assert article.sources.get().chat_id == indexed[0].pk


def test_article_source_shows_disposed_date(
    make_user: Callable[..., User], indexed: list[Chat], support_user: User
) -> None:
    chat = indexed[0]
    article = article_create(
        question="Refund?", solution="Yes.", user=support_user, source_chats=[chat]
    )
    Message.objects.filter(chat=chat).delete()
    Chat.objects.filter(pk=chat.pk).update(locked_at=NOW)

    content = (
        _client(make_user, Role.SUPPORT_STAFF).get(f"/kb/articles/{article.pk}/").content.decode()
    )

    assert "source disposed" in content
    assert f"livechat:{chat.external_id}" in content


def test_auditor_cannot_write_through_pages(
    make_user: Callable[..., User], indexed: list[Chat]
) -> None:
    client = _client(make_user, Role.COMPLIANCE_AUDITOR)
    terms_before = TaxonomyTerm.objects.count()

    responses = [
        client.post("/kb/articles/new/", {"question": "q?", "solution": "s", "status": "draft"}),
        client.post(f"/kb/chats/{indexed[0].pk}/tags/", {"tag": "x", "action": "add"}),
        client.post("/kb/taxonomy/", {"term": "zzz", "category": 1}),
        client.get("/kb/articles/new/"),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert Article.objects.count() == 0
    assert not ChatKeyword.objects.filter(source=KeywordSource.MANUAL).exists()
    assert TaxonomyTerm.objects.count() == terms_before


def test_staff_tag_a_chat(make_user: Callable[..., User], indexed: list[Chat]) -> None:
    client = _client(make_user, Role.SUPPORT_STAFF)

    response = client.post(
        f"/kb/chats/{indexed[0].pk}/tags/", {"tag": "Loyal customer", "action": "add"}
    )

    assert response.status_code == 302
    assert ChatKeyword.objects.filter(
        chat=indexed[0], term="loyal customer", source="manual"
    ).exists()
    assert "loyal customer" in client.get(f"/chats/{indexed[0].pk}/").content.decode()


def test_article_source_shows_date_from_the_record(
    make_user: Callable[..., User], indexed: list[Chat], support_user: User
) -> None:
    from records.models import Record, RecordClass, RecordStatus

    chat = indexed[1]
    article = article_create(
        question="Late parcel?", solution="Claim.", user=support_user, source_chats=[chat]
    )
    record_class = RecordClass.objects.create(code="CS-CHAT", title="Chat")
    Record.objects.create(
        chat=chat,
        record_class=record_class,
        declared_at=NOW,
        status=RecordStatus.DISPOSED,
        disposed_at=NOW,
    )
    Message.objects.filter(chat=chat).delete()

    content = (
        _client(make_user, Role.SUPPORT_STAFF).get(f"/kb/articles/{article.pk}/").content.decode()
    )

    assert "source disposed on 2025-03-20" in content
