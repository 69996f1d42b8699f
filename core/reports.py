"""The shape every records report has (pages, CSV, the scheduled e-mail): a title, columns and
rows of plain values. Each owning app builds its own reports; integrations shows and sends
them all (it is the one layer that may read every app)."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings


@dataclass(frozen=True)
class ReportPeriod:
    """Days from `first` to `last`, inclusive, in the TIME_ZONE setting."""

    first: date
    last: date

    def bounds(self) -> tuple[datetime, datetime]:
        zone = ZoneInfo(settings.TIME_ZONE)
        return (
            datetime.combine(self.first, time.min, zone),
            datetime.combine(self.last + timedelta(days=1), time.min, zone),
        )

    def label(self) -> str:
        return f"{self.first.isoformat()} to {self.last.isoformat()}"


@dataclass(frozen=True)
class Report:
    """`links[i]`: the page of row i's subject (a record, a hold, a certificate), or None."""

    key: str
    title: str
    description: str
    columns: Sequence[str]
    rows: list[list[Any]]
    links: list[str | None] = field(default_factory=list)
    period: ReportPeriod | None = None

    @property
    def count(self) -> int:
        return len(self.rows)
