from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from audit.services import audit_event_record
from chats.fields import CHAT_CSV_FIELDS, chat_field_values
from chats.filters import ChatFilter
from chats.models import Chat
from chats.selectors import chat_extras
from core.batching import chunks_read, rows_after
from core.exceptions import ApplicationError
from core.http import acting_user
from core.roles import Role, user_may_see_original_text
from core.views import role_required
from integrations.csv_export import csv_response
from integrations.templatetags.integrations import TRANSCRIPT_SENDERS
from integrations.transcripts import chat_transcript_send, email_masked

ALL_ROLES = tuple(Role)


@require_http_methods(["GET", "POST"])
@role_required(*TRANSCRIPT_SENDERS, write_roles=TRANSCRIPT_SENDERS)
def chat_transcript_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the confirmation (masked address, a Send button); POST: the send itself."""
    if request.method == "GET":
        chat = get_object_or_404(Chat.objects.select_related("customer"), pk=pk)
        email = chat.customer.email if chat.customer else ""
        return render(
            request,
            "integrations/transcript_confirm.html",
            {"chat": chat, "masked_email": email_masked(email)},
        )
    try:
        chat_transcript_send(chat_id=pk, sent_by=acting_user(request))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The transcript was emailed to the customer's address.")
    return redirect("chat-detail", pk=pk)


CHAT_CSV_HEADER = [field.name for field in CHAT_CSV_FIELDS]
CSV_CHUNK_SIZE = 500


def _chat_rows(queryset: QuerySet[Chat], *, show_identity: bool) -> Iterator[list[Any]]:
    """Streams the rows chunk by chunk (constant memory, constant queries per chunk)."""
    chunks = chunks_read(
        claim=lambda after: rows_after(queryset, after, CSV_CHUNK_SIZE), chunk_size=CSV_CHUNK_SIZE
    )
    for chunk in chunks:
        extras = chat_extras([chat.pk for chat in chunk])
        for chat in chunk:
            yield chat_field_values(
                chat, extras[chat.pk], CHAT_CSV_FIELDS, show_identity=show_identity
            )


@role_required(*ALL_ROLES)
def chat_list_csv(request: HttpRequest) -> HttpResponseBase:
    """The chat list with the same filters as /chats/, as CSV (metadata only, no text)."""
    chat_filter = ChatFilter(request.GET, queryset=Chat.objects.all(), request=request)
    if not chat_filter.is_valid():
        return HttpResponse(f"Check the filters: {chat_filter.errors}", status=400)
    # Which filters were used, never their values (an email address is personal data).
    audit_event_record(
        actor=request.user,
        action="chats.exported",
        data={"format": "csv", "filters": sorted(k for k, v in request.GET.items() if v)},
    )
    return csv_response(
        filename="chats.csv",
        header=CHAT_CSV_HEADER,
        rows=_chat_rows(chat_filter.qs, show_identity=user_may_see_original_text(request.user)),
    )
