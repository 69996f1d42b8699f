"""Reading records: lists of records and of trigger events. What involves holds, reviews and
disposal (a record's explanation, its history, the `record` chat extra) is read by retention
(`retention.record_selectors`)."""

from django.db.models import QuerySet

from records.models import CustomerEvent, Record


def customer_events_list() -> QuerySet[CustomerEvent]:
    """Trigger events, newest recorded first, withdrawn ones included (they say so)."""
    return CustomerEvent.objects.select_related("recorded_by", "withdrawn_by").order_by(
        "-recorded_at", "-pk"
    )


def records_list() -> QuerySet[Record]:
    return Record.objects.select_related("chat", "record_class", "schedule").order_by("pk")
