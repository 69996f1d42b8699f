"""How an audit event reads on the page: its target as a link with a human label, its data as
"key: value" pairs instead of a raw dict."""

import json
from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()

# target_type → (label, page URL name). URL names only: audit imports no app above it.
TARGET_PAGES: dict[str, tuple[str, str | None]] = {
    "records.record": ("Record", "record-detail"),
    "chats.chat": ("Chat", "chat-detail"),
    "retention.legalhold": ("Legal hold", "legal-hold-detail"),
    "retention.disposalbatch": ("Disposal batch", "disposal-batch-detail"),
    "retention.disposalcertificate": ("Certificate", "disposal-certificate-detail"),
    "privacy.datasubjectrequest": ("Subject request", "subject-request-detail"),
    "qa.qareview": ("QA review", "qa-review"),
    "records.retentionschedule": ("Schedule", None),
    "retention.retentionschedule": ("Schedule", None),
    "knowledgebase.article": ("Article", "kb-article-detail"),
}


@register.simple_tag
def audit_target(target_type: str, target_id: str) -> dict[str, Any]:
    """{"label", "ids": [(id, url or None)]} of an event's target (several ids: "13,193")."""
    label, url_name = TARGET_PAGES.get(target_type, (target_type or "", None))
    ids = []
    for value in filter(None, (target_id or "").split(",")):
        url = None
        if url_name and value.isdigit():
            try:
                url = reverse(url_name, args=[int(value)])
            except NoReverseMatch:
                url = None
        ids.append((value, url))
    return {"label": label, "ids": ids}


@register.filter
def audit_data(data: Any) -> list[tuple[str, str]]:
    """The event's data as (key, value) pairs, values as compact JSON where they are not text."""
    if not isinstance(data, dict):
        return [("", json.dumps(data, ensure_ascii=False))]
    return [
        (str(key), value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
        for key, value in data.items()
    ]
