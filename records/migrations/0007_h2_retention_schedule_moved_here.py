import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0006_review_decisions"),
        ("retention", "0005_review_and_retain_actions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # State only: the model moved from retention to records; its tables keep their names
    # (retention_retentionschedule, retention_historicalretentionschedule) and the foreign keys
    # of records.Record already point at them.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="HistoricalRetentionSchedule",
                    fields=[
                        (
                            "id",
                            models.BigIntegerField(
                                auto_created=True, blank=True, db_index=True, verbose_name="ID"
                            ),
                        ),
                        ("jurisdiction", models.CharField(default="*", max_length=6)),
                        ("retention_years", models.PositiveIntegerField(default=0)),
                        ("retention_months", models.PositiveIntegerField(default=0)),
                        ("retention_days", models.PositiveIntegerField(default=0)),
                        ("trigger", models.CharField(default="chat_ended", max_length=64)),
                        ("pii_period_days", models.PositiveIntegerField(blank=True, null=True)),
                        (
                            "action",
                            models.CharField(
                                choices=[
                                    ("destroy", "Destroy"),
                                    ("anonymize", "Anonymize (keep redacted text as knowledge)"),
                                    (
                                        "review",
                                        "Review (a records manager decides at the due date)",
                                    ),
                                    ("retain", "Retain permanently (never proposed for disposal)"),
                                ],
                                default="destroy",
                                max_length=10,
                            ),
                        ),
                        ("citation", models.TextField(blank=True)),
                        ("effective_from", models.DateTimeField(blank=True, null=True)),
                        ("effective_to", models.DateTimeField(blank=True, null=True)),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField(db_index=True)),
                        ("history_change_reason", models.CharField(max_length=100, null=True)),
                        (
                            "history_type",
                            models.CharField(
                                choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")],
                                max_length=1,
                            ),
                        ),
                        (
                            "history_user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "record_class",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="records.recordclass",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "historical retention schedule",
                        "verbose_name_plural": "historical retention schedules",
                        "db_table": "retention_historicalretentionschedule",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="RetentionSchedule",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("jurisdiction", models.CharField(default="*", max_length=6)),
                        ("retention_years", models.PositiveIntegerField(default=0)),
                        ("retention_months", models.PositiveIntegerField(default=0)),
                        ("retention_days", models.PositiveIntegerField(default=0)),
                        ("trigger", models.CharField(default="chat_ended", max_length=64)),
                        ("pii_period_days", models.PositiveIntegerField(blank=True, null=True)),
                        (
                            "action",
                            models.CharField(
                                choices=[
                                    ("destroy", "Destroy"),
                                    ("anonymize", "Anonymize (keep redacted text as knowledge)"),
                                    (
                                        "review",
                                        "Review (a records manager decides at the due date)",
                                    ),
                                    ("retain", "Retain permanently (never proposed for disposal)"),
                                ],
                                default="destroy",
                                max_length=10,
                            ),
                        ),
                        ("citation", models.TextField(blank=True)),
                        ("effective_from", models.DateTimeField(blank=True, null=True)),
                        ("effective_to", models.DateTimeField(blank=True, null=True)),
                        (
                            "record_class",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="schedules",
                                to="records.recordclass",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "retention_retentionschedule",
                        "ordering": ["record_class__code", "jurisdiction", "pk"],
                    },
                ),
                migrations.AlterField(
                    model_name="historicalrecord",
                    name="schedule",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="records.retentionschedule",
                    ),
                ),
                migrations.AlterField(
                    model_name="record",
                    name="schedule",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="records",
                        to="records.retentionschedule",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
