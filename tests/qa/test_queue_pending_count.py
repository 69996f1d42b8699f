"""The queue page's "N reviews pending" counts the pending reviews of live records only: not
the decided ones, not those of records destroyed or anonymised since they were queued (issue
#19 pins it before it is counted from a flag)."""

from collections.abc import Callable
from datetime import UTC, datetime

from django.contrib.auth.models import User
from django.test import Client

from chats.models import Chat
from qa.models import QAReview
from qa.selectors import qa_review_next, qa_reviews_pending
from qa.services import qa_review_confirm
from records.models import Record, RecordStatus
from retention.services.destruction import records_destroy
from tests.conftest import PASSWORD

NOW = datetime(2026, 11, 23, tzinfo=UTC)


def _pending_line(user: User) -> str:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    page = client.get("/qa/").content.decode()
    return page.split("<p>", 1)[1].split("\n", 1)[0]


def test_pending_counts_live_records_only(
    queued_review: Callable[..., QAReview], manager_user: User
) -> None:
    reviews = [queued_review(country="US", region="") for _ in range(5)]
    qa_review_confirm(review=reviews[0], reviewed_by=manager_user, notes="")
    destroyed, anonymised = reviews[1].record_id, reviews[2].record_id
    Chat.objects.filter(record__pk=anonymised).update(redacted_at=NOW)
    records_destroy(record_ids=[destroyed], now=NOW, reason="test")
    records_destroy(record_ids=[anonymised], now=NOW, reason="test", action="anonymize")
    assert set(
        Record.objects.filter(pk__in=[destroyed, anonymised]).values_list("status", flat=True)
    ) == {
        RecordStatus.DISPOSED,
        RecordStatus.ANONYMIZED,
    }

    assert qa_reviews_pending().count() == 2
    assert [r.pk for r in qa_reviews_pending()] == [reviews[3].pk, reviews[4].pk]
    assert _pending_line(manager_user) == "2 reviews pending."
    assert qa_review_next() == reviews[3]
