"""Issue #18: a big disposal batch is reviewed from its summary — a summary row's link shows
its items, and every pending item shown is sent back in one step — only if the page still
shows what the reviewer saw; sorting and the filter survive the redirect; focus lands on the
result."""

import pytest
from django.test import Client

from retention.models import DisposalItem, ItemStatus
from retention.services.disposal.proposal import disposal_batches_build
from tests.conftest import PASSWORD
from tests.retention.conftest import NOW

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _send_back(client, batch, **data):
    return client.post(
        f"/disposal/{batch.pk}/",
        {
            "action": "exclude_matching",
            "reason": "audit pending",
            "review_at": "2027-06-01",
            **data,
        },
    )


def test_a_summary_row_links_to_its_items_and_sends_them_all_back(due_records, manager_user):
    records = due_records(3)
    (batch,) = disposal_batches_build(now=NOW)
    client = _client(manager_user)
    page = client.get(f"/disposal/{batch.pk}/").content.decode()
    link = "?record_class=CS-CHAT&amp;country=US&amp;year=2018#items-title"
    assert link in page
    shown = client.get(f"/disposal/{batch.pk}/?record_class=CS-CHAT&country=US&year=2018")
    html = shown.content.decode()
    assert "3 items match the filter, 3 of them pending" in html
    assert "Send back all 3 pending items shown" in html
    response = _send_back(
        client, batch, record_class="CS-CHAT", country="US", year="2018", expected="3", sort="-due"
    )
    assert response.status_code == 302
    # Back to the same filter and order, where the flash has the focus.
    assert "country=US" in response["Location"]
    assert "sort=-due" in response["Location"]
    after = client.get(response["Location"]).content.decode()
    assert "3 records sent back." in after
    assert 'id="messages" tabindex="-1" autofocus' in after
    statuses = set(DisposalItem.objects.filter(batch=batch).values_list("status", flat=True))
    assert statuses == {ItemStatus.EXCLUDED}
    assert {item.record_id for item in DisposalItem.objects.filter(batch=batch)} == {
        r.pk for r in records
    }


def test_a_stale_count_or_no_filter_sends_nothing_back(due_records, manager_user):
    due_records(2)
    (batch,) = disposal_batches_build(now=NOW)
    client = _client(manager_user)
    stale = _send_back(client, batch, country="US", expected="5")
    assert stale.status_code == 302
    assert (
        "The filter now shows 2 pending item(s), not the 5 you saw"
        in client.get(stale["Location"]).content.decode()
    )
    everything = _send_back(client, batch, expected="2")
    assert "needs a filter" in client.get(everything["Location"]).content.decode()
    wrong_country = _send_back(client, batch, country="Narnia", expected="2")
    assert wrong_country.status_code == 302
    assert not DisposalItem.objects.filter(batch=batch).exclude(status=ItemStatus.PENDING).exists()


def test_an_auditor_may_filter_and_sort_but_not_send_back(due_records, auditor_user):
    due_records(2)
    (batch,) = disposal_batches_build(now=NOW)
    client = _client(auditor_user)
    html = client.get(f"/disposal/{batch.pk}/?country=US&sort=-record").content.decode()
    assert "Send back all" not in html
    assert 'aria-sort="descending"' in html
    assert _send_back(client, batch, country="US", expected="2").status_code == 403
    assert not DisposalItem.objects.filter(batch=batch).exclude(status=ItemStatus.PENDING).exists()


def test_a_filter_that_is_no_filter_is_said_not_ignored(due_records, manager_user):
    due_records(1)
    (batch,) = disposal_batches_build(now=NOW)
    html = (
        _client(manager_user)
        .get(f"/disposal/{batch.pk}/?country=Narnia&year=abc&sort=customer__email")
        .content.decode()
    )
    assert "Check the filter" in html
    assert "Narnia" in html
