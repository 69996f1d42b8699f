"""The migration that adds DisposalBatchSummary (issue #19) fills the items' groups and the
summary rows of the batches that exist, so their pages show the numbers they showed before."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from records.file_plan import file_plan_seed
from records.models import Record
from records.services import records_declare
from tests.factories import make_chat
from tests.retention.conftest import NOW
from tests.retention.test_disposal_batch_summary_stays_exact import assert_summaries_exact

BEFORE = [("retention", "0009_hold_custodians")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def _latest_schema_after():
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_latest_schema_after")
def test_existing_batches_get_their_summary_rows() -> None:
    file_plan_seed()
    for year, country in [(2016, "US"), (2017, "US"), (2017, "CA"), (2017, "")]:
        make_chat(country=country, region="", started_at=f"{year}-02-01T10:00:00+00:00")
    records_declare(now=NOW)
    records = list(Record.objects.order_by("pk"))
    old = _migrate(BEFORE)
    Batch = old.get_model("retention", "DisposalBatch")
    Item = old.get_model("retention", "DisposalItem")
    batches = [
        Batch.objects.create(
            record_class_id=records[0].record_class_id,
            jurisdiction="US",
            action="destroy",
            proposed_at=NOW,
        )
        for _ in range(2)
    ]
    statuses = ["pending", "excluded", "destroyed", "pending"]
    for record, status in zip(records, statuses, strict=True):
        Item.objects.create(batch=batches[0], record_id=record.pk, status=status)
    Item.objects.create(batch=batches[1], record_id=records[0].pk, status="withdrawn")
    _migrate([("retention", "0010_h26b_disposal_batch_summary")])
    assert_summaries_exact()
