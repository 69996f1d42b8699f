from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from audit.models import AuditEvent
from chats.models import Chat
from qa.models import QAReview, QAStatus
from tests.factories import TOKEN_AUTH_QUERIES


@pytest.fixture
def review(queued_review: Callable[..., QAReview]) -> QAReview:
    return queued_review(country="US", region="")


def test_list_for_managers_and_auditors_forbidden_to_support(
    review: QAReview, manager_api: APIClient, auditor_api: APIClient, support_api: APIClient
) -> None:
    for client in (manager_api, auditor_api):
        response = client.get("/api/v1/qa-reviews/", {"status": "pending"})
        assert response.status_code == 200
        assert [row["id"] for row in response.json()["results"]] == [review.pk]
        assert response.json()["results"][0]["original_source"] == "source_system"
    assert support_api.get("/api/v1/qa-reviews/").status_code == 403
    assert support_api.get(f"/api/v1/qa-reviews/{review.pk}/").status_code == 403
    assert support_api.get("/api/v1/qa-reviews/metrics/").status_code == 403
    assert APIClient().get("/api/v1/qa-reviews/").status_code in (401, 403)


def test_list_query_count_does_not_grow_with_rows(
    queued_review: Callable[..., QAReview],
    manager_api: APIClient,
    django_assert_num_queries: Any,
) -> None:
    for _ in range(4):
        queued_review(country="US", region="")
    manager_api.get("/api/v1/qa-reviews/")  # warms the once-a-minute table estimate
    # token auth (user and groups), count, page
    with django_assert_num_queries(TOKEN_AUTH_QUERIES + 2):
        response = manager_api.get("/api/v1/qa-reviews/")
    assert response.json()["count"] == 4


@pytest.mark.parametrize("action", ["confirm", "correct"])
def test_auditor_and_support_cannot_decide_and_nothing_changes(
    review: QAReview, auditor_api: APIClient, support_api: APIClient, action: str
) -> None:
    events = AuditEvent.objects.count()
    for client in (auditor_api, support_api):
        response = client.post(
            f"/api/v1/qa-reviews/{review.pk}/{action}/", {"country": "CA", "region": ""}
        )
        assert response.status_code == 403
    review.refresh_from_db()
    assert review.status == QAStatus.PENDING
    assert Chat.objects.get(pk=review.record.chat_id).country == "US"
    assert AuditEvent.objects.count() == events


def test_correct_us_to_ca_moves_disposition_from_5_to_6_years_with_history_and_audit(
    review: QAReview, manager_api: APIClient
) -> None:
    record = review.record
    ended = record.chat.ended_at
    assert ended is not None
    assert record.disposition_due is not None
    assert record.disposition_due.year == ended.year + 5

    response = manager_api.post(
        f"/api/v1/qa-reviews/{review.pk}/correct/", {"country": "CA", "region": "CA-ON"}
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["country"], body["country_source"]) == (
        "corrected",
        "CA",
        "qa_verified",
    )
    detail = manager_api.get(f"/api/v1/records/{record.pk}/").json()
    assert detail["disposition_due"].startswith(str(ended.year + 6))
    history = manager_api.get(f"/api/v1/records/{record.pk}/history/").json()["results"]
    assert any(row["type"] == "record.country_corrected" for row in history)
    changes = [row for row in history if row["kind"] == "change"]
    assert str(changes[-1]["disposition_due"]).startswith(str(ended.year + 6))
    assert str(changes[0]["disposition_due"]).startswith(str(ended.year + 5))
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"record.country_corrected", "qa.review_corrected"} <= actions


def test_correct_with_a_bad_code_is_a_400_and_changes_nothing(
    review: QAReview, manager_api: APIClient
) -> None:
    response = manager_api.post(f"/api/v1/qa-reviews/{review.pk}/correct/", {"country": "XX1"})
    assert response.status_code == 400
    response = manager_api.post(
        f"/api/v1/qa-reviews/{review.pk}/correct/", {"country": "CA", "region": "US-NY"}
    )
    assert response.status_code == 400
    assert "message" in response.json()
    review.refresh_from_db()
    assert review.status == QAStatus.PENDING


def test_confirm_then_metrics(
    review: QAReview, manager_api: APIClient, auditor_api: APIClient
) -> None:
    response = manager_api.post(f"/api/v1/qa-reviews/{review.pk}/confirm/", {})
    assert response.status_code == 200
    assert response.json()["status"] == "confirmed"
    assert manager_api.post(f"/api/v1/qa-reviews/{review.pk}/confirm/", {}).status_code == 409
    metrics = auditor_api.get("/api/v1/qa-reviews/metrics/").json()
    assert metrics["by_source"] == [
        {"source": "source_system", "reviewed": 1, "corrected": 0, "error_rate": 0.0}
    ]
    assert metrics["backlog"]["size"] == 0
