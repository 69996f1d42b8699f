"""Pure retention decisions: no database, so every rule is testable on plain values.

- `hold_scope_clean`: validates a legal hold's scope.
- `approvals_required` / `approvals_counted` (R-DISP-2): how many approvals a batch needs and
  how many of its approvals count (four-eyes).
- `record_destruction_refusal` / `record_disposal_refusal`: THE rule of "may this record be
  destroyed, and if not why", used by disposal, erasure and destruction alike.

The file plan's rules (schedule resolution, disposition dates, declaration rules, what a
schedule's action lets a batch do) are in `records.rules`.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from records.models import RecordStatus
from records.rules import ACTION_RETAIN, ACTION_REVIEW, record_disposal_action

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


# --- May this record be destroyed now, and if not why? --------------------------------------
# One rule for every destructive path: disposal execution, data-subject erasure and the
# destruction service itself. retention.selectors.records_destruction_facts gathers the facts
# (a few set-based queries for a whole chunk); a path that does not gather one kind of fact
# (the destruction service leaves exclusions and blocks to its callers) leaves it at None.

REFUSAL_NOT_LIVE = "not_live"
REFUSAL_LEGAL_HOLD = "legal_hold"
REFUSAL_HELD = "held"
REFUSAL_EXCLUDED = "excluded_from_disposal"
# What holding refusals have in common: the record is kept because something protects it.
HOLD_REFUSALS = (REFUSAL_LEGAL_HOLD, REFUSAL_HELD)


@dataclass(frozen=True)
class DestructionFacts:
    """What stands between one record and its destruction. `is_held`: held by anything (a legal
    hold or a hold condition of another app); `legal_hold_ids`: the active legal holds, when
    asked; `excluded_until`: a manager's exclusion from disposal (the record's review date);
    `block`: the first destruction block (an unknown country, a pending QA review)."""

    status: str
    is_live: bool
    is_held: bool = False
    legal_hold_ids: tuple[int, ...] = ()
    excluded_until: datetime | None = None
    block: str | None = None


@dataclass(frozen=True)
class Refusal:
    """Why a record may not be destroyed: a stable `reason` code, a readable `detail` and what
    the reader needs beside it (hold ids, the review date)."""

    reason: str
    detail: str
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"reason": self.reason, "detail": self.detail, **self.extra}


def block_reason_code(block: str) -> str:
    """The code of a block's readable reason (`country unknown` → `country_unknown`)."""
    return block.lower().replace(" ", "_")


def record_destruction_refusal(facts: DestructionFacts, *, now: datetime) -> Refusal | None:
    """None when nothing stops the record's destruction as of `now`; otherwise the first reason,
    in this order: not live (a tombstone is final), an active legal hold, another hold (R-HOLD-2),
    a manager's exclusion whose review date has not come, a block. Retention dates are the
    caller's concern (record_disposal_refusal, the erasure's retention obligation)."""
    if not facts.is_live:
        return Refusal(REFUSAL_NOT_LIVE, f"record is {facts.status}")
    if facts.legal_hold_ids:
        return Refusal(
            REFUSAL_LEGAL_HOLD, "under legal hold", {"holds": list(facts.legal_hold_ids)}
        )
    if facts.is_held:
        return Refusal(REFUSAL_HELD, "held (R-HOLD-2 or another hold)")
    if facts.excluded_until is not None and facts.excluded_until > now:
        return Refusal(
            REFUSAL_EXCLUDED,
            f"excluded from disposal by a manager until {facts.excluded_until:%Y-%m-%d}",
            {"review_at": facts.excluded_until.isoformat()},
        )
    if facts.block:
        return Refusal(block_reason_code(facts.block), facts.block)
    return None


class DisposalCandidate(Protocol):
    @property
    def status(self) -> str: ...
    @property
    def schedule_id(self) -> Any: ...
    @property
    def disposition_due(self) -> datetime | None: ...
    @property
    def schedule_action(self) -> str | None: ...
    @property
    def review_decision(self) -> str: ...


def record_disposal_refusal(
    record: DisposalCandidate, *, block: str | None, batch_action: str, now: datetime
) -> str | None:
    """None when a batch of `batch_action` may dispose of the record as of `now`; otherwise why
    not (fail closed): a block first, then the record's own state and disposition. Holds are
    re-checked by the destruction itself, under lock (record_destruction_refusal)."""
    if block:
        return block
    if record.status != RecordStatus.ACTIVE:
        return f"record is {record.status}"
    if record.schedule_action == ACTION_RETAIN:
        return KEPT_PERMANENTLY
    if record.schedule_id is None or record.disposition_due is None:
        return "no retention schedule"
    if record.disposition_due > now:
        return "not due"
    action = record_disposal_action(record.schedule_action, record.review_decision)
    if action is None and record.schedule_action == ACTION_REVIEW:
        return "review: no records manager decided to destroy it"
    if action != batch_action:
        return "disposition action changed"
    return None
