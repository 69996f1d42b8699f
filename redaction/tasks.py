from datetime import datetime
from typing import Any

from celery import shared_task
from celery.signals import worker_process_init
from django.utils import timezone

from redaction.services import chats_redact


@shared_task(name="redaction.redact_chats", acks_late=True)
def redact_chats_task(chat_ids: list[int]) -> dict[str, Any]:
    """Redacts the given chats if they are still pending (already redacted: a quiet no-op)."""
    return chats_redact(now=timezone.now(), chat_ids=chat_ids).as_dict()


@shared_task(name="redaction.redact_pending", acks_late=True)
def redact_pending_task(
    rerun_outdated: bool = False, now_iso: str | None = None, chunk_size: int | None = None
) -> dict[str, Any]:
    """One worker's share of the backlog: claims chunks until none is left unclaimed."""
    now = datetime.fromisoformat(now_iso) if now_iso else timezone.now()
    kwargs: dict[str, Any] = {"now": now, "rerun_outdated": rerun_outdated}
    if chunk_size:
        kwargs["chunk_size"] = chunk_size
    return chats_redact(**kwargs).as_dict()


@worker_process_init.connect
def _load_pipeline_in_worker(**_: Any) -> None:
    """Each worker process loads the spaCy pipelines once, at start, not in its first task."""
    from redaction.detection import ner_pipeline
    from redaction.detection.language import LANGUAGES

    for language in LANGUAGES:
        ner_pipeline(language)
