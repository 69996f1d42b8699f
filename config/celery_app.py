"""The Celery application and the beat schedule: the one place that says when each job runs."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("chatrecords")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# When the records reports are e-mailed: a crontab line "minute hour day-of-month month
# day-of-week" (default Mondays 06:00). Read here, not in settings: beat's schedule is built when
# this module is imported, before Django's settings are.
REPORTS_SCHEDULE_DEFAULT = "0 6 * * 1"


def crontab_from(spec: str, *, name: str) -> crontab:
    fields = spec.split()
    if len(fields) != 5:
        raise ValueError(
            f"{name}={spec!r}: give five crontab fields, minute hour day-of-month month "
            "day-of-week (e.g. '0 6 * * 1')"
        )
    minute, hour, day_of_month, month_of_year, day_of_week = fields
    return crontab(
        minute=minute,
        hour=hour,
        day_of_month=day_of_month,
        month_of_year=month_of_year,
        day_of_week=day_of_week,
    )


# Every job of the run_job registry has exactly one entry here (a test checks both ways).
JOB_SCHEDULE: dict[str, crontab] = {
    "infer_countries": crontab(minute=5, hour="*/6"),
    "verify_audit_chain": crontab(minute=0, hour=4),
    "verify_certificates": crontab(minute=10, hour=4),
    "anchor_audit_chain": crontab(minute=55),  # hourly: bounds what a truncation can hide
    "extract_keywords": crontab(minute="*/15"),
    # minutes after extract_keywords, which writes the documents it embeds
    "embed_search_documents": crontab(minute="5-59/15"),
    "rollup_trends": crontab(minute=30, hour=2),
    "dispose_trend_rollups": crontab(minute=15, hour=3),
    # After the nightly rollup: boilerplate and topics from the day's keywords.
    "learn_topics": crontab(minute=50, hour=2),
    # Hourly, after extract_keywords' runs: a new issue is announced within the hour.
    "notify_emerging_issues": crontab(minute=25),
    "send_kb_digest": crontab(minute=0, hour=7, day_of_week=1),  # Mondays, the week before
    "redact_pii": crontab(minute="*/10"),
    "declare_records": crontab(minute="*/15"),
    "build_disposal_batches": crontab(minute=0, hour=2),
    "remind_disposal_reviews": crontab(minute=0, hour=8),
    "send_reports": crontab_from(
        os.environ.get("REPORTS_SCHEDULE", REPORTS_SCHEDULE_DEFAULT), name="REPORTS_SCHEDULE"
    ),
    "execute_disposals": crontab(minute=30, hour="*/1"),
    "purge_pii_originals": crontab(minute=0, hour=3),
    # Before the purge: the last check of originals about to be destroyed.
    "verify_transcripts": crontab(minute=40, hour=2),
    "sample_qa_reviews": crontab(minute=45, hour="*/1"),
    "retry_webhook_deliveries": crontab(minute="*/2"),
    "close_idle_conversations": crontab(minute=5, hour="*/1"),
    "close_idle_chats": crontab(minute=10, hour="*/1"),
}

app.conf.beat_schedule = {
    f"job:{name}": {"task": "chatrecords.run_job", "schedule": schedule, "args": (name,)}
    for name, schedule in JOB_SCHEDULE.items()
}
