"""The webhook models move from integrations to the outbox: state only, the tables stay."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import outbox.models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("integrations", "0004_inbound_event_key"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="WebhookSubscription",
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
                        ("name", models.CharField(max_length=128)),
                        ("url", models.URLField(max_length=500)),
                        ("events", models.JSONField(default=list)),
                        (
                            "secret",
                            models.CharField(default=outbox.models._new_secret, max_length=128),
                        ),
                        ("is_active", models.BooleanField(default=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "integrations_webhooksubscription",
                        "ordering": ["name", "pk"],
                    },
                ),
                migrations.CreateModel(
                    name="WebhookDelivery",
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
                        (
                            "event",
                            models.CharField(
                                choices=[
                                    ("chat.closed", "chat.closed"),
                                    ("record.declared", "record.declared"),
                                    ("record.disposed", "record.disposed"),
                                    ("dsr.completed", "dsr.completed"),
                                ],
                                max_length=32,
                            ),
                        ),
                        ("event_id", models.UUIDField()),
                        ("body", models.TextField()),
                        (
                            "chat_ref",
                            models.BigIntegerField(blank=True, db_index=True, null=True),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Pending"),
                                    ("retrying", "Retrying"),
                                    ("delivered", "Delivered"),
                                    ("failed", "Failed (gave up)"),
                                ],
                                db_index=True,
                                default="pending",
                                max_length=10,
                            ),
                        ),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        (
                            "last_status_code",
                            models.PositiveSmallIntegerField(blank=True, null=True),
                        ),
                        ("last_error", models.CharField(blank=True, max_length=500)),
                        ("last_attempt_at", models.DateTimeField(blank=True, null=True)),
                        ("next_attempt_at", models.DateTimeField(blank=True, null=True)),
                        ("delivered_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "subscription",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="deliveries",
                                to="outbox.webhooksubscription",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "integrations_webhookdelivery",
                        "ordering": ["-created_at", "-pk"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("subscription", "event_id"),
                                name="webhook_delivery_once_per_event",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
