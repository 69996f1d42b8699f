from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from audit.services import audit_event_record
from chats.filters import ChatFilter
from chats.models import Chat, ChatCorrection, Message
from chats.selectors import (
    chat_extras,
    chat_internal_notes,
    chat_tags_for,
    chat_with_transcript,
    message_author_for,
    message_transcript_text,
)
from core.pagination import CheapCountPaginator
from core.roles import (
    GOVERNANCE_ROLES,
    Role,
    user_has_role,
    user_may_search_by_identity,
    user_may_see_original_text,
)
from core.sorting import SortColumn, TableSort, sort_headers
from core.views import role_required

ALL_ROLES = tuple(Role)
PAGE_SIZE = 50
# The columns of the chat list a reader may sort by (never a field the page does not show).
CHAT_LIST_SORT = TableSort(
    columns=(
        SortColumn("chat", ("source", "external_id")),
        SortColumn("started", ("started_at",)),
        SortColumn("ended", ("ended_at",)),
        SortColumn("country", ("country", "region")),
    ),
    default="-started",
)
CHAT_LIST_HEADERS = {"chat": "Chat", "started": "Started", "ended": "Ended", "country": "Country"}


@role_required(*ALL_ROLES)
def chat_list(request: HttpRequest) -> HttpResponse:
    sort = CHAT_LIST_SORT.state(request.GET)
    chat_filter = ChatFilter(
        request.GET,
        queryset=Chat.objects.select_related("customer")
        .prefetch_related("agents")
        .order_by(*sort.order_by),
        request=request,
    )
    valid = chat_filter.is_valid()
    # A refused or malformed filter lists nothing: never every chat in its place.
    chats = chat_filter.qs if valid else Chat.objects.none()
    page = CheapCountPaginator(chats, PAGE_SIZE).get_page(request.GET.get("page"))
    extras = chat_extras([chat.pk for chat in page])
    rows = [{"chat": chat, **extras[chat.pk]} for chat in page]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "chats/chat_list.html",
        {
            "filter": chat_filter,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "sort": sort_headers(sort, CHAT_LIST_HEADERS),
            "chat_ids": [chat.pk for chat in page],
            "may_search_by_identity": user_may_search_by_identity(request.user),
        },
        status=200 if valid else 400,
    )


@role_required(*ALL_ROLES)
def chat_detail(request: HttpRequest, pk: int) -> HttpResponse:
    chat = get_object_or_404(chat_with_transcript(Chat.objects.all()), pk=pk)
    may_see_original = user_may_see_original_text(request.user)
    show_original = may_see_original and request.GET.get("original") == "1"
    if show_original:
        audit_event_record(
            actor=request.user, action="chat.original_viewed", target=chat, data={"via": "page"}
        )
    extras = chat_extras([chat.pk])[chat.pk]
    lines = _lines(chat.messages.all(), show_original=show_original)
    governance = user_has_role(request.user, *GOVERNANCE_ROLES)
    # Agents' private notes: never transcript lines; managers and auditors see them apart.
    notes = _lines(chat_internal_notes(chat), show_original=show_original) if governance else []
    return render(
        request,
        "chats/chat_detail.html",
        {
            "chat": chat,
            "lines": lines,
            "internal_notes": notes,
            # later copies of a declared chat that differ: annotations, never edits (SPEC §3)
            "corrections": list(ChatCorrection.objects.filter(chat=chat)) if governance else [],
            "extras": extras,
            "destroyed": (extras.get("record") or {}).get("is_live") is False,
            "perms_governance": governance,
            "may_see_original": may_see_original,
            "show_original": show_original,
            "survey": getattr(chat, "survey", None),
            "tags": chat_tags_for(chat, show_identity=show_original),
        },
    )


def _lines(messages: Iterable[Message], *, show_original: bool) -> list[dict[str, Any]]:
    return [
        {
            "message": message,
            "text": message_transcript_text(message, redacted=not show_original),
            "author": message_author_for(message, show_identity=show_original),
        }
        for message in messages
    ]
