"""The note django-simple-history writes with the next history row of an instance."""

from typing import Any

from django.db import models

# simple-history's history_change_reason column is a CharField(max_length=100).
CHANGE_REASON_MAX_CHARS = 100


def history_note(instance: models.Model, *, user: Any = None, reason: str | None = None) -> None:
    """Sets who made the change and why, for the history row the next `save()` writes.

    simple-history reads these two attributes from the instance; setting them here keeps the
    attribute names (and the column's length limit) in one place.
    """
    if user is not None:
        setattr(instance, "_history_user", user)  # noqa: B010 - simple-history's protocol
    if reason is not None:
        setattr(instance, "_change_reason", reason.strip()[:CHANGE_REASON_MAX_CHARS])  # noqa: B010
