"""Learning conversational boilerplate (issue #17 item 2): the first step of `learn_topics`.

From a sample of the most recent analysed chats (BOILERPLATE_SAMPLE_CHATS; only the redacted
layer is read):
- canned lines: agent lines (normalised: digits as #, placeholders out) that recur word for word
  in at least CANNED_MIN_CHATS chats and CANNED_MIN_SHARE of the sample, spread over categories
  (no category holds more than SPREAD_MAX of them). A resolution template used in one category
  only ("the refund of # was issued") is that category's wording, not boilerplate.
- boilerplate terms: keywords extracted from the sample without any boilerplate filter, found
  in at least TERM_MIN_SHARE of the chats of their language and spread over at least
  MIN_CATEGORIES categories, none holding more than SPREAD_MAX of them (or in HIGH_SHARE of the
  chats whatever their categories); and the keywords of canned lines found in at least
  CANNED_TERM_MIN_SHARE of the chats. Taxonomy terms are never boilerplate: a category's own
  words stay.
The learned sets replace the previous ones in one transaction; auto keywords that became
boilerplate are deleted from every chat (set-based), and those chats' insights are marked
changed so the trend rollups, categories and search documents follow (the next extract_keywords
run). New analyses leave them out from the start (knowledgebase/nlp.py).
"""

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from chats.models import SenderRole
from chats.selectors import transcript_lines
from knowledgebase.models import (
    BoilerplateSource,
    BoilerplateTerm,
    CannedLine,
    ChatCategory,
    ChatInsight,
    ChatKeyword,
    KeywordSource,
)
from knowledgebase.nlp import ChatText, keywords_extract
from knowledgebase.services.taxonomy import taxonomy_map
from knowledgebase.text import agent_lines, canned_line_digest, canned_line_normalise

logger = logging.getLogger(__name__)

BOILERPLATE_SAMPLE_CHATS = 1000
MIN_SAMPLE_CHATS = 40
TERM_MIN_SHARE = 0.08
HIGH_SHARE = 0.35
SPREAD_MAX = 0.5
MIN_CATEGORIES = 3
MIN_CATEGORISED = 20
CANNED_MIN_CHATS = 5
CANNED_MIN_SHARE = 0.02
CANNED_UNCATEGORISED_SHARE = 0.2
CANNED_TERM_MIN_SHARE = 0.03
SAMPLE_KEYWORDS = 40


@dataclass
class BoilerplateSummary:
    sampled: int = 0
    terms: int = 0
    canned_lines: int = 0
    keywords_removed: int = 0
    skipped: str = ""


def boilerplate_current() -> tuple[frozenset[str], frozenset[str]]:
    """(boilerplate terms, canned-line digests) as learned last."""
    return (
        frozenset(BoilerplateTerm.objects.values_list("term", flat=True)),
        frozenset(CannedLine.objects.values_list("digest", flat=True)),
    )


def _spread(chat_ids: set[int], categories: dict[int, set[str]]) -> tuple[float, int, int]:
    """(share of the most frequent category, categories seen, categorised chats) of `chat_ids`."""
    counts: Counter[str] = Counter()
    categorised = 0
    for chat_id in chat_ids:
        slugs = categories.get(chat_id)
        if slugs:
            categorised += 1
            counts.update(slugs)
    if not categorised:
        return 1.0, 0, 0
    return counts.most_common(1)[0][1] / categorised, len(counts), categorised


def _spread_evenly(chat_ids: set[int], categories: dict[int, set[str]]) -> tuple[bool, float]:
    top_share, seen, categorised = _spread(chat_ids, categories)
    if categorised < MIN_CATEGORISED:
        return False, top_share
    return top_share <= SPREAD_MAX and seen >= MIN_CATEGORIES, top_share


def _sample(limit: int) -> list[int]:
    return list(
        ChatInsight.objects.order_by("-chat__started_at", "-chat_id").values_list(
            "chat_id", flat=True
        )[:limit]
    )


def boilerplate_learn(
    *, now: datetime, sample_size: int = BOILERPLATE_SAMPLE_CHATS
) -> BoilerplateSummary:
    summary = BoilerplateSummary()
    chat_ids = _sample(sample_size)
    summary.sampled = len(chat_ids)
    if len(chat_ids) < MIN_SAMPLE_CHATS:
        summary.skipped = f"{len(chat_ids)} analysed chats; at least {MIN_SAMPLE_CHATS} needed"
        return summary
    total = len(chat_ids)
    categories: dict[int, set[str]] = defaultdict(set)
    for chat_id, slug in ChatCategory.objects.filter(chat_id__in=chat_ids).values_list(
        "chat_id", "category__slug"
    ):
        categories[chat_id].add(slug)
    customer: dict[int, list[str]] = defaultdict(list)
    agent: dict[int, list[str]] = defaultdict(list)
    line_chats: dict[str, set[int]] = defaultdict(set)
    line_text: dict[str, str] = {}
    for chat_id, sender, text in (
        transcript_lines()  # never an agent's internal note
        .filter(chat_id__in=chat_ids, sender__in=[SenderRole.CUSTOMER, SenderRole.AGENT])
        .exclude(text_redacted="")
        .order_by("chat_id", "position")
        .values_list("chat_id", "sender", "text_redacted")
        .iterator(chunk_size=2000)
    ):
        if not text:
            continue
        if sender == SenderRole.CUSTOMER:
            customer[chat_id].append(text)
            continue
        agent[chat_id].append(text)
        for line in agent_lines(text):
            digest = canned_line_digest(line)
            line_chats[digest].add(chat_id)
            line_text.setdefault(digest, canned_line_normalise(line))
    taxonomy = set(taxonomy_map())
    canned: dict[str, int] = {}
    min_chats = max(CANNED_MIN_CHATS, CANNED_MIN_SHARE * total)
    for digest, chats in line_chats.items():
        if len(chats) < min_chats or len(line_text[digest]) < 3:
            continue
        even, _ = _spread_evenly(chats, categories)
        if even or len(chats) >= CANNED_UNCATEGORISED_SHARE * total:
            canned[digest] = len(chats)
    languages = dict(
        ChatInsight.objects.filter(chat_id__in=chat_ids).values_list("chat_id", "language")
    )
    texts = [
        ChatText(
            chat_id=chat_id,
            language=languages.get(chat_id, ""),
            customer=customer.get(chat_id, []),
            agent=agent.get(chat_id, []),
        )
        for chat_id in chat_ids
    ]
    term_chats: dict[str, set[int]] = defaultdict(set)
    for chat_id, keywords in keywords_extract(texts, limit=SAMPLE_KEYWORDS).items():
        for keyword in keywords:
            term_chats[keyword.term].add(chat_id)
    canned_terms: set[str] = set()
    if canned:
        lines = [
            ChatText(chat_id=index, language="", customer=[], agent=[line_text[digest]])
            for index, digest in enumerate(canned)
        ]
        for keywords in keywords_extract(lines, limit=SAMPLE_KEYWORDS).values():
            canned_terms.update(keyword.term for keyword in keywords)
    learned: list[BoilerplateTerm] = []
    language_of = {chat_id: (languages.get(chat_id) or "")[:2] for chat_id in chat_ids}
    per_language = Counter(language_of.values())
    for term, chats in term_chats.items():
        if term in taxonomy:
            continue
        # A French chat's boilerplate is judged among French chats (a minority of the sample).
        language = Counter(language_of[chat_id] for chat_id in chats).most_common(1)[0][0]
        share = len(chats) / max(per_language[language], MIN_SAMPLE_CHATS)
        even, top_share = _spread_evenly(chats, categories)
        if share >= HIGH_SHARE or (share >= TERM_MIN_SHARE and even):
            source = BoilerplateSource.FREQUENCY
        elif term in canned_terms and share >= CANNED_TERM_MIN_SHARE:
            source = BoilerplateSource.CANNED
        else:
            continue
        learned.append(
            BoilerplateTerm(
                term=term,
                source=source,
                chat_share=round(share, 4),
                spread=round(top_share, 4),
                learned_at=now,
            )
        )
    with transaction.atomic():
        BoilerplateTerm.objects.all().delete()
        BoilerplateTerm.objects.bulk_create(learned)
        CannedLine.objects.all().delete()
        CannedLine.objects.bulk_create(
            CannedLine(digest=digest, text=line_text[digest], chats=count, learned_at=now)
            for digest, count in canned.items()
        )
        stale = ChatKeyword.objects.filter(
            source=KeywordSource.AUTO, term__in=[row.term for row in learned]
        )
        # An emptied taxonomy version makes the next extract_keywords run recompute these chats'
        # categories and search-document keywords (chats_taxonomy_reapply, chunk by chunk).
        ChatInsight.objects.filter(chat_id__in=stale.values("chat_id")).update(
            updated_at=now, taxonomy_version=""
        )
        summary.keywords_removed, _ = stale.delete()
    summary.terms, summary.canned_lines = len(learned), len(canned)
    logger.info(
        "boilerplate: %d terms, %d canned lines from %d chats; %d keywords removed",
        summary.terms,
        summary.canned_lines,
        total,
        summary.keywords_removed,
    )
    return summary
