"""redact_pii throughput with one and two Celery workers, and the Presidio reference.

Imports N chats (the labelled sample, repeated under new ids), then for 1 and 2 workers:
clears the redacted layer, starts that many real `celery -A config worker -c 1` processes on
Redis, enqueues one `redaction.redact_pending` task per worker (they split the backlog with
skip_locked) and times until no chat is pending. Then Presidio (presidio-analyzer +
presidio-anonymizer, default recognizers, the same spaCy model, batched) over the same messages
in this process. Needs PostgreSQL and Redis; Presidio from requirements/bench.txt.

    .venv/bin/python bench/redaction_throughput.py --chats 1000

(Not bench/redaction.py: Celery's loader puts the working directory first on sys.path while
Django starts, and run from bench/ such a file would shadow the redaction app.)
"""

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT.parent / "shared" / "data" / "pii_dev_sample.jsonl"
os.environ.setdefault(
    "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/chatrecords_bench_redaction"
)
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/4")
os.environ["REDACT_ON_IMPORT"] = "false"
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
sys.path.insert(0, str(Path(__file__).resolve().parent))
import _bootstrap  # noqa: E402
from _workers import celery_workers, machine_cpu_scaling  # noqa: E402


def _chats(count: int) -> list[dict]:
    base = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]
    return [
        {**base[i % len(base)], "external_id": f"bench-{i:07d}", "source": "bench-redaction"}
        for i in range(count)
    ]


def _reset() -> None:
    from chats.models import Chat, Message, Survey
    from redaction.models import RedactionLog

    RedactionLog.objects.all().delete()
    Message.objects.update(text_redacted=None)
    Survey.objects.update(comment_redacted=None)
    Chat.objects.update(redacted_at=None, redaction_version="")
    _bootstrap.vacuum_analyze(*_bootstrap.REDACTION_LAYER_TABLES)


def _run_workers(count: int, chars: int, chats: int) -> float:
    from chats.models import Chat
    from redaction.tasks import redact_pending_task

    _reset()
    queue = f"bench-redaction-{os.getpid()}-{count}"
    with celery_workers(count, queue=queue, prefix="bench"):
        started = time.monotonic()
        for _ in range(count):
            redact_pending_task.apply_async(kwargs={"chunk_size": 50}, queue=queue)
        while Chat.objects.filter(redacted_at__isnull=True).exists():
            time.sleep(0.25)
        elapsed = time.monotonic() - started
    print(
        f"redact_pii, {count} worker(s): {chats} chats in {elapsed:.1f}s = "
        f"{chats / elapsed:.1f} chats/s, {chars / elapsed:,.0f} chars/s"
    )
    return chars / elapsed


def _presidio(texts: list[str]) -> float:
    from django.conf import settings
    from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_anonymizer import AnonymizerEngine

    # Presidio logs a warning per unmapped spaCy label and message; printing them is not
    # part of its work.
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": settings.SPACY_MODEL}],
        }
    )
    analyzer = AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])
    batch = BatchAnalyzerEngine(analyzer_engine=analyzer)
    anonymizer = AnonymizerEngine()
    batch.analyze_iterator(texts[:10], language="en")  # warm-up
    started = time.monotonic()
    results = batch.analyze_iterator(texts, language="en", batch_size=256)
    for text, found in zip(texts, results, strict=True):
        anonymizer.anonymize(text=text, analyzer_results=found)
    elapsed = time.monotonic() - started
    chars = sum(len(t) for t in texts)
    print(
        f"Presidio reference, 1 process: {len(texts)} messages in {elapsed:.1f}s = "
        f"{chars / elapsed:,.0f} chars/s"
    )
    return chars / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument(
        "--presidio-chats",
        type=int,
        default=300,
        help="Presidio is slow: it runs on the first K of the chats",
    )
    args = parser.parse_args()
    _bootstrap.setup()
    from chats.interchange import chat_payload_from_dict
    from chats.models import Chat, Message, Survey
    from chats.services.import_batch import chats_import_batch

    _bootstrap.banner("redaction throughput")
    data = _chats(args.chats)
    Chat.objects.filter(source="bench-redaction").delete()
    Chat.objects.exclude(source="bench-redaction").delete()
    for start in range(0, len(data), 500):
        chats_import_batch(payloads=[chat_payload_from_dict(c) for c in data[start : start + 500]])
    chars = sum(len(t) for t in Message.objects.values_list("text", flat=True))
    chars += sum(len(t) for t in Survey.objects.values_list("comment", flat=True))
    print(f"{args.chats} chats, {Message.objects.count()} messages, {chars:,} characters")
    one = _run_workers(1, chars, args.chats)
    two = _run_workers(2, chars, args.chats)
    print(f"scale-out: 2 workers / 1 worker = {two / one:.2f}x (target >= 1.8x)")
    print(f"machine's own: 2 CPU-bound processes / 1 = {machine_cpu_scaling():.2f}x (reference)")
    texts = [m["text"] for chat in data[: args.presidio_chats] for m in chat["messages"]]
    reference = _presidio(texts)
    print(
        f"speed ratio, one process: redact_pii / Presidio = {one / reference:.2f}x (target >= 2x)"
    )


if __name__ == "__main__":
    main()
