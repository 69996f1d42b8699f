"""The webhook models now belong to the outbox (outbox 0001): state only, the tables stay."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0004_inbound_event_key"),
        ("outbox", "0001_h1_webhooks_from_integrations"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="WebhookDelivery"),
                migrations.DeleteModel(name="WebhookSubscription"),
            ],
            database_operations=[],
        ),
    ]
