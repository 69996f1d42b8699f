"""redact_pii throughput against spaCy's NER pass alone and Presidio, and its scale-out.

Imports N chats (the four development samples, English and French, repeated under new ids).
In one process, over the same texts (each chat's messages and survey, as the job reads them):
spaCy's NER pass alone (the English pipeline's entity recognizer over every text, batched:
the part no detector can skip), the detector with its placeholders (`chats_detect` +
`texts_redact`, both languages' pipelines, language detection), and Presidio. Then for 1 and 2
workers:
clears the redacted layer, starts that many real `celery -A config worker -c 1` processes on
Redis, enqueues one `redaction.redact_pending` task per worker (they split the backlog with
skip_locked) and times until no chat is pending. Then Presidio (presidio-analyzer +
presidio-anonymizer, default recognizers, the same spaCy model, batched) over the same messages
in this process. Needs PostgreSQL and Redis; Presidio from requirements/bench.txt (`make
bench-install`). Targets: redact_pii >= 2x Presidio's characters/s, its time within 1.5x the
NER pass alone, 2 workers >= 1.8x one.

    .venv/bin/python bench/redaction_throughput.py --chats 600
    .venv/bin/python bench/redaction_throughput.py --chats 600 --profile   # pyinstrument

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
SAMPLES = [
    ROOT.parent / "shared" / "data" / "pii_dev_sample.jsonl",
    ROOT.parent.parent / "shared" / "data" / "pii_dev_sample.jsonl",  # from a worktree
    ROOT / "bench" / "data" / "pii_dev_sample2.jsonl",
    ROOT / "bench" / "data" / "pii_dev_sample3.jsonl",
    ROOT / "bench" / "data" / "pii_dev_sample4.jsonl",
]
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
    base = [
        json.loads(line)
        for path in SAMPLES
        if path.exists()
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
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
    from chats.models import Message
    from redaction.detection import DETECTOR_VERSION
    from redaction.models import RedactionLog

    # The same work in every run: all messages redacted by this detector, the same log.
    unredacted = Message.objects.filter(text_redacted__isnull=True).count()
    outdated = Chat.objects.exclude(redaction_version=DETECTOR_VERSION).count()
    print(
        f"redact_pii, {count} worker(s): {chats} chats in {elapsed:.1f}s = "
        f"{chats / elapsed:.1f} chats/s, {chars / elapsed:,.0f} chars/s "
        f"(messages left unredacted {unredacted}, chats not at {DETECTOR_VERSION} {outdated}, "
        f"redaction log rows {RedactionLog.objects.count()})"
    )
    return chars / elapsed


def _in_process(profile: bool) -> tuple[list[str], float, float]:
    """The job's texts, timed through the NER pass alone and through the detector."""
    from chats.models import Chat
    from redaction.detection import chats_detect, ner_pipeline
    from redaction.placeholders import texts_redact
    from redaction.services import _chat_text, _chats_for_redaction

    loaded = _chats_for_redaction(list(Chat.objects.values_list("pk", flat=True)))
    chats = [_chat_text(chat)[0] for chat in loaded]
    texts = [text for chat in chats for text in chat.texts]
    chars = sum(len(t) for t in texts)
    nlp = ner_pipeline("en")
    chats_detect(chats[:20])  # warm-up: both pipelines and the language detector loaded
    list(nlp.pipe(texts[:50]))
    started = time.monotonic()
    for _ in nlp.pipe(texts, batch_size=256):
        pass
    ner = time.monotonic() - started
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    started = time.monotonic()
    for chat, found in zip(chats, chats_detect(chats), strict=True):
        texts_redact(chat.texts, found)
    detector = time.monotonic() - started
    if profiler is not None:
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False, show_all=False))
    print(f"{len(chats)} chats, {len(texts)} texts, {chars:,} characters, in one process:")
    print(f"  spaCy NER pass alone:     {ner:6.1f}s = {chars / ner:>9,.0f} chars/s")
    print(f"  redact_pii detector:      {detector:6.1f}s = {chars / detector:>9,.0f} chars/s")
    print(f"  redact_pii / NER alone time = {detector / ner:.2f}x (target <= 1.5x)")
    return texts, chars / ner, chars / detector


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
    print(f"  Presidio (same texts):    {elapsed:6.1f}s = {chars / elapsed:>9,.0f} chars/s")
    return chars / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=600)
    parser.add_argument("--profile", action="store_true", help="profile the detector's pass")
    parser.add_argument("--no-workers", action="store_true", help="skip the Celery scale-out")
    args = parser.parse_args()
    _bootstrap.setup()
    from chats.interchange import chat_payload_from_dict
    from chats.models import Chat, Message, Survey
    from chats.services.import_batch import chats_import_batch

    _bootstrap.banner("redaction throughput")
    data = _chats(args.chats)
    Chat.objects.all().delete()
    for start in range(0, len(data), 500):
        chats_import_batch(payloads=[chat_payload_from_dict(c) for c in data[start : start + 500]])
    chars = sum(len(t) for t in Message.objects.values_list("text", flat=True))
    chars += sum(len(t) for t in Survey.objects.values_list("comment", flat=True))
    print(f"{args.chats} chats, {Message.objects.count()} messages, {chars:,} characters")
    texts, ner, detector = _in_process(args.profile)
    reference = _presidio(texts)
    print(f"  redact_pii detector / Presidio = {detector / reference:.2f}x chars/s (target >= 2x)")
    print(f"  NER alone / Presidio = {ner / reference:.2f}x chars/s (reference)")
    if args.no_workers:
        return
    one = _run_workers(1, chars, args.chats)
    two = _run_workers(2, chars, args.chats)
    print(f"whole job, 1 worker process / Presidio = {one / reference:.2f}x (target >= 2x)")
    print(f"whole job, 1 worker process / NER alone time = {ner / one:.2f}x (target <= 1.5x)")
    print(f"scale-out: 2 workers / 1 worker = {two / one:.2f}x (target >= 1.8x)")
    print(f"machine's own: 2 CPU-bound processes / 1 = {machine_cpu_scaling():.2f}x (reference)")


if __name__ == "__main__":
    main()
