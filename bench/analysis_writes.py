#!/usr/bin/env python
"""extract_keywords (issue #19): chats/s, and where the time goes (NLP vs the chunk's writes),
with the set-based chunk writes and with the per-chat writes they replaced, side by side.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chatrecords_h25a_bench \\
    nice -n 10 .venv/bin/python bench/analysis_writes.py [--chats 2000] [--per-chat 12]

The database is flushed, the taxonomy seeded, --chats sample chats imported (receivers
disconnected) and their redacted layer copied from the text (as bench/scale.py --skip-redaction
does). Then for each way of writing: the analysis tables are emptied and `chats_analyse` runs
over every chat (first analysis: inserts), then every chat is stamped re-redacted and it runs
again (re-analysis: the chats' rows are replaced). The per-chat writer is the reference kept in
tests/knowledgebase/test_analysis_bulk_writes.py, the code before issue #19; everything else
(loading, spaCy, sentiment) is the same code in both.
"""

import argparse
import json
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/chatrecords_h25a_bench")

import _bootstrap

NOW = datetime(2026, 11, 23, tzinfo=UTC)
ANALYSIS_TABLES = (
    "knowledgebase_chatkeyword",
    "knowledgebase_chatcategory",
    "knowledgebase_chattopic",
    "knowledgebase_messagesentiment",
    "knowledgebase_chatinsight",
    "knowledgebase_documentvector",
    "knowledgebase_searchdocument",
)


def _load(chats: int, per_chat: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from chats.hooks import chats_imported
    from chats.samples import sample_chats
    from chats.services.import_stream import chats_import_lines
    from knowledgebase.services.taxonomy import taxonomy_seed

    call_command("flush", interactive=False, verbosity=0)
    taxonomy_seed()
    for receiver in chats_imported.receivers:
        chats_imported.disconnect(receiver)
    lines = [
        (json.dumps(chat) + "\n").encode()
        for chat in sample_chats(chats, messages_per_chat=per_chat, source="analysis")
    ]
    summary = chats_import_lines(lines=lines, on_reject=lambda *_: None, workers=1)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE chats_message SET text_redacted = text")
        cursor.execute("UPDATE chats_survey SET comment_redacted = comment")
        cursor.execute(
            "UPDATE chats_chat SET redacted_at = %s, redaction_version = 'bench-copy'", [NOW]
        )
    _bootstrap.vacuum_analyze("chats_chat", "chats_message", "chats_survey")
    print(f"{summary.imported:,} chats, {summary.messages:,} messages; redacted layer copied")


def _warm_models() -> None:
    """Loads spaCy and the sentiment models before anything is timed."""
    from knowledgebase.nlp import ChatText, keywords_extract
    from knowledgebase.sentiment import messages_sentiment_scores

    text = "My refund for the returned kettle never came."
    keywords_extract([ChatText(chat_id=1, language="en", customer=[text], agent=[text])])
    keywords_extract([ChatText(chat_id=1, language="fr", customer=["Mon colis"], agent=[])])
    messages_sentiment_scores([(text, "en"), ("Merci beaucoup, c'est parfait.", "fr")])


def _empty_analysis_tables() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(ANALYSIS_TABLES)}")
        else:
            for table in ANALYSIS_TABLES:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
    _bootstrap.vacuum_analyze(*ANALYSIS_TABLES)


def _timed(name: str, spent: dict[str, float], function: Callable[..., Any]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - started

    return timed


def _run(label: str, writer: Callable[..., Any], moment: datetime) -> dict[str, float]:
    from knowledgebase.services import analysis

    spent = {"load": 0.0, "nlp": 0.0, "writes": 0.0}
    saved = {
        name: getattr(analysis, name)
        for name in ("_load_chunk", "keywords_extract", "_chunk_sentiments", "_write_chunk")
    }
    analysis._load_chunk = _timed("load", spent, saved["_load_chunk"])
    analysis.keywords_extract = _timed("nlp", spent, saved["keywords_extract"])
    analysis._chunk_sentiments = _timed("nlp", spent, saved["_chunk_sentiments"])
    analysis._write_chunk = _timed("writes", spent, writer)
    try:
        started = time.perf_counter()
        summary = analysis.chats_analyse(now=moment)
        wall = time.perf_counter() - started
    finally:
        for name, function in saved.items():
            setattr(analysis, name, function)
    assert not summary.failed, summary.failed  # noqa: S101 - a benchmark's sanity check
    result = {"chats": summary.analysed, "wall": wall, **spent}
    print(
        f"  {label}: {summary.analysed:,} chats in {wall:.1f}s = {summary.analysed / wall:,.0f}"
        f" chats/s (nlp {spent['nlp']:.1f}s, writes {spent['writes']:.1f}s,"
        f" load {spent['load']:.1f}s)",
        flush=True,
    )
    return result


def _rerun(label: str, writer: Callable[..., Any]) -> dict[str, float]:
    from chats.models import Chat

    again = NOW + timedelta(hours=1)
    Chat.objects.update(redacted_at=again)
    return _run(label, writer, again + timedelta(hours=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chats", type=int, default=2000)
    parser.add_argument("--per-chat", type=int, default=12)
    parser.add_argument(
        "--set-based-first", action="store_true", help="run the set-based writer first"
    )
    args = parser.parse_args()
    _bootstrap.setup()
    _bootstrap.banner("extract_keywords: set-based vs per-chat chunk writes")

    from chats.models import Chat
    from knowledgebase.services import analysis
    from tests.knowledgebase.test_analysis_bulk_writes import _reference_write_chunk

    _load(args.chats, args.per_chat)
    _warm_models()
    writers = {"per-chat (before)": _reference_write_chunk, "set-based": analysis._write_chunk}
    if args.set_based_first:
        writers = dict(reversed(writers.items()))
    results: dict[str, dict[str, dict[str, float]]] = {}
    for label, writer in writers.items():
        _empty_analysis_tables()
        Chat.objects.update(redacted_at=NOW)
        results[label] = {
            "first analysis": _run(f"{label}, first analysis", writer, NOW),
            "re-analysis": _rerun(f"{label}, re-analysis", writer),
        }

    print()
    print(f"{'run':<34}{'chats/s':>9}{'wall s':>9}{'nlp s':>8}{'writes s':>10}{'ms/chat w':>11}")
    for label, runs in results.items():
        for phase, r in runs.items():
            print(
                f"{label + ', ' + phase:<34}{r['chats'] / r['wall']:>9,.1f}{r['wall']:>9.1f}"
                f"{r['nlp']:>8.1f}{r['writes']:>10.2f}{1000 * r['writes'] / r['chats']:>11.2f}"
            )


if __name__ == "__main__":
    main()
