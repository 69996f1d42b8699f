from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from audit.models import AuditEvent
from chats.models import Chat
from qa.models import QAReview, QAStatus
from tests.conftest import PASSWORD


def _client(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def review(queued_review: Callable[..., QAReview]) -> QAReview:
    return queued_review(
        country="",
        region="",
        customer={"external_id": "v1", "phone": "+1 212 555 0100", "email": "pat@example.com"},
    )


def _pages(review: QAReview) -> list[str]:
    return ["/qa/", "/qa/next/", f"/qa/reviews/{review.pk}/", "/qa/metrics/"]


def test_support_staff_gets_403_on_every_page(review: QAReview, support_user: User) -> None:
    client = _client(support_user)
    for url in _pages(review):
        assert client.get(url).status_code == 403, url
    response = client.post(f"/qa/reviews/{review.pk}/", {"action": "confirm"})
    assert response.status_code == 403
    review.refresh_from_db()
    assert review.status == QAStatus.PENDING


def test_auditor_reads_every_page_but_cannot_decide(review: QAReview, auditor_user: User) -> None:
    client = _client(auditor_user)
    for url in _pages(review):
        assert client.get(url).status_code in (200, 302), url
    page = client.get(f"/qa/reviews/{review.pk}/").content.decode()
    assert "Save correction" not in page
    assert "+1 212" not in page
    assert "pat@example.com" not in page
    assert client.get(f"/qa/reviews/{review.pk}/?identity=1").status_code == 200
    assert (
        "pat@example.com" not in client.get(f"/qa/reviews/{review.pk}/?identity=1").content.decode()
    )
    events = AuditEvent.objects.count()
    response = client.post(f"/qa/reviews/{review.pk}/", {"action": "correct", "country": "CA"})
    assert response.status_code == 403
    review.refresh_from_db()
    assert review.status == QAStatus.PENDING
    assert AuditEvent.objects.count() == events


def test_reviewer_page_shows_redacted_text_evidence_and_keyboard_form(
    review: QAReview, manager_user: User
) -> None:
    client = _client(manager_user)
    page = client.get(f"/qa/reviews/{review.pk}/").content.decode()
    assert "[not yet redacted]" in page
    assert "charged twice" not in page
    assert "phone country code +1" in page
    assert "New York" in page
    assert "+1 212 555 0100" not in page  # raw identity only on request
    assert 'accesskey="r"' in page
    assert 'accesskey="s"' in page
    assert "autofocus" in page
    shown = client.get(f"/qa/reviews/{review.pk}/?identity=1").content.decode()
    assert "+1 212 555 0100" in shown
    assert "pat@example.com" in shown
    assert AuditEvent.objects.filter(action="chat.identity_viewed").count() == 1


def test_manager_corrects_through_the_page_and_moves_to_the_next(
    review: QAReview, manager_user: User
) -> None:
    client = _client(manager_user)
    response = client.post(
        f"/qa/reviews/{review.pk}/", {"action": "correct", "country": "us", "region": ""}
    )
    assert response.status_code == 302
    assert "/qa/next/" in response["Location"]
    review.refresh_from_db()
    assert review.status == QAStatus.CORRECTED
    assert Chat.objects.get(pk=review.record.chat_id).country == "US"
    assert client.get(response["Location"]).status_code == 302  # empty queue → list


def test_bad_correction_shows_the_error_and_changes_nothing(
    review: QAReview, manager_user: User
) -> None:
    client = _client(manager_user)
    response = client.post(f"/qa/reviews/{review.pk}/", {"action": "correct", "country": "Q1"})
    assert response.status_code == 200
    assert "ISO 3166-1" in response.content.decode()
    review.refresh_from_db()
    assert review.status == QAStatus.PENDING


def test_queue_page_query_count_is_fixed(
    queued_review: Callable[..., QAReview], manager_user: User, django_assert_num_queries: Any
) -> None:
    for _ in range(3):
        queued_review(country="US", region="")
    client = _client(manager_user)
    client.get("/qa/")
    # session, user, groups, count, page, pending count
    with django_assert_num_queries(6):
        response = client.get("/qa/")
    assert response.status_code == 200
    assert response.content.decode().count("/qa/reviews/") == 3
