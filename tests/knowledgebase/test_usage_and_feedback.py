"""`POST /api/v1/kb/articles/{id}/feedback/` and `GET /api/v1/kb/usage/`: votes, searches and
views, counted once, stored without the customer names staff type, readable by managers and
auditors only."""

import pytest
from django.contrib.auth.models import User

from knowledgebase.models import Article, ArticleFeedback, ArticleStatus, ArticleView, KbSearchLog
from knowledgebase.services.articles import article_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(support_user: User) -> Article:
    return article_create(
        question="How do I reset my router?",
        solution="Hold the reset button for ten seconds.",
        user=support_user,
        status=ArticleStatus.PUBLISHED,
    )


def test_a_customer_name_typed_into_search_is_not_kept(support_api, manager_api) -> None:
    support_api.get("/api/v1/kb/search/", {"q": "refund for Margaret Okonkwo"})
    stored = KbSearchLog.objects.get()
    assert "Okonkwo" not in stored.query
    assert "[PERSON_1]" in stored.query
    usage = manager_api.get("/api/v1/kb/usage/").json()
    assert "Okonkwo" not in str(usage)


def test_a_name_in_a_feedback_comment_is_not_kept(support_api, article) -> None:
    response = support_api.post(
        f"/api/v1/kb/articles/{article.pk}/feedback/",
        {"helpful": False, "comment": "Did not work for Rosalind Achterberg, call 416-555-0199"},
        format="json",
    )
    assert response.status_code == 201
    comment = ArticleFeedback.objects.get().comment
    assert "Achterberg" not in comment
    assert "416-555-0199" not in comment


def test_support_staff_cannot_read_usage(support_api) -> None:
    assert support_api.get("/api/v1/kb/usage/").status_code == 403


def test_a_replayed_vote_replaces_the_first_and_counts_once(support_api, manager_api, article):
    url = f"/api/v1/kb/articles/{article.pk}/feedback/"
    support_api.post(url, {"helpful": True}, format="json")
    support_api.post(url, {"helpful": True}, format="json")
    support_api.post(url, {"helpful": False}, format="json")
    assert ArticleFeedback.objects.count() == 1
    assert ArticleFeedback.objects.get().helpful is False
    usage = manager_api.get("/api/v1/kb/usage/").json()
    assert (usage["feedback_votes"], usage["helpful_votes"], usage["helpful_rate"]) == (1, 0, 0.0)


def test_a_draft_takes_no_vote_and_a_bad_body_names_its_field(support_api, support_user):
    draft = article_create(question="Draft?", solution="Not yet.", user=support_user)
    refused = support_api.post(
        f"/api/v1/kb/articles/{draft.pk}/feedback/", {"helpful": True}, format="json"
    )
    assert refused.status_code == 400
    assert "published" in refused.json()["message"]
    bad = support_api.post(
        f"/api/v1/kb/articles/{draft.pk}/feedback/", {"helpful": "maybe"}, format="json"
    )
    assert bad.status_code == 400
    assert "helpful" in str(bad.json())
    missing = support_api.post("/api/v1/kb/articles/999999/feedback/", {"helpful": True})
    assert missing.status_code == 404
    assert not ArticleFeedback.objects.exists()


def test_usage_dates_are_checked(manager_api) -> None:
    bad = manager_api.get("/api/v1/kb/usage/", {"from": "last week"})
    assert bad.status_code == 400
    assert bad.json()["extra"]["field"] == "from"
    reversed_period = manager_api.get(
        "/api/v1/kb/usage/", {"from": "2026-02-01", "to": "2026-01-01"}
    )
    assert reversed_period.status_code == 400


def test_paging_through_results_is_not_a_new_search(support_api, article) -> None:
    support_api.get("/api/v1/kb/search/", {"q": "router reset"})
    support_api.get("/api/v1/kb/search/", {"q": "router reset", "page": 2})
    assert KbSearchLog.objects.count() == 1


def test_usage_reports_searches_misses_views_and_active_searchers(
    support_api, auditor_api, make_user, api_client_for, article
) -> None:
    from core.roles import Role

    other = api_client_for(make_user(Role.SUPPORT_STAFF))
    support_api.get("/api/v1/kb/search/", {"q": "router reset"})
    support_api.get("/api/v1/kb/search/", {"q": "zzqx unheard of"})
    other.get("/api/v1/kb/search/", {"q": "router reset"})
    support_api.get(f"/api/v1/kb/articles/{article.pk}/")
    other.get(f"/api/v1/kb/articles/{article.pk}/")
    support_api.post(
        f"/api/v1/kb/articles/{article.pk}/feedback/", {"helpful": True}, format="json"
    )
    usage = auditor_api.get("/api/v1/kb/usage/").json()
    assert usage["searches"] == 3
    assert usage["searches_without_results"] == 1
    assert usage["queries_without_results"] == [{"query": "zzqx unheard of", "count": 1}]
    assert usage["top_queries"][0] == {"query": "router reset", "count": 2}
    assert usage["article_views"] == 2 == ArticleView.objects.count()
    assert usage["top_articles"][0]["article"] == article.pk
    assert usage["helpful_rate"] == 1.0
    (week,) = usage["active_searchers_per_week"]
    assert (week["searchers"], week["searches"]) == (2, 3)


def test_the_article_page_takes_a_vote_without_javascript(client, support_user, article) -> None:
    client.force_login(support_user)
    page = client.get(f"/kb/articles/{article.pk}/")
    assert b"Was this helpful?" in page.content
    response = client.post(f"/kb/articles/{article.pk}/feedback/", {"helpful": "yes"})
    assert response.status_code == 302
    assert ArticleFeedback.objects.get(user=support_user).helpful is True


def test_an_auditor_reads_the_usage_page_and_support_staff_do_not(
    client, auditor_user, support_user
) -> None:
    client.force_login(support_user)
    assert client.get("/kb/usage/").status_code == 403
    client.force_login(auditor_user)
    page = client.get("/kb/usage/")
    assert page.status_code == 200
    assert b"Searches that found nothing" in page.content


def test_a_content_gap_links_a_manager_to_a_new_article_with_the_question(
    client, support_api, manager_user
) -> None:
    support_api.get("/api/v1/kb/search/", {"q": "zzqx warranty abroad"})
    client.force_login(manager_user)
    page = client.get("/kb/usage/").content.decode()
    assert "/kb/articles/new/?question=zzqx%20warranty%20abroad" in page
    form = client.get("/kb/articles/new/", {"question": "zzqx warranty abroad"}).content.decode()
    assert ">\nzzqx warranty abroad</textarea>" in form
