"""Pure retention decisions: no database, so every rule is testable on plain values.

- `disposition_due_compute`: trigger moment + period (calendar years and months, then days).
- `schedule_resolve` (R-RET-2): region beats country beats "*"; within the most specific level
  that has a schedule in force, the longest retention wins; unknown country or no schedule
  resolves to nothing, and the caller flags the record (fail closed).
- `declaration_rule_matches` (R-REC-1): the conditions of one declaration rule on a chat summary.
- `hold_scope_clean`: validates a legal hold's scope.
- `approvals_required` / `approvals_counted` (R-DISP-2): how many approvals a batch needs and
  how many of its approvals count (four-eyes).
- `schedule_values_problem`: what is wrong with a schedule's values (None when nothing), so an
  implausible period is refused by name before anything is saved.
- `disposition_due_compute`, `record_disposal_action`, `review_is_due`: the dispositions of
  SPEC §4.2: `retain` has no date and is never disposed; `review` is disposed only after a
  records manager decided "destroy" for the current date.
- `pii_purge_due_longest`: the purge date of a record whose schedule is unknown (R-RET-2, fail
  closed): the latest of every schedule that could apply, none when any of them cannot say.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from dateutil.relativedelta import relativedelta

from records.models import RecordStatus

ANY_JURISDICTION = "*"

ACTION_DESTROY = "destroy"
ACTION_ANONYMIZE = "anonymize"
ACTION_REVIEW = "review"
ACTION_RETAIN = "retain"
ACTION_TRANSFER = "transfer"
SCHEDULE_ACTIONS = (ACTION_DESTROY, ACTION_ANONYMIZE, ACTION_REVIEW, ACTION_RETAIN)
# Actions a disposal batch carries out (records_destroy knows exactly these two).
DISPOSAL_ACTIONS = (ACTION_DESTROY, ACTION_ANONYMIZE)
REVIEW_DECISION_DESTROY = "destroy"
# Longer than any retention law; "keep forever" is the `retain` action, not a huge number.
MAX_RETENTION_YEARS = 1000
MAX_PERIOD_DAYS = MAX_RETENTION_YEARS * 366
JURISDICTION_RE = re.compile(r"^(\*|[A-Z]{2}|[A-Z]{2}-[A-Z0-9]{1,3})$")
TRIGGER_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
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


def period_add_or_none(moment: datetime, *, years: int, months: int, days: int) -> datetime | None:
    """period_add, or None when the date would fall past year 9999 (or before year 1)."""
    try:
        return period_add(moment, years=years, months=months, days=days)
    except (OverflowError, ValueError):
        return None


def _problem_int(values: dict[str, Any], name: str, maximum: int) -> str | None:
    value = values.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        return f"{name} must be a whole number"
    if value < 0:
        return f"{name} cannot be negative"
    if value > maximum:
        return (
            f"{name} {value} is longer than any plausible retention ({MAX_RETENTION_YEARS} "
            "years at most); use action=retain for permanent retention"
        )
    return None


def schedule_values_problem(values: dict[str, Any]) -> tuple[str, str] | None:
    """(field, message) for the first invalid value of a schedule's values, or None."""
    action = values.get("action")
    if action == ACTION_TRANSFER:
        return (
            "action",
            "action=transfer (package, then destroy) is not available yet; use "
            + ", ".join(SCHEDULE_ACTIONS),
        )
    if action not in SCHEDULE_ACTIONS:
        return ("action", f"action must be one of {', '.join(SCHEDULE_ACTIONS)}")
    jurisdiction = values.get("jurisdiction")
    if not isinstance(jurisdiction, str) or not JURISDICTION_RE.match(jurisdiction):
        return (
            "jurisdiction",
            "jurisdiction must be *, an ISO 3166-1 country (CA) or an ISO 3166-2 region (CA-QC)",
        )
    trigger = values.get("trigger")
    if not isinstance(trigger, str) or not TRIGGER_RE.match(trigger):
        return ("trigger", "trigger must be chat_ended or an event name such as account_closed")
    limits = (
        ("retention_years", MAX_RETENTION_YEARS),
        ("retention_months", MAX_RETENTION_YEARS * 12),
        ("retention_days", MAX_PERIOD_DAYS),
        ("pii_period_days", MAX_PERIOD_DAYS),
    )
    for name, maximum in limits:
        message = _problem_int(values, name, maximum)
        if message:
            return (name, message)
    total_days = (
        (values.get("retention_years") or 0) * 365.25
        + (values.get("retention_months") or 0) * 30.44
        + (values.get("retention_days") or 0)
    )
    if total_days > MAX_RETENTION_YEARS * 365.25:
        return (
            "retention_years",
            f"the retention period is longer than {MAX_RETENTION_YEARS} years; "
            "use action=retain for permanent retention",
        )
    start, end = values.get("effective_from"), values.get("effective_to")
    if start is not None and end is not None and end <= start:
        return ("effective_to", "effective_to must be after effective_from")
    return None


def disposition_due_compute(
    trigger_at: datetime,
    *,
    action: str,
    years: int,
    months: int,
    days: int,
    retained_until: datetime | None = None,
) -> datetime | None:
    """The disposition date: none for `retain` (permanent) or past year 9999; never earlier than
    a records manager's review decision to retain until `retained_until`."""
    if action == ACTION_RETAIN:
        return None
    due = period_add_or_none(trigger_at, years=years, months=months, days=days)
    if due is None:
        return None
    if retained_until is not None and retained_until > due:
        return retained_until
    return due


def record_disposal_action(schedule_action: str | None, review_decision: str) -> str | None:
    """What a disposal batch may do to a due record: `destroy`/`anonymize`, or None (never:
    kept permanently, or a review without a "destroy" decision)."""
    if schedule_action in DISPOSAL_ACTIONS:
        return schedule_action
    if schedule_action == ACTION_REVIEW and review_decision == REVIEW_DECISION_DESTROY:
        return ACTION_DESTROY
    return None


def review_is_due(
    schedule_action: str | None,
    disposition_due: datetime | None,
    review_decision: str,
    now: datetime,
) -> bool:
    return (
        schedule_action == ACTION_REVIEW
        and disposition_due is not None
        and disposition_due <= now
        and review_decision != REVIEW_DECISION_DESTROY
    )


def pii_purge_due_longest(candidates: Sequence[datetime | None]) -> datetime | None:
    """The latest purge date of the schedules that could apply; None when there is none or any
    of them has no date (no PII period, trigger not happened): the originals are then kept."""
    if not candidates or any(candidate is None for candidate in candidates):
        return None
    return max(candidate for candidate in candidates if candidate is not None)


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
