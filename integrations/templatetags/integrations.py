from typing import Any

from django import template

from core.roles import Role, user_has_role

register = template.Library()

TRANSCRIPT_SENDERS = (Role.SUPPORT_STAFF, Role.RECORDS_MANAGER)


@register.filter
def may_send_transcript(user: Any) -> bool:
    """Support staff and records managers may email a customer their transcript."""
    return user_has_role(user, *TRANSCRIPT_SENDERS)


@register.inclusion_tag("integrations/_odata_link.html", takes_context=True)
def odata_link(context: dict[str, Any], entity_set: str) -> dict[str, Any]:
    """The OData feed URL of an entity set, to paste into Excel or Power BI (no script needed:
    the address sits in a read-only field, ready to select and copy)."""
    request = context.get("request")
    path = f"/odata/{entity_set}"
    url = request.build_absolute_uri(path) if request is not None else path
    return {"odata_url": url, "entity_set": entity_set}
