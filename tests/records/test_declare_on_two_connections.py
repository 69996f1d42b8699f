"""declare_records on two connections at once (PostgreSQL; SQLite and a caller's transaction
use one): every closed chat gets exactly one record, each id window is declared by one
connection, and a second run finds nothing to do."""

from datetime import UTC, datetime

import pytest
from django.db import transaction

from audit.models import AuditEvent
from chats.models import Chat
from core.db import is_postgresql
from records import declare
from records.models import Record
from records.services import records_declare
from tests.factories import make_chat

NOW = datetime(2026, 11, 23, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_two_connections_declare_every_chat_exactly_once(file_plan: None) -> None:
    chats = [make_chat(external_id=f"par-{n}") for n in range(23)]
    open_chat = make_chat(external_id="still-open", ended_at=None)

    summary = records_declare(now=NOW, chunk_size=4, workers=2)

    assert summary.declared == 23
    assert summary.failed == []
    declared = list(Record.objects.values_list("chat_id", flat=True))
    assert sorted(declared) == sorted(chat.pk for chat in chats)
    assert not Record.objects.filter(chat=open_chat).exists()
    assert Chat.objects.filter(pk__in=declared, locked_at=NOW).count() == 23
    # One audit event per window of 4 closed chats (6 windows), each declared by one connection.
    windows = AuditEvent.objects.filter(action="records.declared")
    assert sum(event.data["chats"] for event in windows) == 23
    firsts = sorted(event.data["first_chat"] for event in windows)
    assert len(firsts) == len(set(firsts))
    assert records_declare(now=NOW, chunk_size=4, workers=2).declared == 0
    assert Record.objects.count() == 23


def test_one_connection_inside_a_callers_transaction_and_on_sqlite(db: None) -> None:
    # pytest-django wraps this test in a transaction: another connection could not see its rows.
    assert declare.declare_workers(2) == 1
    with transaction.atomic():
        assert declare.declare_workers(4) == 1


@pytest.mark.django_db(transaction=True)
def test_requested_connections_are_used_on_postgresql_only() -> None:
    assert declare.declare_workers(2) == (2 if is_postgresql() else 1)
    assert declare.declare_workers(0) == 1
