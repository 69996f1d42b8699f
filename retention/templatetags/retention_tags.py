"""The record side of the chat pages (issue #18), from retention for the chats app's templates:
`{% chat_record_panel chat %}` on the chat page (record, status, holds, batch, certificate) and
`{% chat_record_summaries_for chat_ids as records %}` … `{{ records|item:chat.pk }}` on the
chat list (one set of queries for the page). Links go to governance pages only for the roles
that may open them; support staff read the same facts as text."""

from typing import Any

from django import template

from core.roles import GOVERNANCE_ROLES, user_has_role
from retention.chat_panel import ChatRecordSummary, chat_record_summaries

register = template.Library()


def _may_follow(context: Any) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    return user is not None and user_has_role(user, *GOVERNANCE_ROLES)


@register.inclusion_tag("retention/_chat_record_panel.html", takes_context=True)
def chat_record_panel(context: Any, chat: Any) -> dict[str, Any]:
    return {
        "summary": chat_record_summaries([chat.pk]).get(chat.pk),
        "may_follow": _may_follow(context),
    }


@register.simple_tag(takes_context=True)
def chat_record_summaries_for(context: Any, chat_ids: list[int]) -> dict[int, ChatRecordSummary]:
    context["may_follow_records"] = _may_follow(context)
    return chat_record_summaries(list(chat_ids))
