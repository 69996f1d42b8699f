"""What the knowledge base sends (issue #17): new emerging issues to records managers (e-mail and
the `trend.emerging` webhook) and the weekly digest to support staff. Both are replay-safe.

Emerging issues (`notify_emerging_issues`, hourly): the daily emerging issues of yesterday and
today (trends_emerging_issues_daily). An issue is NEW when no notice for its keyword was
recorded in the REPEAT_DAYS before: a surge lasting several days is announced once. The notice
row (unique per keyword and first day of the surge) and its webhook deliveries (outbox) commit
together, so a replayed job finds the notice and sends nothing again. E-mail goes after the
commit to every active records manager with an address, one message listing the new notices;
`emailed_at` is stamped after sending, so a failed send is retried by the next run and a
successful one never repeated. Payloads hold terms, counts and chat ids, never message text.

Weekly digest (`send_kb_digest`, Mondays): the last complete week (Monday to Sunday): articles
published that week, and the most helpful articles by the votes of that week ("Was this
helpful?", ArticleFeedback; at least one vote, best helpful rate first, then most votes). One
KbDigest row per week, locked while sending; `sent_at` set once sent, so a replay sends nothing.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from core.roles import Role
from knowledgebase.models import Article, ArticleStatus, EmergingIssueNotice, KbDigest
from knowledgebase.selectors.emerging import EmergingIssue, trends_emerging_issues_daily
from outbox.services import webhook_event_emit

logger = logging.getLogger(__name__)
REPEAT_DAYS = 7
DIGEST_HELPFUL = 5
DIGEST_NEW_MAX = 20
WEBHOOK_EVENT = "trend.emerging"


@dataclass
class NotifySummary:
    new: list[str] = field(default_factory=list)
    already_sent: int = 0
    emailed: int = 0
    recipients: int = 0
    webhook_deliveries: int = 0


def role_emails(role: Role) -> list[str]:
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    holders = users.filter(Q(groups__name=role.value) | Q(is_superuser=True)).distinct()
    return sorted(set(holders.values_list("email", flat=True)))


def _link(name: str, query: str = "") -> str:
    return f"{settings.SITE_URL.rstrip('/')}{reverse(name)}{query}"


def _payload(issue: EmergingIssue, day: date) -> dict[str, object]:
    return {
        "keyword": issue.keyword,
        "keywords": issue.keywords,
        "topic": issue.topic,
        "day": day.isoformat(),
        "count": issue.count,
        "baseline_mean": issue.baseline_mean,
        "first_seen": issue.first_seen.isoformat(),
        "example_chats": issue.example_chats,
    }


def _record(issue: EmergingIssue, day: date, now: datetime) -> EmergingIssueNotice | None:
    """The notice of a new issue with its webhook deliveries, or None when already announced."""
    with transaction.atomic():
        recent = EmergingIssueNotice.objects.select_for_update().filter(
            keyword=issue.keyword, detected_on__gte=day - timedelta(days=REPEAT_DAYS)
        )
        if (
            recent.exists()
            or EmergingIssueNotice.objects.filter(
                keyword=issue.keyword, first_seen=issue.first_seen
            ).exists()
        ):
            return None
        notice = EmergingIssueNotice.objects.create(
            keyword=issue.keyword,
            first_seen=issue.first_seen,
            detected_on=day,
            count=issue.count,
            topic_name=issue.topic[:128],
            keywords=issue.keywords,
            created_at=now,
        )
        notice.webhook_deliveries = len(
            webhook_event_emit(event=WEBHOOK_EVENT, payload=_payload(issue, day))
        )
        notice.save(update_fields=["webhook_deliveries"])
    return notice


def _email_pending(now: datetime, summary: NotifySummary) -> None:
    pending = list(EmergingIssueNotice.objects.filter(emailed_at__isnull=True).order_by("pk"))
    if not pending:
        return
    recipients = role_emails(Role.RECORDS_MANAGER)
    if recipients:
        lines = [
            f"- {n.keyword}{f' (topic {n.topic_name})' if n.topic_name else ''}: {n.count} "
            f"chats on {n.detected_on}, rising since {n.first_seen}; "
            f"related: {', '.join(n.keywords[1:])}"
            for n in pending
        ]
        subject = f"Emerging issues: {', '.join(n.keyword for n in pending)}"[:200]
        body = (
            "New emerging issues in customer chats:\n\n"
            + "\n".join(lines)
            + f"\n\nTrends: {_link('kb-trends')}\n"
        )
        send_mass_mail(
            [(subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in recipients]
        )
        summary.emailed = len(pending)
    summary.recipients = len(recipients)
    EmergingIssueNotice.objects.filter(pk__in=[n.pk for n in pending]).update(
        emailed_at=now, recipients=len(recipients)
    )


def emerging_issues_notify(*, now: datetime) -> NotifySummary:
    summary = NotifySummary()
    today = now.date()
    for day in (today - timedelta(days=1), today):
        for issue in trends_emerging_issues_daily(as_of=day):
            notice = _record(issue, day, now)
            if notice is None:
                summary.already_sent += 1
                continue
            summary.new.append(issue.keyword)
            summary.webhook_deliveries += notice.webhook_deliveries
    _email_pending(now, summary)
    logger.info("emerging issues: %d new, %d already sent", len(summary.new), summary.already_sent)
    return summary


@dataclass
class DigestSummary:
    week_start: date
    sent: bool = False
    recipients: int = 0
    new_articles: int = 0
    helpful_articles: int = 0
    reason: str = ""


def _digest_articles(week: date) -> tuple[list[Article], list[tuple[Article, int, int]]]:
    start = timezone.make_aware(datetime.combine(week, time.min))
    end = start + timedelta(days=7)
    published = Article.objects.filter(status=ArticleStatus.PUBLISHED)
    new = list(published.filter(published_at__gte=start, published_at__lt=end)[:DIGEST_NEW_MAX])
    in_week = Q(feedback__updated_at__gte=start, feedback__updated_at__lt=end)
    rated = published.annotate(
        votes=Count("feedback", filter=in_week),
        helpful=Count("feedback", filter=in_week & Q(feedback__helpful=True)),
    ).filter(votes__gt=0)
    ranked: list[tuple[Article, int, int]] = sorted(
        ((article, int(article.helpful), int(article.votes)) for article in rated),
        key=lambda row: (-row[1] / row[2], -row[2], row[0].pk),
    )
    return new, ranked[:DIGEST_HELPFUL]


def _digest_text(week: date, new: list[Article], helpful: list[tuple[Article, int, int]]) -> str:
    def url(article: Article) -> str:
        path = reverse("kb-article-detail", args=[article.pk])
        return f"{settings.SITE_URL.rstrip('/')}{path}"

    parts = [f"Knowledge base, week of {week.isoformat()}", "", "New articles:"]
    parts += [f"- {a.question} {url(a)}" for a in new] or ["- none this week"]
    parts += ["", "Most helpful this week:"]
    parts += [
        f"- {a.question}: {h} of {v} found it helpful ({h / v:.0%}) {url(a)}" for a, h, v in helpful
    ] or ["- no votes this week"]
    parts += ["", f"Search the knowledge base: {_link('kb-search')}"]
    return "\n".join(parts) + "\n"


def kb_digest_send(*, now: datetime) -> DigestSummary:
    """Sends the digest of the last complete week, once."""
    today = now.date()
    week = today - timedelta(days=today.weekday() + 7)
    summary = DigestSummary(week_start=week)
    with transaction.atomic():
        digest, _ = KbDigest.objects.select_for_update().get_or_create(
            week_start=week, defaults={"created_at": now}
        )
        if digest.sent_at is not None:
            summary.reason = f"already sent at {digest.sent_at.isoformat()}"
            return summary
        new, helpful = _digest_articles(week)
        recipients = role_emails(Role.SUPPORT_STAFF)
        if recipients:
            subject = f"Knowledge base this week: {len(new)} new, {len(helpful)} most helpful"
            body = _digest_text(week, new, helpful)
            # One message per person: no one sees the other recipients' addresses.
            send_mass_mail(
                [(subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in recipients]
            )
        digest.sent_at = now
        digest.recipients = len(recipients)
        digest.new_articles = [a.pk for a in new]
        digest.helpful_articles = [a.pk for a, _, _ in helpful]
        digest.save()
    summary.sent = True
    summary.recipients = len(recipients)
    summary.new_articles, summary.helpful_articles = len(new), len(helpful)
    return summary
