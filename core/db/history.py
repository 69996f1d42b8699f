"""The one writer of django-simple-history rows for rows saved by a bulk path.

simple-history writes a history row per `save()`; COPY and bulk_create bypass it, so every bulk
path writes its history rows here: the same rows `bulk_create_with_history` would write, without
building model instances twice.
"""

from collections.abc import Iterable
from typing import Any

from django.db import models

from core.db.copy import rows_insert


def history_model_of(model: type[models.Model]) -> Any:
    """The historical model simple-history attached to `model` (typed access in one place)."""
    return getattr(model, "history").model  # noqa: B009 - added at class creation by simple-history


def history_write(
    model: type[models.Model],
    instances: Iterable[Any],
    *,
    history_type: str = "+",
    reason: str | None = None,
    when: Any,
) -> None:
    """Writes django-simple-history rows for instances saved by a bulk path (COPY/bulk_create).

    The same rows `bulk_create_with_history` would write, without building model instances
    twice: every tracked field of the instance plus the history columns.
    """
    history_model = history_model_of(model)
    tracked = [
        field.attname
        for field in history_model._meta.concrete_fields
        if not field.name.startswith("history_")
    ]
    fields = [*tracked, "history_date", "history_type", "history_change_reason", "history_user_id"]
    rows = (
        [*(getattr(instance, name) for name in tracked), when, history_type, reason, None]
        for instance in instances
    )
    rows_insert(history_model, fields, rows)
