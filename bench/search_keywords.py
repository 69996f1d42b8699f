"""Keywords without boilerplate (issue #17 item 2): the share of chats whose top keywords are
conversational boilerplate, before and after learning it, on `manage.py generate_sample_chats`
data (chats.samples.sample_chats), through the real path: import, analysis, `learn_topics`.

"Boilerplate" is judged against EVAL_CONVERSATIONAL below, a list written for this measurement
only: the learner never sees it (it learns from document frequency and canned agent lines).
Runs on a scratch SQLite file unless DATABASE_URL is set.

    .venv/bin/python bench/search_keywords.py --chats 600
"""

import argparse
import logging
import os
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

EVAL_CONVERSATIONAL = frozenset(
    [
        "pleasure",
        "talk",
        "help",
        "today",
        "thank",
        "thanks",
        "welcome",
        "chat",
        "day",
        "moment",
        "assist",
        "hear",
        "glad",
        "great",
        "nice",
        "sorry",
        "patience",
        "contact",
        "bye",
        "goodbye",
        "morning",
        "afternoon",
        "evening",
        "look",
        "name",
        "quick",
        "easy",
        "merci",
        "journée",
        "instant",
        "dossier",
        "bonjour",
        "aide",
    ]
)
TOP = 3


def _measure(label: str) -> dict[str, object]:
    from knowledgebase.models import ChatKeyword, KeywordSource

    top: dict[int, list[str]] = {}
    for chat_id, term in (
        ChatKeyword.objects.filter(source=KeywordSource.AUTO)
        .order_by("chat_id", "rank")
        .values_list("chat_id", "term")
    ):
        top.setdefault(chat_id, []).append(term)
    boiler = sum(
        any(set(term.split()) & EVAL_CONVERSATIONAL for term in terms[:TOP])
        for terms in top.values()
    )
    common = Counter(term for terms in top.values() for term in terms[:TOP]).most_common(8)
    hits = Counter(
        term
        for terms in top.values()
        for term in terms[:TOP]
        if set(term.split()) & EVAL_CONVERSATIONAL
    ).most_common(6)
    share = boiler / len(top) if top else 0.0
    print(f"{label}: {boiler}/{len(top)} chats ({share:.1%}) have boilerplate in their top {TOP}")
    print("   most common top keywords:", ", ".join(f"{t} {n}" for t, n in common))
    print("   boilerplate among them:", ", ".join(f"{t} {n}" for t, n in hits))
    return {"share": share, "chats": len(top)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chats", type=int, default=600)
    parser.add_argument("--seed", type=int, default=20261123)
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(tempfile.mkdtemp()) / 'kw.sqlite3'}"
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import _bootstrap

    _bootstrap.setup()
    from chats.interchange import chat_payload_from_dict
    from chats.models import Chat
    from chats.samples import sample_chats
    from chats.services.import_batch import chat_import
    from knowledgebase.models import Topic
    from knowledgebase.services.analysis import chats_analyse
    from knowledgebase.services.taxonomy import taxonomy_seed
    from knowledgebase.services.topics import topics_learn

    now = datetime(2026, 12, 1, tzinfo=UTC)
    taxonomy_seed()
    logging.disable(logging.INFO)
    # Importing redacts each chat (the redaction task runs eagerly here), as in production.
    for data in sample_chats(args.chats, seed=args.seed):
        chat_import(payload=chat_payload_from_dict(data))
    chats_analyse(now=now)
    _measure("before (hand list only)")
    summary = topics_learn(now=now)
    print(
        f"learned {summary.boilerplate.terms} boilerplate terms, "
        f"{summary.boilerplate.canned_lines} canned lines, {summary.topics} topics"
    )
    _measure("after learning (boilerplate keywords removed)")
    later = datetime(2026, 12, 1, 1, tzinfo=UTC)
    Chat.objects.filter(redacted_at__isnull=False).update(redacted_at=later)
    chats_analyse(now=later)
    _measure("after re-analysis (canned lines left out of the text)")
    for topic in Topic.objects.order_by("-chat_count")[:12]:
        print(f"   topic {topic.name!r}: {topic.chat_count} chats, terms {topic.terms[:6]}")


if __name__ == "__main__":
    main()
