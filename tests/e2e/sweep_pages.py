"""Every page of the product, named from the URL configuration (issue #18): each named route
outside the API, the admin site and OData is either in PAGES, with the addresses the sweep
visits, or in NOT_PAGES with the reason it is not a page. A route in neither fails the sweep,
so a new page cannot be forgotten."""

from collections.abc import Callable, Iterator

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from integrations.reports import REPORTS
from tests.e2e.sweep_data import SweepData

# Served by other parts that have no pages of ours (Django's admin, DRF, Swagger UI, OData).
OUTSIDE_PREFIXES = ("api/", "admin/", "odata/")

Paths = Callable[[SweepData], list[str]]


def _fixed(name: str, *suffixes: str) -> Paths:
    return lambda data: [reverse(name) + suffix for suffix in ("", *suffixes)]


def _of(name: str, pick: Callable[[SweepData], object], *suffixes: str) -> Paths:
    return lambda data: [reverse(name, args=[pick(data)]) + suffix for suffix in ("", *suffixes)]


PAGES: dict[str, Paths] = {
    "home": _fixed("home"),
    "login": _fixed("login"),
    "audit-event-list": _fixed(
        "audit-event-list", "?verify=1", "?action=original&day_from=2020-01-01&sort=-when"
    ),
    "chat-list": _fixed("chat-list", "?country=Canada", "?sort=-country"),
    "chat-detail": lambda data: [
        reverse("chat-detail", args=[data.chat.pk]),
        reverse("chat-detail", args=[data.chat.pk]) + "?original=1",
        reverse("chat-detail", args=[data.destroyed_chat.pk]),
        reverse("chat-detail", args=[999_999]),  # the 404 page
    ],
    "chat-send-transcript": _of("chat-send-transcript", lambda d: d.chat.pk),
    "file-plan": _fixed("file-plan"),
    "schedule-create": _fixed("schedule-create"),
    "schedule-edit": _of("schedule-edit", lambda d: d.schedule.pk),
    "schedule-changes": _fixed("schedule-changes"),
    "record-class-create": _fixed("record-class-create"),
    "record-class-edit": _of("record-class-edit", lambda d: d.record_class.pk),
    "declaration-rule-create": _fixed("declaration-rule-create"),
    "declaration-rule-edit": _of("declaration-rule-edit", lambda d: d.rule.pk),
    "record-list": _fixed("record-list", "?status=disposed"),
    "record-detail": lambda data: [
        reverse("record-detail", args=[data.record.pk]),
        reverse("record-detail", args=[data.destroyed_record.pk]),
    ],
    "legal-hold-list": _fixed("legal-hold-list"),
    "legal-hold-detail": _of("legal-hold-detail", lambda d: d.hold.pk),
    "legal-hold-acknowledge": _of("legal-hold-acknowledge", lambda d: d.custodian_token),
    "disposal-batch-list": _fixed("disposal-batch-list"),
    "disposal-batch-detail": lambda data: [
        reverse("disposal-batch-detail", args=[data.proposed_batch.pk]),
        reverse("disposal-batch-detail", args=[data.completed_batch.pk]),
    ],
    "disposition-policy-list": _fixed("disposition-policy-list"),
    "disposition-policy-edit": _of("disposition-policy-edit", lambda d: d.record_class.pk),
    "disposal-certificate-list": _fixed("disposal-certificate-list"),
    "disposal-certificate-detail": _of("disposal-certificate-detail", lambda d: d.certificate.pk),
    "kb-search": _fixed("kb-search", "?q=refund+not+received", "?q=zzzz"),
    "kb-article-list": _fixed("kb-article-list"),
    "kb-article-create": _fixed("kb-article-create"),
    "kb-article-detail": _of("kb-article-detail", lambda d: d.article.pk),
    "kb-article-edit": _of("kb-article-edit", lambda d: d.article.pk),
    "kb-usage": _fixed("kb-usage"),
    "kb-taxonomy": _fixed("kb-taxonomy"),
    "kb-trends": _fixed("kb-trends"),
    "kb-topics": _fixed("kb-topics"),
    "kb-agents": _fixed("kb-agents"),
    "qa-queue": _fixed("qa-queue"),
    "qa-next": _fixed("qa-next"),
    "qa-review": _of("qa-review", lambda d: d.review.pk),
    "qa-metrics": _fixed("qa-metrics"),
    "subject-request-list": _fixed("subject-request-list"),
    "subject-request-detail": _of("subject-request-detail", lambda d: d.subject_request.pk),
    "report-list": _fixed("report-list"),
    "report-detail": lambda data: [reverse("report-detail", args=[key]) for key in REPORTS],
}

NOT_PAGES: dict[str, str] = {
    "logout": "POST only: the button in every page's header",
    "audit-evidence-download": "a zip file (its form is on the audit log page)",
    "chat-list-csv": "a CSV file (its link is on the chat list)",
    "schedule-change-approve": "POST only: the button on the schedule changes page",
    "kb-article-feedback": "POST only: the form on the article page",
    "kb-chat-tags": "POST only: the tag form on the chat page",
    "kb-topic-rename": "POST only: the form on the topics page",
}


def _walk(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif pattern.name:
            yield prefix + str(pattern.pattern), pattern.name


def page_route_names() -> set[str]:
    """The names of every route of ours that a person could open."""
    return {
        name
        for route, name in _walk(get_resolver().url_patterns)
        if not route.startswith(OUTSIDE_PREFIXES)
    }


def sweep_paths(data: SweepData) -> list[str]:
    return [path for paths in PAGES.values() for path in paths(data)]
