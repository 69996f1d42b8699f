"""After a job rewrote many rows (declaration's transcript lock, disposal), the rewritten
tables are vacuumed, so their pages are all-visible again and index-only scans stay index-only
(docs/scaling.md §4: agent performance 247 → 75 ms at 10 M). Few rows, a caller's transaction
and SQLite leave it to autovacuum, and never fail the job."""

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import Model
from django.test.utils import CaptureQueriesContext

from chats.models import Chat
from core.db import copy as bulk
from records.file_plan import file_plan_seed
from records.models import Record
from records.services import records_declare
from retention.services.disposal.execution import disposal_batches_execute
from retention.services.disposal.proposal import disposal_batch_approve, disposal_batches_build
from tests.factories import make_chat

NOW = datetime(2026, 11, 23, tzinfo=UTC)


def _vacuums(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("VACUUM")]


def _vacuum_count(model: type[Model]) -> int:
    """How many times PostgreSQL has vacuumed the model's table by hand (0 elsewhere)."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = %s",
            [model._meta.db_table],
        )
        return int(cursor.fetchone()[0])


def _vacuums_expected() -> int:
    return 1 if connection.vendor == "postgresql" else 0


@pytest.mark.django_db(transaction=True)
def test_few_rewritten_rows_are_left_to_autovacuum():
    with CaptureQueriesContext(connection) as queries:
        bulk.tables_vacuum_after_bulk([Chat], bulk.VACUUM_AFTER_ROWS - 1)
    assert _vacuums(queries) == []


@pytest.mark.django_db(transaction=True)
def test_inside_a_callers_transaction_nothing_is_vacuumed_and_nothing_fails():
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        bulk.tables_vacuum_after_bulk([Chat, Record], bulk.VACUUM_AFTER_ROWS * 10)
        # The transaction is still usable: VACUUM was not attempted inside it.
        assert Chat.objects.count() == 0
    assert _vacuums(queries) == []


@pytest.mark.django_db(transaction=True)
def test_many_rewritten_rows_vacuum_those_tables_on_postgresql_only():
    with CaptureQueriesContext(connection) as queries:
        bulk.tables_vacuum_after_bulk([Chat, Record], bulk.VACUUM_AFTER_ROWS)
    expected = (
        ['VACUUM (ANALYZE, SKIP_LOCKED) "chats_chat", "records_record"']
        if connection.vendor == "postgresql"
        else []
    )
    assert _vacuums(queries) == expected


@pytest.mark.django_db(transaction=True)
def test_a_large_declaration_leaves_the_chats_table_vacuumed(monkeypatch):
    file_plan_seed()
    monkeypatch.setattr(bulk, "VACUUM_AFTER_ROWS", 5)
    for n in range(6):
        make_chat(external_id=f"vac-{n}")
    before = _vacuum_count(Chat)

    summary = records_declare(now=NOW, chunk_size=4, workers=1)

    assert summary.declared == 6
    assert Chat.objects.filter(locked_at=NOW).count() == 6
    assert _vacuum_count(Chat) == before + _vacuums_expected()


def _approved_batch_of_due_records(count: int, *, approver: Any) -> None:
    """`count` US chats of January 2018, declared: due at NOW, in batches approved by `approver`."""
    file_plan_seed()
    for n in range(count):
        make_chat(country="US", region="", started_at=f"2018-01-{n + 1:02d}T10:00:00+00:00")
    records_declare(now=NOW)
    for batch in disposal_batches_build(now=NOW):
        disposal_batch_approve(batch=batch, approver=approver)


@pytest.mark.django_db(transaction=True)
def test_a_large_disposal_leaves_chats_and_records_vacuumed(monkeypatch, manager_user):
    _approved_batch_of_due_records(6, approver=manager_user)
    monkeypatch.setattr(bulk, "VACUUM_AFTER_ROWS", 6)
    chats_before, records_before = _vacuum_count(Chat), _vacuum_count(Record)

    summary = disposal_batches_execute(now=NOW, chunk_size=4, workers=1)

    assert summary.counts == {"destroyed": 6}
    assert _vacuum_count(Chat) == chats_before + _vacuums_expected()
    assert _vacuum_count(Record) == records_before + _vacuums_expected()


@pytest.mark.django_db(transaction=True)
def test_a_small_disposal_leaves_the_tables_to_autovacuum(monkeypatch, manager_user):
    _approved_batch_of_due_records(3, approver=manager_user)
    monkeypatch.setattr(bulk, "VACUUM_AFTER_ROWS", 4)
    records_before = _vacuum_count(Record)

    assert disposal_batches_execute(now=NOW, chunk_size=4, workers=1).counts == {"destroyed": 3}
    assert _vacuum_count(Record) == records_before
