"""Two workers execute one batch at once (PostgreSQL; SQLite runs the same batch serially):
every record is destroyed exactly once, a held one survives, and a customer whose chats were
split between the workers' chunks is still released."""

import pytest

from chats.models import Chat, Customer, Message
from records.models import Record
from records.services import records_declare
from retention.models import DisposalCertificate, DisposalItem, Tombstone
from retention.services.disposal.execution import disposal_batches_execute
from retention.services.disposal.proposal import disposal_batch_approve, disposal_batches_build
from retention.services.holds import legal_hold_place
from tests.factories import make_chat
from tests.retention.conftest import NOW


@pytest.mark.django_db(transaction=True)
def test_two_workers_destroy_each_record_once_and_release_shared_customers(file_plan, manager_user):
    # 24 due chats; every 3 in a row share a customer, so with chunks of 2 records the two
    # workers' transactions unlink chats of one customer at the same time.
    chats = [
        make_chat(
            country="US",
            region="",
            started_at=f"2018-01-{n % 28 + 1:02d}T10:00:00+00:00",
            customer={"external_id": f"shared-{n // 3}", "name": "Ana Silva"},
        )
        for n in range(24)
    ]
    records_declare(now=NOW)
    held = Record.objects.get(chat=chats[4])
    legal_hold_place(
        matter="m", reason="r", scope={"record_ids": [held.pk]}, issued_by=manager_user
    )
    for batch in disposal_batches_build(now=NOW):
        disposal_batch_approve(batch=batch, approver=manager_user)

    summary = disposal_batches_execute(now=NOW, chunk_size=2, workers=2)

    assert summary.counts == {"destroyed": 23}
    destroyed = Record.objects.filter(chat__in=chats, status="disposed")
    assert destroyed.count() == 23
    assert Tombstone.objects.count() == 23
    assert set(Tombstone.objects.values_list("record_id_value", flat=True)) == set(
        destroyed.values_list("pk", flat=True)
    )
    assert not Message.objects.filter(chat__record__status="disposed").exists()
    assert not DisposalItem.objects.filter(status="pending").exists()
    certificate = DisposalCertificate.objects.get()
    assert certificate.payload["counts"] == {"destroyed": 23}
    # The held record is intact and still names its customer; every other customer is gone.
    held.refresh_from_db()
    assert held.status == "active"
    assert Message.objects.filter(chat_id=held.chat_id).count() == 3
    held_customer = Chat.objects.get(pk=held.chat_id).customer
    assert held_customer is not None
    assert list(Customer.objects.values_list("external_id", flat=True)) == [
        held_customer.external_id
    ]
    assert Customer.history.exclude(id=held_customer.pk).count() == 0
    # A second run finds nothing left to do.
    assert disposal_batches_execute(now=NOW, chunk_size=2, workers=2).counts == {}
    assert Tombstone.objects.count() == 23
