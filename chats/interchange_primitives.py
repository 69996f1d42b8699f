"""The primitives of the interchange validator (SPEC §3): the error type and the readers of
strings, timestamps and objects, each naming the field it checks. Pure, no database access."""

from datetime import UTC, datetime
from typing import Any

MAX_ID_LENGTH = 255


class InterchangeError(ValueError):
    """A chat line that breaks the format. `field` is a JSON path such as messages[3].sent_at."""

    def __init__(self, reason: str, field: str = "") -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.reason = reason
        self.field = field


def string_field(
    data: dict[str, Any], key: str, path: str, *, required: bool = False, max_length: int = 10_000
) -> str:
    value = data.get(key)
    if value is None:
        if required:
            raise InterchangeError("is required", f"{path}{key}")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InterchangeError(f"must be a string, not {type(value).__name__}", f"{path}{key}")
    text = str(value).strip()
    if required and not text:
        raise InterchangeError("must not be empty", f"{path}{key}")
    if len(text) > max_length:
        raise InterchangeError(f"is longer than {max_length} characters", f"{path}{key}")
    return text


def parse_timestamp(value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        raise InterchangeError("must be an ISO 8601 timestamp string", where)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InterchangeError(f"{value!r} is not an ISO 8601 timestamp", where) from None
    if parsed.tzinfo is None:
        raise InterchangeError(f"{value!r} has no UTC offset (e.g. Z or +00:00)", where)
    # The same instant in UTC: PostgreSQL refuses offsets beyond ±15:59, Python allows ±23:59.
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise InterchangeError(f"{value!r} is out of range", where) from None


def timestamp_field(
    data: dict[str, Any], key: str, path: str, *, required: bool
) -> datetime | None:
    value = data.get(key)
    if value is None:
        if required:
            raise InterchangeError("is required", f"{path}{key}")
        return None
    return parse_timestamp(value, f"{path}{key}")


def object_field(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InterchangeError(f"must be an object, not {type(value).__name__}", where)
    return value
