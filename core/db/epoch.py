"""Timestamps as integer microseconds since the Unix epoch, for digests over many rows.

Loading a timestamptz through Django's time-zone-aware loader costs about 10 µs a value: more
than everything else a content digest does for a message. PostgreSQL computes the integer
itself; other databases return the datetime, which `epoch_microseconds` converts to the same
integer, so a digest is the same on every backend.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import models

from core.db.dialect import is_postgresql

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class _EpochMicroseconds(models.Func):
    template = "(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint"
    output_field = models.BigIntegerField()


def epoch_microseconds_of(field: str) -> Any:
    """An expression selecting `field` as epoch microseconds (PostgreSQL) or as the datetime
    (elsewhere); pass each value read through `epoch_microseconds`."""
    return _EpochMicroseconds(field) if is_postgresql() else models.F(field)


def epoch_microseconds(value: int | datetime) -> int:
    """The integer a value selected with `epoch_microseconds_of` stands for."""
    if isinstance(value, int):
        return value
    return (value - EPOCH) // timedelta(microseconds=1)
