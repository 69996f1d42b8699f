"""PII detection (R-PII-1): spaCy NER plus validated patterns, context words and identity.

`chats_detect` takes many chats at once so the spaCy pipeline runs batched (`nlp.pipe`) over
all their messages; everything else is per chat, because context crosses messages: a number
answers the question asked just before it, a name found once is a name everywhere in the chat,
and the customer's own name, e-mail and phone come from the chat's metadata.

Bump DETECTOR_VERSION whenever a change could find something different: chats redacted by an
older version can then be re-redacted on request (`redact_chats --rerun-outdated`).
"""

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from redaction.detection import addresses, conversation, language, lexicon, names, patterns
from redaction.detection.types import PRIORITY, ChatText, EntityType, Finding, Identity

if TYPE_CHECKING:
    from spacy.language import Language

__all__ = [
    "DETECTOR_VERSION",
    "ChatText",
    "EntityType",
    "Finding",
    "Identity",
    "chats_detect",
    "findings_resolve",
]

# 1.1: an overlapped finding keeps its uncovered part.
# 1.2: the conversation (pieces, the agent's question, one value one type), French pipeline.
# 1.3: pieces with dots and brackets (two messages apart at most), numbers spelt in words,
# "on behalf of", "reste chez", in-law relations, no street after a time or "from", 'YY births.
# 1.4: adversarial sample 4: "first part" of a card is no part number, letter-by-letter and
# two-message spoken e-mail addresses, birth days in words and misspelt birth questions, an
# agent's old dates of account events kept, "+1" phone pieces, third parties by "spoke with",
# "from the … team", "chez" + full name, employers after an agent's name.
DETECTOR_VERSION = "pii-1.4"
# Only the entity recognizer is needed: each model's NER has its own token-to-vector layer.
NER_DISABLED = (
    "tok2vec",
    "tagger",
    "parser",
    "attribute_ruler",
    "lemmatizer",
    "senter",
    "morphologizer",
)
NER_BATCH_SIZE = 256
_NER_LABELS = {"en": {"PERSON"}, "fr": {"PER"}}


def ner_pipeline(language: str = "en") -> "Language":
    from core.nlp import nlp_pipeline

    return nlp_pipeline(disable=NER_DISABLED, language=language)


def _worth_ner(text: str) -> bool:
    # The model finds people by their capitals; a text without a letter after its first
    # character cannot hold a capitalised name, so it skips the most expensive step.
    return any(char.isupper() for char in text[1:]) or (text[:1].isupper() and " " in text.strip())


def persons_by_ner(
    texts: Sequence[str], nlp: "Language | None" = None, language: str = "en"
) -> dict[str, list[tuple[int, int]]]:
    """PERSON character spans for each distinct text (identical texts are analysed once),
    by the pipeline of `language` (or `nlp`)."""
    unique = list(dict.fromkeys(text for text in texts if _worth_ner(text)))
    if not unique:
        return {}
    pipeline = nlp if nlp is not None else ner_pipeline(language)
    labels = _NER_LABELS[language]
    spans: dict[str, list[tuple[int, int]]] = {}
    for text, doc in zip(unique, pipeline.pipe(unique, batch_size=NER_BATCH_SIZE), strict=True):
        spans[text] = [(ent.start_char, ent.end_char) for ent in doc.ents if ent.label_ in labels]
    return spans


_Ner = dict[tuple[str, str], list[tuple[int, int]]]


def _persons_by_language(
    chats: Sequence[ChatText], languages: Sequence[Sequence[str]], nlp: "Language | None"
) -> _Ner:
    """Each message read by the pipeline of its language: one batched pass per language."""
    ner: _Ner = {}
    for lang in language.LANGUAGES:
        texts = [
            text
            for chat, langs in zip(chats, languages, strict=True)
            for text, text_lang in zip(chat.texts, langs, strict=True)
            if text_lang == lang
        ]
        if not texts:
            continue
        found = persons_by_ner(texts, nlp if lang == "en" else None, lang)
        ner.update({(lang, text): spans for text, spans in found.items()})
    return ner


def findings_resolve(findings: Sequence[Finding], text: str = "") -> list[Finding]:
    """Non-overlapping findings: higher priority first, then longer, then earlier.

    A finding that loses an overlap keeps the parts nobody else covers: when a login matches
    "Élise" inside the full name "Élise Gagnon", "Gagnon" must not leak.
    """
    chosen: list[Finding] = []
    for finding in sorted(
        findings, key=lambda f: (-PRIORITY[f.entity], -(f.end - f.start), f.start)
    ):
        if finding.end <= finding.start:
            continue
        overlapping = sorted(
            (c for c in chosen if finding.start < c.end and c.start < finding.end),
            key=lambda c: c.start,
        )
        if not overlapping:
            chosen.append(finding)
            continue
        cursor = finding.start
        for covered in [*overlapping, Finding(finding.end, finding.end, finding.entity)]:
            start, end = cursor, min(covered.start, finding.end)
            while text and start < end and text[start].isspace():
                start += 1
            while text and end > start and text[end - 1].isspace():
                end -= 1
            if end > start and (not text or any(ch.isalnum() for ch in text[start:end])):
                chosen.append(Finding(start, end, finding.entity, f"{finding.rule}+rest"))
            cursor = max(cursor, covered.end)
    return sorted(chosen, key=lambda f: f.start)


def _phone_fragments(chat: ChatText, folded: Sequence[str]) -> set[int]:
    """Messages that are a phone number typed in two parts: "(579) 820" then "5812"."""
    fragments: set[int] = set()
    for index, text in enumerate(chat.texts):
        if not patterns.PHONE_FRAGMENT_HEAD.match(text):
            continue
        following = next(
            (
                j
                for j in range(index + 1, min(index + 3, len(chat.texts)))
                if chat.senders[j] == chat.senders[index]
            ),
            None,
        )
        asked = patterns._PHONE_WORDS.search(" ".join(folded[max(0, index - 2) : index]))
        if following is not None and patterns.PHONE_FRAGMENT_TAIL.match(chat.texts[following]):
            fragments.update({index, following})
        elif asked:
            fragments.add(index)
    return fragments


_EMAIL_HEAD = re.compile(r"^\s*([A-Za-z0-9][\w.+-]*)\s*$")
# The domain half, typed ("@icloud.com") or spoken ("at hotmail dot com", "arobase gmail").
_EMAIL_TAIL = re.compile(
    r"^\s*(?:@|\(at\)|\[at\]|at\b|arobase\b|arobas\b)\s*([\w-]+)"
    r"((?:\s*(?:\.|\bdot\b|\bpoint\b)\s*[a-z]{2,6}\b)*)\s*[.!]?\s*$"
)
_NOT_EMAIL_HEAD = frozenset(
    ["ok", "okay", "sure", "yes", "yeah", "oui", "its", "it's", "c'est", "and", "then", "puis"]
)


def _email_fragments(chat: ChatText, folded: Sequence[str]) -> set[int]:
    """First halves of e-mail addresses typed in two messages: "enelson", then "@icloud.com"
    or "at hotmail dot com" (a known provider or a top-level domain)."""
    fragments: set[int] = set()
    for index in range(len(chat.texts) - 1):
        head = _EMAIL_HEAD.match(folded[index])
        tail = _EMAIL_TAIL.match(folded[index + 1])
        if (
            head is not None
            and tail is not None
            and chat.senders[index + 1] == chat.senders[index]
            and len(head.group(1)) >= 3
            and head.group(1) not in _NOT_EMAIL_HEAD
            and (tail.group(2) or tail.group(1) in lexicon.EMAIL_PROVIDERS)
        ):
            fragments.add(index)
    return fragments


def _drop_inside_iban(found: list[Finding]) -> None:
    """An IBAN passed its check digits: the digit groups inside it are not a phone or a card."""
    ibans = [f for f in found if f.rule == "iban"]
    if ibans:
        found[:] = [
            f
            for f in found
            if f.rule == "iban" or not any(i.start <= f.start and f.end <= i.end for i in ibans)
        ]


def _chat_detect(
    chat: ChatText, folded: Sequence[str], ner: _Ner, languages: Sequence[str]
) -> list[list[Finding]]:
    identity = names.IdentityMatcher(chat.identity)
    fragments = _phone_fragments(chat, folded)
    email_fragments = _email_fragments(chat, folded)
    question = conversation.questions(chat, folded)
    contexts = [
        patterns.MessageContext(
            text=text,
            folded=folded[index],
            previous=conversation.previous_context(chat, folded, question, index),
            sender=chat.senders[index],
            reference_year=chat.reference_year,
            urls=patterns.urls_find(text),
            question=question[index],
            language=languages[index],
        )
        for index, text in enumerate(chat.texts)
    ]
    per_message = conversation.pieces_find(chat, contexts)
    for index, context in enumerate(contexts):
        text = context.text
        found = per_message[index]
        for recognizer in patterns.RECOGNIZERS:
            found.extend(recognizer(context))
        streets = list(addresses.addresses_find(context))
        found.extend(streets)
        found.extend(addresses.postal_codes_find(context, bool(streets)))
        found.extend(addresses.zips_find(context, bool(streets)))
        if index in fragments:
            found.append(Finding(0, len(text.rstrip()), EntityType.PHONE, "phone_fragment"))
        if index in email_fragments:
            found.append(Finding(0, len(text.rstrip()), EntityType.EMAIL, "email_fragment"))
        found.extend(conversation.bare_answers_find(context))
        found.extend(conversation.spelt_numbers_find(context))
        _drop_inside_iban(found)
        found.extend(identity.find(context))
        found.extend(names.person_rules_find(context))
        found.extend(
            names.ner_persons_find(
                text, ner.get((context.language, text), ()), french=context.language == "fr"
            )
        )

    # A name found anywhere in the chat is redacted wherever its words appear in the chat.
    words: set[str] = set()
    for text, found in zip(chat.texts, per_message, strict=True):
        words |= names.person_words(text, findings_resolve(found, text))
    pattern = names.words_pattern({w for w in words if len(w) >= 3})
    resolved = []
    for context, found in zip(contexts, per_message, strict=True):
        found.extend(names.propagated_persons_find(context, pattern))
        resolved.append(findings_resolve(found, context.text))
    # A value found once is the same type, and placeholder, wherever else it appears.
    again = conversation.propagated_values_find(contexts, resolved)
    return [
        findings_resolve([*found, *more], context.text) if more else found
        for context, found, more in zip(contexts, resolved, again, strict=True)
    ]


def chats_detect(
    chats: Sequence[ChatText], *, nlp: "Language | None" = None
) -> list[list[list[Finding]]]:
    """For each chat, for each of its texts, the findings (sorted, non-overlapping).

    `nlp` replaces the English pipeline (tests, benchmarks); French messages are always read
    by the SPACY_MODEL_FR pipeline."""
    folded = [[lexicon.fold(text) for text in chat.texts] for chat in chats]
    languages = [
        language.chat_languages(chat.texts, chat.language, chat_folded)
        for chat, chat_folded in zip(chats, folded, strict=True)
    ]
    ner = _persons_by_language(chats, languages, nlp)
    return [
        _chat_detect(chat, chat_folded, ner, langs)
        for chat, chat_folded, langs in zip(chats, folded, languages, strict=True)
    ]
