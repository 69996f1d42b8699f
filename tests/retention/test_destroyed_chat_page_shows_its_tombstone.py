"""Issue #18: a destroyed chat's page says so and points to its record, tombstone and
certificate; it offers neither the original text, nor tags, nor e-mailing a transcript."""

import pytest

from retention.services.disposal.execution import disposal_batches_execute
from retention.services.disposal.proposal import disposal_batch_approve, disposal_batches_build
from tests.retention.conftest import NOW

pytestmark = pytest.mark.django_db


def test_a_destroyed_chat_offers_nothing_it_no_longer_has(client, due_records, manager_user):
    (record,) = due_records(1)
    for batch in disposal_batches_build(now=NOW):
        disposal_batch_approve(batch=batch, approver=manager_user)
    disposal_batches_execute(now=NOW)
    client.force_login(manager_user)
    page = client.get(f"/chats/{record.chat_id}/").content.decode()
    assert "content was destroyed" in page
    assert f'href="/records/{record.pk}/"' in page
    assert "Show original text" not in page
    assert "Email the transcript" not in page
    assert "No messages." not in page
    record_page = client.get(f"/records/{record.pk}/").content.decode()
    assert "Tombstone" in record_page
    assert "/certificates/" in record_page


def test_a_live_chat_names_its_record_and_keeps_its_actions(client, due_records, manager_user):
    (record,) = due_records(1)
    client.force_login(manager_user)
    page = client.get(f"/chats/{record.chat_id}/").content.decode()
    assert f">Record {record.pk}</a>" in page
    assert "Show original text" in page
