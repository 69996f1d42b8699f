from typing import Any

from django import template

from core.labels import label_for, scope_text

register = template.Library()


@register.filter
def human(value: Any) -> str:
    """`skipped_held` → "skipped: held", `*` → "all jurisdictions" (see core.labels)."""
    return label_for(value)


@register.filter
def hold_scope(scope: Any) -> str:
    """A hold scope as readable text, never a Python repr."""
    return scope_text(scope)


@register.filter
def item(mapping: Any, key: Any) -> Any:
    """`{{ by_chat|item:chat.pk }}`: a value of a mapping built for a whole page at once."""
    return mapping.get(key) if hasattr(mapping, "get") else None
