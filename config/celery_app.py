"""The Celery application and the beat schedule: the one place that says when each job runs."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("chatrecords")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every job of the run_job registry has exactly one entry here (a test checks both ways).
JOB_SCHEDULE: dict[str, crontab] = {
    "infer_countries": crontab(minute=5, hour="*/6"),
    "verify_audit_chain": crontab(minute=0, hour=4),
    "extract_keywords": crontab(minute="*/15"),
    "rollup_trends": crontab(minute=30, hour=2),
    "dispose_trend_rollups": crontab(minute=15, hour=3),
    "redact_pii": crontab(minute="*/10"),
    "declare_records": crontab(minute="*/15"),
    "build_disposal_batches": crontab(minute=0, hour=2),
    "execute_disposals": crontab(minute=30, hour="*/1"),
    "purge_pii_originals": crontab(minute=0, hour=3),
    "sample_qa_reviews": crontab(minute=45, hour="*/1"),
    "retry_webhook_deliveries": crontab(minute="*/2"),
}

app.conf.beat_schedule = {
    f"job:{name}": {"task": "chatrecords.run_job", "schedule": schedule, "args": (name,)}
    for name, schedule in JOB_SCHEDULE.items()
}
