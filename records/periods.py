"""Calendar periods of the file plan: a moment plus years, months and days (pure, no database).
Re-exported by records.rules, where every retention rule uses them."""

from calendar import monthrange
from datetime import datetime, timedelta


def period_add(moment: datetime, *, years: int, months: int, days: int) -> datetime:
    """`moment + relativedelta(years=, months=, days=)`, computed directly: calendar years and
    months first (the day clamped to the month's length, 29 February + 1 year = 28 February),
    then days as a wall-clock timedelta. relativedelta's construction cost ten times the sum,
    and declare_records computes two of these per record. Raises ValueError or OverflowError
    past year 9999 or before year 1, as relativedelta does."""
    if years or months:
        month_index = moment.month - 1 + months + 12 * years
        year, month = moment.year + month_index // 12, month_index % 12 + 1
        if not 1 <= year <= 9999:
            raise ValueError(f"year {year} is out of range")
        moment = moment.replace(
            year=year, month=month, day=min(moment.day, monthrange(year, month)[1])
        )
    return moment + timedelta(days=days) if days else moment


def period_add_or_none(moment: datetime, *, years: int, months: int, days: int) -> datetime | None:
    """period_add, or None when the date would fall past year 9999 (or before year 1)."""
    try:
        return period_add(moment, years=years, months=months, days=days)
    except (OverflowError, ValueError):
        return None
