"""Issue #19: each disposal item keeps its summary group (class, country, chat year), and each
batch its summary rows (DisposalBatchSummary), filled here for the batches that exist."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import ExtractYear
from django.utils import timezone


def groups_fill(apps, schema_editor):
    DisposalItem = apps.get_model("retention", "DisposalItem")
    Record = apps.get_model("records", "Record")
    Summary = apps.get_model("retention", "DisposalBatchSummary")
    record = Record.objects.filter(pk=OuterRef("record_id"))
    DisposalItem.objects.update(
        group_class_id=Subquery(record.values("record_class_id")[:1]),
        group_country=Subquery(record.values("chat__country")[:1]),
        group_year=Subquery(
            record.annotate(
                year=ExtractYear("chat__started_at", tzinfo=timezone.get_default_timezone())
            ).values("year")[:1]
        ),
    )
    fields = ("batch_id", "group_class_id", "group_country", "group_year", "status")
    rows = (
        DisposalItem.objects.order_by()
        .values(*fields)
        .annotate(n=Count("pk"))
        .values_list(*fields, "n")
    )
    Summary.objects.bulk_create(
        [
            Summary(
                batch_id=batch_id,
                record_class_id=class_id,
                country=country,
                year=year,
                status=status,
                items=n,
            )
            for batch_id, class_id, country, year, status, n in rows
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0008_h5_cutoff_vital_schedule_changes"),
        ("retention", "0009_hold_custodians"),
    ]

    operations = [
        migrations.AddField(
            model_name="disposalitem",
            name="group_class",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="records.recordclass",
            ),
        ),
        migrations.AddField(
            model_name="disposalitem",
            name="group_country",
            field=models.CharField(blank=True, max_length=2),
        ),
        migrations.AddField(
            model_name="disposalitem",
            name="group_year",
            field=models.IntegerField(null=True),
        ),
        migrations.CreateModel(
            name="DisposalBatchSummary",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("country", models.CharField(blank=True, max_length=2)),
                ("year", models.IntegerField()),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("excluded", "Excluded by a reviewer"),
                            ("withdrawn", "Withdrawn (retention recomputed)"),
                            ("destroyed", "Destroyed"),
                            ("anonymized", "Anonymized"),
                            ("skipped_held", "Skipped: held at execution"),
                            ("skipped_not_due", "Skipped: not due or not disposable at execution"),
                        ],
                        max_length=16,
                    ),
                ),
                ("items", models.IntegerField(default=0)),
                (
                    "batch",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="summary_rows",
                        to="retention.disposalbatch",
                    ),
                ),
                (
                    "record_class",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="records.recordclass",
                    ),
                ),
            ],
            options={
                "ordering": ["batch_id", "pk"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("batch", "record_class", "country", "year", "status"),
                        name="disposal_summary_row_once",
                    )
                ],
            },
        ),
        migrations.RunPython(groups_fill, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="disposalitem",
            name="group_class",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="records.recordclass",
            ),
        ),
        migrations.AlterField(
            model_name="disposalitem",
            name="group_year",
            field=models.IntegerField(),
        ),
    ]
