"""Customers stored under their email, phone or name (the old fallback when a source gave no
id, or a source that uses them as ids) get their opaque id instead (chats.identity), in the
customer row and its history rows. Two rows that now share an id are one person of one source:
the chats of the second move to the first.

Chats redacted before tags and survey questions were redacted show their questions numbered
("Question 1") and no tags to readers of the redacted layer, and are marked outdated, so that
`redact_chats --rerun-outdated` redacts them again (not those whose originals are purged: they
keep the numbered questions).
"""

from django.db import migrations
from django.db.models import Exists, OuterRef

CHUNK = 500


def _customer_ids_replace(apps, schema_editor):
    from chats.identity import customer_external_id

    Customer = apps.get_model("chats", "Customer")
    HistoricalCustomer = apps.get_model("chats", "HistoricalCustomer")
    Chat = apps.get_model("chats", "Chat")
    rows = Customer.objects.order_by("pk").values_list(
        "pk", "source", "external_id", "name", "email", "phone"
    )
    for pk, source, external_id, name, email, phone in rows.iterator(chunk_size=CHUNK):
        new = customer_external_id(given=external_id, name=name, email=email, phone=phone)
        if not new or new == external_id:
            continue
        existing = (
            Customer.objects.filter(source=source, external_id=new)
            .exclude(pk=pk)
            .values_list("pk", flat=True)
            .first()
        )
        if existing is not None:
            Chat.objects.filter(customer_id=pk).update(customer_id=existing)
            HistoricalCustomer.objects.filter(id=pk).delete()
            Customer.objects.filter(pk=pk).delete()
            continue
        Customer.objects.filter(pk=pk).update(external_id=new)
        HistoricalCustomer.objects.filter(id=pk).update(external_id=new)


def _redacted_layers_mark(apps, schema_editor):
    Chat = apps.get_model("chats", "Chat")
    Survey = apps.get_model("chats", "Survey")
    Message = apps.get_model("chats", "Message")
    # Until they are redacted again, readers of the redacted layer see numbered questions and
    # no tags (tags_redacted stays null): the old layer left both as written.
    surveys = Survey.objects.filter(answers_redacted__isnull=False).order_by("pk")
    for survey in surveys.iterator(chunk_size=CHUNK):
        if survey.answers_redacted:
            survey.answers_redacted = {
                f"Question {number}": answer
                for number, answer in enumerate(survey.answers_redacted.values(), start=1)
            }
            survey.save(update_fields=["answers_redacted"])
    purged = Message.objects.filter(chat=OuterRef("pk"), original_purged_at__isnull=False)
    Chat.objects.filter(redacted_at__isnull=False).filter(~Exists(purged)).update(
        redaction_version=""
    )


class Migration(migrations.Migration):
    dependencies = [("chats", "0005_tags_redacted")]

    operations = [
        migrations.RunPython(_customer_ids_replace, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(_redacted_layers_mark, migrations.RunPython.noop, elidable=True),
    ]
