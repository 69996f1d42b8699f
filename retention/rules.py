"""Pure retention decisions: no database, so every rule is testable on plain values.

- `disposition_due_compute`: trigger moment + period (calendar years and months, then days).
- `schedule_resolve` (R-RET-2): region beats country beats "*"; within the most specific level
  that has a schedule in force, the longest retention wins; unknown country or no schedule
  resolves to nothing, and the caller flags the record (fail closed).
- `declaration_rule_matches` (R-REC-1): the conditions of one declaration rule on a chat summary.
- `hold_scope_clean`: validates a legal hold's scope.
- `approvals_required` / `approvals_counted` (R-DISP-2): how many approvals a batch needs and
  how many of its approvals count (four-eyes).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from dateutil.relativedelta import relativedelta

ANY_JURISDICTION = "*"
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


class ScheduleLike(Protocol):
    pk: Any
    jurisdiction: str
    retention_years: int
    retention_months: int
    retention_days: int
    effective_from: datetime | None
    effective_to: datetime | None


def period_add(moment: datetime, *, years: int, months: int, days: int) -> datetime:
    return moment + relativedelta(years=years, months=months, days=days)


def schedule_in_force(schedule: ScheduleLike, at: datetime) -> bool:
    if schedule.effective_from is not None and at < schedule.effective_from:
        return False
    return not (schedule.effective_to is not None and at >= schedule.effective_to)


def _retention_length(schedule: ScheduleLike, base: datetime) -> datetime:
    return period_add(
        base,
        years=schedule.retention_years,
        months=schedule.retention_months,
        days=schedule.retention_days,
    )


@dataclass(frozen=True)
class Resolution:
    schedule: Any | None
    reason: str  # why this schedule, or why none (shown in the record's explanation)
    candidates: tuple[Any, ...] = field(default=())


def schedule_resolve(
    schedules: Iterable[ScheduleLike], *, country: str, region: str, at: datetime
) -> Resolution:
    """Picks the schedule for a record of one class. `schedules` are that class's schedules."""
    if not country:
        return Resolution(None, "country unknown: waiting for QA, never disposed")
    in_force = [s for s in schedules if schedule_in_force(s, at)]
    levels = [(region, "region"), (country, "country"), (ANY_JURISDICTION, "default (*)")]
    for jurisdiction, label in levels:
        if not jurisdiction:
            continue
        matching = [s for s in in_force if s.jurisdiction.upper() == jurisdiction.upper()]
        if matching:
            # Longest retention wins; compared on a fixed base so months and days are comparable.
            best = max(matching, key=lambda s: (_retention_length(s, at), -int(s.pk or 0)))
            reason = f"{label} schedule for {jurisdiction}"
            if len(matching) > 1:
                reason += f" (longest of {len(matching)} in force)"
            return Resolution(best, reason, tuple(matching))
    return Resolution(None, f"no retention schedule in force for {region or country}: flagged")


@dataclass(frozen=True)
class ChatSummary:
    """What declaration rules look at, computed once per chat."""

    source: str
    country: str
    customer_messages: int
    agent_messages: int
    tags: frozenset[str]
    text: str  # lower-cased transcript and survey comment, for keyword conditions


class RuleLike(Protocol):
    min_customer_messages: int | None
    max_customer_messages: int | None
    agent_participation: str
    sources: list[str]
    countries: list[str]
    keywords: list[str]
    tags: list[str]


def declaration_rule_matches(rule: RuleLike, chat: ChatSummary) -> bool:
    if rule.min_customer_messages is not None and (
        chat.customer_messages < rule.min_customer_messages
    ):
        return False
    if rule.max_customer_messages is not None and (
        chat.customer_messages > rule.max_customer_messages
    ):
        return False
    if rule.agent_participation == "required" and chat.agent_messages == 0:
        return False
    if rule.agent_participation == "absent" and chat.agent_messages > 0:
        return False
    if rule.sources and chat.source not in rule.sources:
        return False
    if rule.countries and chat.country.upper() not in {c.upper() for c in rule.countries}:
        return False
    if rule.keywords or rule.tags:
        wanted_tags = {t.lower() for t in rule.tags}
        if not (wanted_tags & chat.tags) and not any(
            keyword.lower() in chat.text for keyword in rule.keywords
        ):
            return False
    return True


def declaration_rule_first(rules: Sequence[Any], chat: ChatSummary) -> Any | None:
    for rule in rules:
        if declaration_rule_matches(rule, chat):
            return rule
    return None


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
