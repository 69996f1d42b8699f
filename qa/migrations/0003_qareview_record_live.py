"""Issue #19: QAReview.record_live (the record is still live), backfilled set-based, and the
partial index of the queue (pending reviews of live records, in the queue's order)."""

from typing import Any

from django.conf import settings
from django.db import migrations, models
from django.db.models import Exists, OuterRef

# records.rules.LIVE_STATUSES as of this migration (a migration does not import app code).
LIVE_STATUSES = ("active", "flagged")


def record_live_backfill(apps: Any, schema_editor: Any) -> None:
    """Two set-based UPDATEs (each one statement, whatever the table's size): the flag of every
    review whose record is not live is cleared, and set again where it is (a re-run changes
    nothing)."""
    review = apps.get_model("qa", "QAReview")
    record = apps.get_model("records", "Record")
    live = Exists(record.objects.filter(pk=OuterRef("record_id"), status__in=LIVE_STATUSES))
    review.objects.filter(~live, record_live=True).update(record_live=False)
    review.objects.filter(live, record_live=False).update(record_live=True)


class Migration(migrations.Migration):
    dependencies = [
        ("qa", "0002_queue_order_index"),
        ("records", "0008_h5_cutoff_vital_schedule_changes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="qareview",
            name="record_live",
            field=models.BooleanField(default=True),
        ),
        migrations.RunPython(record_live_backfill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="qareview",
            index=models.Index(
                models.Case(
                    models.When(reason="unknown_country", then=models.Value(0)),
                    models.When(reason="low_confidence", then=models.Value(1)),
                    default=models.Value(2),
                    output_field=models.IntegerField(),
                ),
                models.F("queued_at"),
                models.F("id"),
                condition=models.Q(("record_live", True), ("status", "pending")),
                name="qa_review_pending_live",
            ),
        ),
    ]
