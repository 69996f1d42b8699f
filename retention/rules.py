"""Pure retention decisions: no database, so every rule is testable on plain values.

- `hold_scope_clean`: validates a legal hold's scope.
- `approvals_required` / `approvals_counted` (R-DISP-2): how many approvals a batch needs and
  how many of its approvals count (four-eyes).

The file plan's rules (schedule resolution, disposition dates, declaration rules, what a
schedule's action lets a batch do) are in `records.rules`.
"""

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

KEPT_PERMANENTLY = "kept permanently"
HOLD_SCOPE_KEYS = (
    "customer_emails",
    "customer_external_ids",
    "record_ids",
    "started_after",
    "started_before",
    "countries",
    "query",
)
HOLD_SCOPE_LIST_KEYS = ("customer_emails", "customer_external_ids", "record_ids", "countries")


def _string_list(value: Any, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise ValueError(f"scope.{key} must be a list")
    return [str(v).strip() for v in value if str(v).strip()]


def hold_scope_clean(scope: Any) -> dict[str, Any]:
    """A normalised copy of a hold scope; ValueError names the bad key. At least one key."""
    if not isinstance(scope, dict):
        raise ValueError("scope must be an object")
    unknown = set(scope) - set(HOLD_SCOPE_KEYS)
    if unknown:
        raise ValueError(f"unknown scope keys: {', '.join(sorted(unknown))}")
    clean: dict[str, Any] = {}
    for key in HOLD_SCOPE_LIST_KEYS:
        if scope.get(key) not in (None, []):
            values = _string_list(scope[key], key)
            if key == "record_ids":
                try:
                    clean[key] = sorted({int(v) for v in values})
                except ValueError as error:
                    raise ValueError("scope.record_ids must be integers") from error
            elif key == "countries":
                clean[key] = sorted({v.upper() for v in values})
            elif key == "customer_emails":
                clean[key] = sorted({v.lower() for v in values})
            else:
                clean[key] = sorted(set(values))
    for key in ("started_after", "started_before"):
        value = scope.get(key)
        if value in (None, ""):
            continue
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError as error:
            raise ValueError(f"scope.{key} must be an ISO-8601 date-time") from error
        if moment.tzinfo is None:
            raise ValueError(f"scope.{key} needs a UTC offset")
        # Stored in UTC: PostgreSQL refuses offsets beyond ±15:59, which Python accepts.
        try:
            clean[key] = moment.astimezone(UTC).isoformat()
        except OverflowError as error:
            raise ValueError(f"scope.{key} is out of range") from error
    query = scope.get("query")
    if query not in (None, ""):
        if not isinstance(query, str) or len(query.strip()) < 2:
            raise ValueError("scope.query must be text of at least 2 characters")
        clean["query"] = query.strip()
    if not clean:
        raise ValueError("scope needs at least one of: " + ", ".join(HOLD_SCOPE_KEYS))
    return clean


def approvals_required(*, at_proposal: int, in_force: int) -> int:
    """R-DISP-2: the higher of DISPOSAL_REQUIRED_APPROVALS when the batch was proposed and now
    (at approval, at execution): a settings change never loosens a batch, and a raised
    requirement applies to batches already approved. At least one."""
    return max(1, int(at_proposal), int(in_force))


def approvals_counted(
    *, approver_ids: Iterable[Any], proposer_id: Any | None, required: int
) -> int:
    """Distinct approvers that count towards `required`: with two or more required (four-eyes),
    the proposer's own approval never counts."""
    counted = set(approver_ids)
    if required >= 2 and proposer_id is not None:
        counted.discard(proposer_id)
    return len(counted)
