"""Issue #18: the chat list has topic, agent and status columns and links each chat to its
record and batch; the chat page shows its record, status, holds and batch (links for those who
may open them, text for support staff); the country box takes a name; tables sort by their own
columns only."""

import re

import pytest
from django.test import Client

from retention.models import DisposalBatch, LegalHold
from retention.services.disposal.execution import disposal_batches_execute
from retention.services.disposal.proposal import disposal_batch_approve, disposal_batches_build
from retention.services.holds import legal_hold_place
from tests.conftest import PASSWORD
from tests.retention.conftest import NOW

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _rows(html: str) -> list[str]:
    body = html.split('<table id="chats">', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


def test_the_chat_list_links_each_chat_to_its_record_and_batch(
    due_records, manager_user, support_user
):
    records = due_records(2)
    (batch,) = disposal_batches_build(now=NOW)
    html = _client(manager_user).get("/chats/").content.decode()
    for heading in ("Topic", "Agent", "Status", "Record and batch"):
        assert f'<th scope="col">{heading}</th>' in html
    for record in records:
        assert f'href="/records/{record.pk}/">Record {record.pk}</a>' in html
    assert f'href="/disposal/{batch.pk}/">batch {batch.pk}</a>' in html
    assert "Priya" in html  # the agent
    assert "Active (retained)" in html
    # Support staff read the same facts, but get no link to pages they may not open.
    support_html = _client(support_user).get("/chats/").content.decode()
    assert f"Record {records[0].pk}" in support_html
    assert 'href="/records/' not in support_html
    assert 'href="/disposal/' not in support_html


def test_the_chat_page_shows_record_status_holds_batch_and_certificate(
    due_records, manager_user, support_user
):
    held, destroyed = due_records(2)
    hold = legal_hold_place(
        matter="Case", reason="r", scope={"record_ids": [held.pk]}, issued_by=manager_user, now=NOW
    )
    for batch in disposal_batches_build(now=NOW):
        disposal_batch_approve(batch=batch, approver=manager_user)
    disposal_batches_execute(now=NOW)
    batch = DisposalBatch.objects.get()
    client = _client(manager_user)
    held_page = client.get(f"/chats/{held.chat_id}/").content.decode()
    assert f'href="/holds/{hold.pk}/">hold {hold.pk}</a>' in held_page
    assert "not proposed yet" in held_page  # a held record is never proposed
    gone_page = client.get(f"/chats/{destroyed.chat_id}/").content.decode()
    assert "content was destroyed" in gone_page
    assert f'href="/disposal/{batch.pk}/">Batch {batch.pk}</a>' in gone_page
    assert f'href="/certificates/{batch.certificate.pk}/"' in gone_page
    assert "Disposed" in gone_page
    support_page = _client(support_user).get(f"/chats/{destroyed.chat_id}/").content.decode()
    assert f"Batch {batch.pk}" in support_page
    assert 'href="/disposal/' not in support_page
    assert LegalHold.objects.count() == 1


def test_the_country_box_takes_a_name_and_refuses_what_is_no_country(declared_chat, manager_user):
    canadian = declared_chat(country="CA", region="CA-ON")
    declared_chat(country="US", region="")
    client = _client(manager_user)
    by_name = client.get("/chats/?country=Canada")
    assert by_name.status_code == 200
    assert len(_rows(by_name.content.decode())) == 1
    assert canadian.external_id in by_name.content.decode()
    refused = client.get("/chats/?country=Canadia")
    assert refused.status_code == 400
    assert "“Canadia” is not a country" in refused.content.decode()
    assert canadian.external_id not in refused.content.decode()  # never every chat instead
    assert client.get("/records/?country=canada").status_code == 200
    assert client.get("/records/?country=Narnia").status_code == 400


def test_the_chat_list_sorts_by_its_columns_only(declared_chat, manager_user):
    first = declared_chat(country="US", region="", started_at="2025-01-01T10:00:00+00:00")
    second = declared_chat(country="CA", region="CA-ON", started_at="2025-02-01T10:00:00+00:00")
    client = _client(manager_user)

    def order(query: str) -> list[bool]:
        html = client.get(f"/chats/{query}").content.decode()
        return [first.external_id in row for row in _rows(html)]

    assert order("") == [False, True]  # newest first by default
    assert order("?sort=country") == [False, True]  # CA before US
    assert order("?sort=-country") == [True, False]
    # A field the table does not show is never an order (nor a 500): the default applies.
    assert order("?sort=customer__email") == [False, True]
    html = client.get("/chats/?sort=-country").content.decode()
    assert 'aria-sort="descending"' in html
    assert 'href="?sort=country"' in html
    assert second.pk
