# Issue #13: the audit chain is keyed. Adds the sealed actor id and the key id, then re-seals the
# events of the old, unkeyed scheme under the AUDIT_CHAIN_KEY configured at upgrade time —
# after checking that the old chain verifies (an altered chain is never laundered).

from django.db import migrations, models


def rekey(apps, schema_editor):
    from audit.chain import legacy_chain_rekey

    legacy_chain_rekey(apps.get_model("audit", "AuditEvent"), apps.get_model("audit", "AuditChainHead"))


def back_to_legacy(apps, schema_editor):
    from audit.chain import GENESIS_HASH, legacy_event_hash

    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    previous, events = GENESIS_HASH, list(AuditEvent.objects.order_by("sequence"))
    for event in events:
        event.previous_hash = previous
        event.hash = legacy_event_hash(event)
        previous = event.hash
    AuditEvent.objects.bulk_update(events, ["previous_hash", "hash"], batch_size=5000)
    if events:
        AuditChainHead.objects.filter(singleton=True).update(hash=previous)


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditevent',
            name='actor_pk',
            field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='key_id',
            field=models.CharField(blank=True, default='', max_length=16),
        ),
        migrations.RunPython(rekey, back_to_legacy),
    ]
