"""Keyword extraction (R-KB-1): the one module of this app that uses spaCy.

The pipeline comes only from core.nlp.nlp_pipeline (one load per process). Input is redacted text:
redaction placeholders such as [PERSON_1] are removed before parsing so they never become
keywords, and entities that can name a person or place (PERSON, GPE, LOC, FAC, NORP, dates,
amounts) are skipped as well, so no personal value leaks into keywords, categories or trends.

English: noun chunks (lemmatised, determiners/pronouns/stop words/numbers dropped), noun lemmas,
meaningful verb lemmas (cancel, refund, charge…) and non-PII entities (ORG, PRODUCT…); a lone
proper noun or an e-mail-like token could be a value the redactor missed, so it is never a
keyword. French (the English model cannot parse it): content words outside spaCy's French
stop-word list, plus known taxonomy phrases ("mot de passe") found in the text.
Boilerplate (issue #17): terms learned to be conversational (knowledgebase/services/boilerplate.py:
frequent in chats of every category) are never keywords, nor is a phrase made of such words only,
and the agents' canned lines (repeated word for word across chats of different categories) are
left out of the text before parsing, so "pleasure", "talk" or "today" stop being keywords.
Scores: occurrences × source weight (the customer's words count 1.5×, they state the problem),
multi-word phrases ×1.5; the top MAX_KEYWORDS per chat are kept.

Length: the text parsed per chat and side is cut at KEYWORD_TEXT_MAX_CHARS (and never beyond the
pipeline's own max_length), at a line or word boundary: a chat's topic is stated long before
that, and a longer text would make spaCy refuse it (E088) or take minutes (issue #12).
"""

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.nlp import nlp_pipeline
from knowledgebase.taxonomy import keyword_normalise
from knowledgebase.text import agent_lines, canned_line_digest
from redaction.placeholders import text_without_placeholders

KEYWORDS_VERSION = "kw-2"
MAX_KEYWORDS = 12
NLP_BATCH_SIZE = 64
CUSTOMER_WEIGHT = 1.5
AGENT_WEIGHT = 1.0
PHRASE_BONUS = 1.5
VERB_WEIGHT = 0.6
KEYWORD_TEXT_MAX_CHARS = 100_000

PII_ENTITY_LABELS = frozenset(
    {
        "PERSON",
        "GPE",
        "LOC",
        "FAC",
        "NORP",
        "DATE",
        "TIME",
        "MONEY",
        "QUANTITY",
        "CARDINAL",
        "ORDINAL",
        "PERCENT",
    }
)
KEPT_ENTITY_LABELS = frozenset({"ORG", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE"})
# Customer-service small talk: frequent in every chat, so it says nothing about the topic.
GENERIC_TERMS = frozenset(
    {
        "hi",
        "hello",
        "hey",
        "thank",
        "thanks",
        "chat",
        "name",
        "day",
        "moment",
        "minute",
        "today",
        "time",
        "question",
        "problem",
        "issue",
        "help",
        "anything",
        "way",
        "thing",
        "lot",
        "bit",
        "please",
        "sorry",
        "customer",
        "agent",
        "team",
        "great day",
        "nice day",
        "good day",
        "something",
        "everything",
        "nothing",
        "one",
        "sure",
        "ok",
        "okay",
        "yes",
        "no",
        "bye",
        "morning",
        "afternoon",
        "evening",
        "week",
        "month",
        "year",
        "hour",
        "number",
        "detail",
        "information",
        "second",
        "side",
        "end",
        "last name",
        "first name",
        "phone number",
        "email address",
        "date",
        "birth",
        "date of birth",
        "account number",
        "record",
        "file",
    }
)
GENERIC_VERBS = frozenset(
    {
        "be",
        "have",
        "do",
        "get",
        "want",
        "need",
        "go",
        "make",
        "see",
        "know",
        "say",
        "let",
        "can",
        "will",
        "help",
        "thank",
        "try",
        "look",
        "check",
        "take",
        "give",
        "come",
        "like",
        "confirm",
        "contact",
        "call",
        "tell",
        "ask",
        "think",
        "use",
        "keep",
        "wait",
        "hear",
        "send",
        "find",
        "hold",
        "put",
        "show",
        "mean",
        "seem",
        "leave",
        "feel",
        "work",
        "happen",
        "receive",
        "appreciate",
        "verify",
        "welcome",
        "assist",
        "sound",
        "understand",
        "would",
        "should",
        "could",
        "may",
        "might",
        "must",
        "hope",
        "note",
        "provide",
        "apologize",
        "apologise",
        "add",
        "move",
        "live",
        "start",
    }
)
FRENCH_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
FRENCH_ELISION = re.compile(r"^(?:l|d|j|qu|n|m|s|c|t)['’]")
FRENCH_GENERIC = frozenset(
    {
        "bonjour",
        "merci",
        "instant",
        "journée",
        "bonne",
        "dossier",
        "vérifie",
        "appelle",
        "aider",
        "oui",
        "non",
        "salut",
        "madame",
        "monsieur",
        "chose",
        "fois",
        "aujourd'hui",
        "besoin",
        "voudrais",
        "veux",
        "peux",
        "pouvez",
        "avez",
        "suis",
        "êtes",
    }
)


@dataclass(frozen=True)
class ChatText:
    """The redacted text of one chat, split by who wrote it."""

    chat_id: int
    language: str
    customer: Sequence[str]
    agent: Sequence[str]


@dataclass(frozen=True)
class Keyword:
    term: str
    weight: float


@dataclass
class _Tally:
    boilerplate: frozenset[str] = frozenset()
    limit: int = MAX_KEYWORDS
    weights: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))

    def add(self, term: str, weight: float) -> None:
        term = keyword_normalise(term)
        if len(term) < 2 or term in GENERIC_TERMS or any(ch.isdigit() for ch in term):
            return
        if term in self.boilerplate:
            return
        words = term.split(" ")
        if len(words) > 1 and all(w in self.boilerplate or w in GENERIC_TERMS for w in words):
            return
        self.weights[term] += weight

    def top(self) -> list[Keyword]:
        ranked = sorted(self.weights.items(), key=lambda item: (-item[1], item[0]))
        return [
            Keyword(term=term, weight=round(weight, 3)) for term, weight in ranked[: self.limit]
        ]


def text_cut(text: str, limit: int) -> str:
    """At most `limit` characters of `text`, cut at the last line break or space before it."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    boundary = max(head.rfind("\n"), head.rfind(" "))
    return head[:boundary] if boundary > limit // 2 else head


def is_french(language: str) -> bool:
    return language.lower().startswith("fr")


def _tally_english_doc(doc: Any, tally: _Tally, source_weight: float) -> None:
    """`doc` is a spaCy Doc (typed Any: spaCy's token attributes are not visible to mypy)."""
    pii_tokens: set[int] = set()
    for entity in doc.ents:
        if entity.label_ in PII_ENTITY_LABELS:
            pii_tokens.update(range(entity.start, entity.end))
        elif entity.label_ in KEPT_ENTITY_LABELS:
            tally.add(entity.text, source_weight)

    def useful(token: Any) -> bool:
        return not (
            token.i in pii_tokens
            or token.is_stop
            or token.is_punct
            or token.like_num
            or token.like_email
            or token.like_url
            or token.pos_ in {"DET", "PRON", "NUM", "SYM", "X", "PART", "ADP", "CCONJ", "INTJ"}
        )

    for chunk in doc.noun_chunks:
        words = [token.lemma_.lower() for token in chunk if useful(token)]
        if 2 <= len(words) <= 3:
            tally.add(" ".join(words), source_weight * PHRASE_BONUS)
    for token in doc:
        if not useful(token):
            continue
        lemma = token.lemma_.lower()
        # A proper noun outside a kept entity may be a name the redactor missed: not a keyword.
        if token.pos_ == "NOUN":
            tally.add(lemma, source_weight)
        elif token.pos_ == "VERB" and lemma not in GENERIC_VERBS:
            tally.add(lemma, source_weight * VERB_WEIGHT)


def _french_stop_words() -> frozenset[str]:
    from spacy.lang.fr.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


def _tally_french(
    texts: Iterable[str], tally: _Tally, source_weight: float, phrases: Iterable[str]
) -> None:
    stop_words = _french_stop_words()
    multiword = [phrase for phrase in phrases if " " in phrase]
    for text in texts:
        lowered = text.lower()
        for phrase in multiword:
            count = lowered.count(phrase)
            if count:
                tally.add(phrase, source_weight * PHRASE_BONUS * count)
        for match in FRENCH_WORD.finditer(lowered):
            word = FRENCH_ELISION.sub("", match.group())
            if len(word) >= 4 and word not in stop_words and word not in FRENCH_GENERIC:
                tally.add(word, source_weight)


def keywords_extract(
    chats: Sequence[ChatText],
    *,
    known_phrases: Iterable[str] = (),
    batch_size: int = NLP_BATCH_SIZE,
    boilerplate: frozenset[str] = frozenset(),
    canned: frozenset[str] = frozenset(),
    limit: int = MAX_KEYWORDS,
) -> dict[int, list[Keyword]]:
    """Ranked keywords per chat id. English chats are parsed together with nlp.pipe.
    `boilerplate`: terms never kept; `canned`: digests (canned_line_digest) of agent lines left
    out of the text."""
    phrases = list(known_phrases)
    tallies: dict[int, _Tally] = {
        chat.chat_id: _Tally(boilerplate=boilerplate, limit=limit) for chat in chats
    }
    english: list[tuple[str, tuple[int, float]]] = []
    for chat in chats:
        customer = [text_without_placeholders(text) for text in chat.customer]
        agent = [
            text_without_placeholders(line)
            for text in chat.agent
            for line in (agent_lines(text) if canned else [text])
            if not canned or canned_line_digest(line) not in canned
        ]
        if is_french(chat.language):
            tally = tallies[chat.chat_id]
            _tally_french(customer, tally, CUSTOMER_WEIGHT, phrases)
            _tally_french(agent, tally, AGENT_WEIGHT, phrases)
            continue
        if customer:
            english.append(("\n".join(customer), (chat.chat_id, CUSTOMER_WEIGHT)))
        if agent:
            english.append(("\n".join(agent), (chat.chat_id, AGENT_WEIGHT)))
    if english:
        # The parser is needed for noun chunks; nothing else is left out.
        pipeline = nlp_pipeline()
        limit = min(KEYWORD_TEXT_MAX_CHARS, pipeline.max_length)
        english = [(text_cut(text, limit), context) for text, context in english]
        for doc, (chat_id, weight) in pipeline.pipe(english, as_tuples=True, batch_size=batch_size):
            _tally_english_doc(doc, tallies[chat_id], weight)
    return {chat_id: tally.top() for chat_id, tally in tallies.items()}
