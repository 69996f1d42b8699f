"""The navigation bar per role. Each app adds its pages to NAV_ITEMS; the order is the bar's."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from core.roles import GOVERNANCE_ROLES, Role, user_has_role

ALL_ROLES = tuple(Role)
MANAGERS_AND_AUDITORS = GOVERNANCE_ROLES


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: tuple[Role, ...]


NAV_ITEMS: list[NavItem] = [
    NavItem("Search", "kb-search", ALL_ROLES),
    NavItem("Chats", "chat-list", ALL_ROLES),
    NavItem("Articles", "kb-article-list", ALL_ROLES),
    NavItem("Trends", "kb-trends", ALL_ROLES),
    NavItem("Agents", "kb-agents", ALL_ROLES),
    NavItem("Taxonomy", "kb-taxonomy", ALL_ROLES),
    NavItem("KB usage", "kb-usage", MANAGERS_AND_AUDITORS),
    NavItem("Records", "record-list", MANAGERS_AND_AUDITORS),
    NavItem("File plan", "file-plan", MANAGERS_AND_AUDITORS),
    NavItem("Holds", "legal-hold-list", MANAGERS_AND_AUDITORS),
    NavItem("Disposal", "disposal-batch-list", MANAGERS_AND_AUDITORS),
    NavItem("Certificates", "disposal-certificate-list", MANAGERS_AND_AUDITORS),
    NavItem("Audit log", "audit-event-list", MANAGERS_AND_AUDITORS),
    NavItem("Reports", "report-list", MANAGERS_AND_AUDITORS),
    NavItem("QA", "qa-queue", MANAGERS_AND_AUDITORS),
    NavItem("Subject requests", "subject-request-list", MANAGERS_AND_AUDITORS),
]

# The page each role opens first (the first that exists wins).
LANDING_PAGES: dict[Role, tuple[str, ...]] = {
    Role.SUPPORT_STAFF: ("kb-search", "chat-list"),
    Role.RECORDS_MANAGER: ("disposal-batch-list", "record-list", "chat-list"),
    Role.COMPLIANCE_AUDITOR: ("audit-event-list", "record-list", "chat-list"),
}


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def landing_url_for(user: AbstractBaseUser | AnonymousUser) -> str | None:
    for role, names in LANDING_PAGES.items():
        if user_has_role(user, role):
            for name in names:
                url = _url(name)
                if url:
                    return url
    return None


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items: list[dict[str, Any]] = []
    for item in NAV_ITEMS:
        url = _url(item.url_name)
        if url and user_has_role(user, *item.roles):
            items.append({"label": item.label, "url": url, "active": False})
    current = best_match(request.path, [str(entry["url"]) for entry in items])
    for entry in items:
        entry["active"] = entry["url"] == current
    return {"nav_items": items}


def best_match(path: str, urls: list[str]) -> str | None:
    """The longest item URL that prefixes the path: only one item is current at a time."""
    matches = [url for url in urls if url != "/" and path.startswith(url)]
    return max(matches, key=len) if matches else None
