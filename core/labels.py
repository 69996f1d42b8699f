"""Human labels for the enum values and ids shown on pages: THE one place that maps them.

Explicit entries (LABELS) win; the Django choices named in config/wiring.py are registered at
start-up (`choices_register`), and anything else is shown with its underscores as spaces.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Choices
from django.utils import timezone

LABELS: dict[str, str] = {
    "skipped_held": "skipped: held",
    "skipped_not_due": "skipped: not due",
    "unknown_country": "country unknown",
    "source_system": "source system",
    "*": "all jurisdictions",
    # disposition actions: their choice labels explain too much for a table cell
    "anonymize": "Anonymize",
    "transfer": "Transfer",
    "review": "Review",
    "retain": "Retain permanently",
}
_CHOICE_LABELS: dict[str, str] = {}

SCOPE_LABELS: dict[str, str] = {
    "customer_emails": "customer e-mails",
    "customer_external_ids": "customer ids",
    "record_ids": "records",
    "countries": "countries",
    "started_after": "started on or after",
    "started_before": "started before",
    "query": "words",
}


def choices_register(*choice_classes: type[Choices]) -> None:
    """An app's Django choices, so their values show as their labels on every page."""
    for choices in choice_classes:
        for value, label in choices.choices:
            _CHOICE_LABELS.setdefault(str(value), str(label))


def label_for(value: Any) -> str:
    if value is None or value == "":
        return "—"
    text = str(value)
    if text in LABELS:
        return LABELS[text]
    if text in _CHOICE_LABELS:
        return _CHOICE_LABELS[text]
    return text.replace("_", " ")


def _moment_text(key: str, value: str) -> str:
    try:
        moment = timezone.localtime(datetime.fromisoformat(value))
    except (TypeError, ValueError):
        return f"{SCOPE_LABELS[key]} {value}"
    if moment.time() == datetime.min.time():
        if key == "started_before":  # stored as the next day 00:00: the typed day is included
            return f"started on or before {(moment - timedelta(days=1)):%Y-%m-%d}"
        return f"{SCOPE_LABELS[key]} {moment:%Y-%m-%d}"
    return f"{SCOPE_LABELS[key]} {moment:%Y-%m-%d %H:%M %Z}"


def scope_text(scope: Mapping[str, Any] | None) -> str:
    """A hold scope as a sentence fragment: `countries: CA, US; started on or before …`."""
    parts = []
    for key, value in (scope or {}).items():
        if key in ("started_after", "started_before") and isinstance(value, str):
            parts.append(_moment_text(key, value))
            continue
        label = SCOPE_LABELS.get(key, label_for(key))
        if isinstance(value, Iterable) and not isinstance(value, str):
            value = ", ".join(str(part) for part in value)
        parts.append(f"{label}: {value}")
    return "; ".join(parts) if parts else "—"
