"""Reading the QA queue: lists, the next review, the evidence behind a country, metrics."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet

from chats.country import country_from_agents, country_from_email, country_from_phone
from chats.models import Chat
from qa.models import REASON_PRIORITY, QAReason, QAReview, QAStatus

QA_REVIEW_PENDING_BLOCK = "QA review pending"


def qa_review_pending_q() -> Q:
    """A Q over Record (qa.receivers answers retention.hooks.record_destruction_blocks): a QA
    review of the record is pending, so it is neither disposed of nor purged (R-QA-2)."""
    return Q(Exists(QAReview.objects.filter(record_id=OuterRef("pk"), status=QAStatus.PENDING)))


def qa_reviews_list() -> QuerySet[QAReview]:
    return QAReview.objects.select_related(
        "record__chat", "record__record_class", "reviewer"
    ).order_by("queued_at", "pk")


def qa_reviews_filter(
    queryset: QuerySet[QAReview],
    *,
    status: str | None = None,
    reason: str | None = None,
    country: str | None = None,
    source: str | None = None,
) -> QuerySet[QAReview]:
    if status:
        queryset = queryset.filter(status=status)
    if reason:
        queryset = queryset.filter(reason=reason)
    if country is not None and country != "":
        value = country.upper()
        queryset = queryset.filter(record__chat__country="" if value in {"UNKNOWN", "-"} else value)
    if source:
        queryset = queryset.filter(original_source=source)
    return queryset


def _pending_live() -> QuerySet[QAReview]:
    """Pending reviews of live records: the predicate of the partial index qa_review_pending_live,
    read from the review's own `record_live` (issue #19: joining ~180k pending reviews to the
    records cost the queue page most of its time at 10M messages)."""
    return QAReview.objects.filter(status=QAStatus.PENDING, record_live=True)


def qa_reviews_pending() -> QuerySet[QAReview]:
    """Pending reviews of live records, the most urgent first."""
    return (
        _pending_live()
        .select_related("record__chat", "record__record_class", "reviewer")
        .annotate(priority=REASON_PRIORITY)
        .order_by("priority", "queued_at", "pk")
    )


def qa_review_next(*, after: QAReview | None = None) -> QAReview | None:
    queryset = qa_reviews_pending()
    if after is not None:
        queryset = queryset.exclude(pk=after.pk)
    return queryset.first()


@dataclass(frozen=True)
class EvidenceLine:
    label: str
    finding: str  # what the evidence says, without the personal value itself
    country: str
    confidence: float | None
    value: str = ""  # the raw phone/email: filled only for readers allowed to see identity


def qa_review_evidence(chat: Chat, *, include_identity: bool) -> list[EvidenceLine]:
    """Each piece of evidence inference could use, re-evaluated now, so the reviewer sees why the
    chat has its country. Raw phone and email only when include_identity (managers)."""
    lines: list[EvidenceLine] = []
    customer = chat.customer
    phone = customer.phone if customer else ""
    email = customer.email if customer else ""
    if phone:
        found = country_from_phone(phone)
        lines.append(
            EvidenceLine(
                "Customer phone number",
                found.detail if found else "not a valid geographic number",
                found.country if found else "",
                found.confidence if found else None,
                phone if include_identity else "",
            )
        )
    else:
        lines.append(EvidenceLine("Customer phone number", "none given", "", None))
    if email:
        found = country_from_email(email)
        lines.append(
            EvidenceLine(
                "Customer email domain",
                found.detail if found else "generic or non-country domain",
                found.country if found else "",
                found.confidence if found else None,
                email if include_identity else "",
            )
        )
    else:
        lines.append(EvidenceLine("Customer email domain", "none given", "", None))
    agent_countries = [agent.default_country for agent in chat.agents.all()]
    found = country_from_agents(agent_countries)
    lines.append(
        EvidenceLine(
            "Agent team default",
            found.detail if found else "no agent team country",
            found.country if found else "",
            found.confidence if found else None,
        )
    )
    return lines


def qa_metrics(*, now: datetime) -> dict[str, Any]:
    """Error rate per country source (corrected / reviewed) and the backlog's size and age."""
    reviewed = QAReview.objects.exclude(status=QAStatus.PENDING)
    by_source = []
    for row in (
        reviewed.values("original_source")
        .annotate(
            reviewed=Count("pk"),
            corrected=Count("pk", filter=Q(status=QAStatus.CORRECTED)),
        )
        .order_by("original_source")
    ):
        by_source.append(
            {
                "source": row["original_source"],
                "reviewed": row["reviewed"],
                "corrected": row["corrected"],
                "error_rate": round(row["corrected"] / row["reviewed"], 4),
            }
        )
    pending = _pending_live()
    backlog = pending.aggregate(size=Count("pk"), oldest=Min("queued_at"))
    by_reason = {reason: 0 for reason in QAReason.values}
    for reason_row in pending.order_by().values("reason").annotate(n=Count("pk")):
        by_reason[reason_row["reason"]] = reason_row["n"]
    oldest: datetime | None = backlog["oldest"]
    return {
        "by_source": by_source,
        "backlog": {
            "size": backlog["size"],
            "oldest_queued_at": oldest,
            "oldest_age_days": (now - oldest).days if oldest else None,
            "by_reason": by_reason,
        },
    }
