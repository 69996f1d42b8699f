"""The topics page: topics listed (every role) and renamed (records managers and support staff);
and what was learned to be boilerplate."""

from datetime import timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.exceptions import ApplicationError
from core.http import acting_user
from core.roles import Role, user_has_role
from core.views import role_required
from knowledgebase.models import Topic
from knowledgebase.selectors.topics import boilerplate_learned, topics_with_recent_counts
from knowledgebase.services.topics import topic_rename

RENAMERS = (Role.SUPPORT_STAFF, Role.RECORDS_MANAGER)
RECENT_DAYS = 28


@role_required(*tuple(Role))
def topics_page(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    return render(
        request,
        "knowledgebase/topics.html",
        {
            "rows": topics_with_recent_counts(start=now - timedelta(days=RECENT_DAYS), end=now),
            "recent_days": RECENT_DAYS,
            "may_rename": user_has_role(request.user, *RENAMERS),
            **boilerplate_learned(),
        },
    )


@require_POST
@role_required(*RENAMERS, write_roles=RENAMERS)
def topic_rename_page(request: HttpRequest, pk: int) -> HttpResponse:
    topic = get_object_or_404(Topic, pk=pk)
    try:
        topic_rename(
            topic=topic,
            name=request.POST.get("name", ""),
            user=acting_user(request),
            now=timezone.now(),
        )
    except ApplicationError as error:
        messages.error(request, f"{topic.name}: {error.message}")
    else:
        messages.success(request, f"Topic renamed to “{topic.name}”.")
    return redirect("kb-topics")
