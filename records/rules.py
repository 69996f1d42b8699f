"""Pure rules of the Record and the file plan: no database, so every rule is testable on plain
values.

- "live" (`LIVE_STATUSES`, `record_status_is_live`, `records_live_q`): a live record still
  carries its chat's content (active, or flagged for want of a disposition); a disposed or
  anonymized one is a tombstone of what was. Holds, QA, disposal, purge and erasure all ask this
  module, never spell the statuses out again.
- `disposition_due_compute`: trigger moment + period (calendar years and months, then days).
- `schedule_resolve` (R-RET-2): region beats country beats "*"; within the most specific level
  that has a schedule in force, the longest retention wins; unknown country or no schedule
  resolves to nothing, and the caller flags the record (fail closed).
- `declaration_rule_matches` (R-REC-1): the conditions of one declaration rule on a chat summary.
- `schedule_values_problem`: what is wrong with a schedule's values (None when nothing), so an
  implausible period is refused by name before anything is saved.
- `disposition_due_compute`, `record_disposal_action`, `review_is_due`: the dispositions of
  SPEC §4.2: `retain` has no date and is never disposed; `review` is disposed only after a
  records manager decided "destroy" for the current date.
- `cutoff_moment`, `fiscal_year_start_parse`, `retention_steps` (SPEC §4.2): where the
  retention period starts (the trigger, or the 1 January / fiscal-year start strictly after it,
  in the retention time zone) and the explanation's steps "ended … → cutoff … → +6 years → …".
  The PII period counts from the trigger itself, never from the cutoff.
- `schedule_change_shortens`: which fields of a schedule change would shorten a retention or
  PII period (such a change waits for a second records manager, SPEC §4.1).
- `pii_purge_due_longest`: the purge date of a record whose schedule is unknown (R-RET-2, fail
  closed): the latest of every schedule that could apply, none when any of them cannot say.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Protocol

from django.db.models import Q

from records.models import ANY_JURISDICTION, RecordStatus
from records.periods import period_add, period_add_or_none

LIVE_STATUSES: tuple[str, ...] = (RecordStatus.ACTIVE, RecordStatus.FLAGGED)


def record_status_is_live(status: str) -> bool:
    return status in LIVE_STATUSES


def records_live_q(*, prefix: str = "") -> Q:
    """A Q true for live records; `prefix` reaches the record through a relation
    (`prefix="record__"` over Chat)."""
    return Q(**{f"{prefix}status__in": LIVE_STATUSES})


ACTION_DESTROY = "destroy"
ACTION_ANONYMIZE = "anonymize"
ACTION_REVIEW = "review"
ACTION_RETAIN = "retain"
ACTION_TRANSFER = "transfer"
SCHEDULE_ACTIONS = (
    ACTION_DESTROY,
    ACTION_ANONYMIZE,
    ACTION_TRANSFER,
    ACTION_REVIEW,
    ACTION_RETAIN,
)
# Actions a disposal batch carries out (`transfer`: package, validate, then destroy).
DISPOSAL_ACTIONS = (ACTION_DESTROY, ACTION_ANONYMIZE, ACTION_TRANSFER)
CUTOFF_NONE = "none"
CUTOFF_CALENDAR_YEAR = "calendar_year"
CUTOFF_FISCAL_YEAR = "fiscal_year"
CUTOFFS = (CUTOFF_NONE, CUTOFF_CALENDAR_YEAR, CUTOFF_FISCAL_YEAR)
FISCAL_YEAR_START_RE = re.compile(r"^(\d{2})-(\d{2})$")
REVIEW_DECISION_DESTROY = "destroy"
# Longer than any retention law; "keep forever" is the `retain` action, not a huge number.
MAX_RETENTION_YEARS = 1000
MAX_PERIOD_DAYS = MAX_RETENTION_YEARS * 366
JURISDICTION_RE = re.compile(r"^(\*|[A-Z]{2}|[A-Z]{2}-[A-Z0-9]{1,3})$")
TRIGGER_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class ScheduleLike(Protocol):
    pk: Any
    jurisdiction: str
    retention_years: int
    retention_months: int
    retention_days: int
    effective_from: datetime | None
    effective_to: datetime | None


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
    if values.get("cutoff", CUTOFF_NONE) not in CUTOFFS:
        return ("cutoff", f"cutoff must be one of {', '.join(CUTOFFS)}")
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


def fiscal_year_start_parse(text: str) -> tuple[int, int]:
    """(month, day) of FISCAL_YEAR_START "MM-DD"; ValueError naming the setting otherwise. A
    day that some years lack (02-29) is refused: the fiscal year must start every year."""
    found = FISCAL_YEAR_START_RE.match(str(text).strip())
    if found is not None:
        month, day = int(found.group(1)), int(found.group(2))
        try:
            date(2023, month, day)  # a common year: 02-29 does not exist in it
        except ValueError:
            pass
        else:
            return month, day
    raise ValueError(
        f"FISCAL_YEAR_START={text!r} is not a day of every year written MM-DD (e.g. 04-01)"
    )


def cutoff_moment(
    trigger_at: datetime, cutoff: str, *, zone: tzinfo, fiscal_start: tuple[int, int] = (1, 1)
) -> datetime:
    """Where the retention period starts (SPEC §4.2). `none`: the trigger itself. A year cutoff:
    midnight in `zone` of the first 1 January (`calendar_year`) or fiscal-year start
    (`fiscal_year`) strictly AFTER the trigger, the trigger's year being read in `zone`: 23:40
    local on 31 December is that year (cutoff the next day), and a trigger at 00:00 on 1 January
    belongs to the year it opens (cutoff one year later)."""
    if cutoff not in (CUTOFF_CALENDAR_YEAR, CUTOFF_FISCAL_YEAR):
        return trigger_at
    month, day = (1, 1) if cutoff == CUTOFF_CALENDAR_YEAR else fiscal_start
    local = trigger_at.astimezone(zone)
    start = datetime(local.year, month, day, tzinfo=zone)
    if start <= local:
        start = datetime(local.year + 1, month, day, tzinfo=zone)
    return start


def _period_words(years: int, months: int, days: int) -> str:
    parts = [
        f"{value} {unit}{'' if value == 1 else 's'}"
        for value, unit in ((years, "year"), (months, "month"), (days, "day"))
        if value
    ]
    return "+" + (" ".join(parts) or "0 days")


def retention_steps(
    *,
    trigger: str,
    trigger_at: datetime,
    cutoff: str,
    cutoff_at: datetime,
    years: int,
    months: int,
    days: int,
    due: datetime | None,
    zone: tzinfo,
) -> str:
    """ "ended 2020-03-05 → cutoff 2021-01-01 → +6 years → 2027-01-01" (dates in `zone`)."""
    label = "ended" if trigger == "chat_ended" else trigger
    steps = [f"{label} {trigger_at.astimezone(zone):%Y-%m-%d}"]
    if cutoff != CUTOFF_NONE:
        steps.append(f"cutoff {cutoff_at.astimezone(zone):%Y-%m-%d}")
    steps.append(_period_words(years, months, days))
    steps.append(f"{due.astimezone(zone):%Y-%m-%d}" if due is not None else "no date")
    return " → ".join(steps)


# A leap year's days, at noon and just before midnight: every cutoff and period length is
# compared on them (a change shortens when any of them would be due earlier).
_SAMPLE_DAYS = [date(2024, 1, 1) + timedelta(days=n) for n in range(366)]


def _sample_dues(values: dict[str, Any], zone: tzinfo, fiscal: tuple[int, int]) -> list[datetime]:
    dues = []
    for day in _SAMPLE_DAYS:
        for hour, minute in ((12, 0), (23, 40), (0, 0)):
            trigger_at = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
            start = cutoff_moment(
                trigger_at, values.get("cutoff") or CUTOFF_NONE, zone=zone, fiscal_start=fiscal
            )
            dues.append(
                period_add(
                    start,
                    years=values.get("retention_years") or 0,
                    months=values.get("retention_months") or 0,
                    days=values.get("retention_days") or 0,
                )
            )
    return dues


def schedule_change_shortens(
    before: dict[str, Any],
    after: dict[str, Any],
    *,
    zone: tzinfo,
    fiscal_start: tuple[int, int] = (1, 1),
) -> list[str]:
    """The reasons a schedule change shortens retention (empty: lengthening or neutral):
    `retention` when any trigger would be due earlier (period or cutoff), `pii_period_days`
    when originals would be purged earlier (a period where there was none, or a shorter one),
    `action` when a permanent (`retain`) schedule would now be disposed of."""
    found: list[str] = []
    if before.get("action") == ACTION_RETAIN and after.get("action") != ACTION_RETAIN:
        found.append("action")
    elif after.get("action") != ACTION_RETAIN:
        old = _sample_dues(before, zone, fiscal_start)
        new = _sample_dues(after, zone, fiscal_start)
        if any(n < o for n, o in zip(new, old, strict=True)):
            found.append("retention")
    old_pii, new_pii = before.get("pii_period_days"), after.get("pii_period_days")
    if new_pii is not None and (old_pii is None or new_pii < old_pii):
        found.append("pii_period_days")
    return found


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


def records_disposable_action_q() -> Q:
    """A Q over Record: its schedule's action lets a disposal batch act on it when due
    (`record_disposal_action`): destroy or anonymize, or a review decided "destroy".
    `retain` never qualifies, nor a review without a decision."""
    return Q(schedule__action__in=DISPOSAL_ACTIONS) | Q(
        schedule__action=ACTION_REVIEW, review_decision=REVIEW_DECISION_DESTROY
    )


def records_past_disposition_q(*, now: datetime) -> Q:
    """Active records with a schedule and a known country whose disposition date has come and
    whose disposition lets a batch act on them (holds and open batches aside)."""
    return (
        Q(
            status=RecordStatus.ACTIVE,
            schedule__isnull=False,
            disposition_due__isnull=False,
            disposition_due__lte=now,
        )
        & ~Q(chat__country="")
        & records_disposable_action_q()
    )
