from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0007_h2_retention_schedule_moved_here"),
        ("retention", "0005_review_and_retain_actions"),
    ]

    # State only: records.RetentionSchedule now owns the tables; nothing is dropped.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="retentionschedule",
                    name="record_class",
                ),
                migrations.DeleteModel(
                    name="HistoricalRetentionSchedule",
                ),
                migrations.DeleteModel(
                    name="RetentionSchedule",
                ),
            ],
            database_operations=[],
        ),
    ]
