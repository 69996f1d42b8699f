"""Issue #17 item 4: a weekly digest e-mails support staff the week's new articles and the most
helpful ones (by that week's "Was this helpful?" votes), once per week: a replay sends nothing."""

from datetime import UTC, datetime

import pytest
from django.core import mail

from core.jobs import job_run
from knowledgebase.models import Article, ArticleFeedback, ArticleStatus, KbDigest

MONDAY = datetime(2026, 3, 16, 7, 0, tzinfo=UTC)  # digest of the week of 2026-03-09
IN_WEEK = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)
WEEK_BEFORE = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


def _article(question: str, *, published_at: datetime, status: str = ArticleStatus.PUBLISHED):
    return Article.objects.create(
        question=question,
        solution="Do this.",
        status=status,
        created_at=published_at,
        updated_at=published_at,
        published_at=published_at if status == ArticleStatus.PUBLISHED else None,
    )


def _vote(article: Article, user, helpful: bool, at: datetime) -> None:
    ArticleFeedback.objects.create(
        article=article, user=user, helpful=helpful, created_at=at, updated_at=at
    )


@pytest.fixture
def week(db: None, make_user, support_user, manager_user) -> dict[str, Article]:
    from core.roles import Role

    support_user.email = "agent@example.org"
    support_user.save()
    make_user(Role.SUPPORT_STAFF, email="second-agent@example.org")
    manager_user.email = "records@example.org"
    manager_user.save()
    new = _article("How do I reroute a parcel?", published_at=IN_WEEK)
    old = _article("How do I reset my router?", published_at=WEEK_BEFORE)
    draft = _article("Draft about refunds", published_at=IN_WEEK, status=ArticleStatus.DRAFT)
    _vote(old, support_user, True, IN_WEEK)
    _vote(old, manager_user, True, IN_WEEK)
    _vote(new, support_user, False, IN_WEEK)
    return {"new": new, "old": old, "draft": draft}


def test_support_staff_get_the_weeks_new_and_most_helpful_articles_once(week) -> None:
    first = job_run(name="send_kb_digest", now=MONDAY)
    replay = job_run(name="send_kb_digest", now=MONDAY.replace(hour=9))

    assert first.counts["sent"] == 1
    assert replay.counts["sent"] == 0
    assert sorted(message.to[0] for message in mail.outbox) == [
        "agent@example.org",
        "second-agent@example.org",
    ]
    assert all(len(message.to) == 1 for message in mail.outbox)
    body = mail.outbox[0].body
    assert "How do I reroute a parcel?" in body.split("Most helpful")[0]
    helpful = body.split("Most helpful")[1]
    assert helpful.index("How do I reset my router?") < helpful.index("How do I reroute")
    assert "2 of 2" in helpful
    assert "Draft about refunds" not in body
    digest = KbDigest.objects.get()
    assert digest.week_start.isoformat() == "2026-03-09"
    assert digest.new_articles == [week["new"].pk]


def test_a_week_without_votes_or_articles_still_sends_one_plain_digest(db: None, support_user):
    support_user.email = "agent@example.org"
    support_user.save()

    job_run(name="send_kb_digest", now=MONDAY)

    assert len(mail.outbox) == 1
    assert "none this week" in mail.outbox[0].body
    assert "no votes this week" in mail.outbox[0].body
