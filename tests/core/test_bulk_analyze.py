"""After a bulk job, PostgreSQL's statistics of the filled tables are refreshed (once the rows
are committed); small writes and other databases are left to their own statistics."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core.db import copy as bulk
from qa.models import QAReview
from retention.models import DisposalItem


def _analyze_statements(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("ANALYZE")]


@pytest.mark.django_db(transaction=True)
def test_analyze_runs_after_many_rows_on_postgresql_only():
    with CaptureQueriesContext(connection) as queries:
        bulk.tables_analyze_after_bulk([QAReview, DisposalItem], bulk.ANALYZE_AFTER_ROWS)
    expected = (
        ['ANALYZE "qa_qareview", "retention_disposalitem"']
        if connection.vendor == "postgresql"
        else []
    )
    assert _analyze_statements(queries) == expected


@pytest.mark.django_db(transaction=True)
def test_few_rows_leave_statistics_alone():
    with CaptureQueriesContext(connection) as queries:
        bulk.tables_analyze_after_bulk([QAReview], bulk.ANALYZE_AFTER_ROWS - 1)
    assert _analyze_statements(queries) == []


@pytest.mark.django_db(transaction=True)
def test_analyze_waits_for_the_commit():
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        bulk.tables_analyze_after_bulk([QAReview], bulk.ANALYZE_AFTER_ROWS)
        assert _analyze_statements(queries) == []  # not inside the job's transaction
    if connection.vendor == "postgresql":
        assert len(_analyze_statements(queries)) == 1
