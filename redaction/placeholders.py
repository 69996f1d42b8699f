"""Typed placeholders, consistent within a chat (R-PII-2).

The same value gets the same placeholder in every message of a chat: "Ana Silva" is
[PERSON_1] wherever it appears, and "Ana" alone is [PERSON_1] too when it is part of exactly
one full name found in the chat. Values are compared in a normal form (case and accents
folded; numbers by their digits), never hashed, and the mapping is never stored.
"""

import re
from collections import Counter
from collections.abc import Sequence

from redaction.detection import EntityType, Finding
from redaction.detection.lexicon import fold

_NUMERIC = {
    EntityType.PHONE,
    EntityType.CREDIT_CARD,
    EntityType.CA_SIN,
    EntityType.US_SSN,
    EntityType.BANK_ACCOUNT,
}
# Compiled once (detection/names.py: re's own cache is churned by per-chat patterns).
_NOT_DIGIT = re.compile(r"\D")
_ALNUM_RUN = re.compile(r"[a-z0-9]+")
# A placeholder as texts_redact writes it: "[PERSON_1]", "[CA_POSTAL_CODE_2]".
PLACEHOLDER = re.compile(r"\[[A-Z][A-Z_]*_\d+\]")


def text_without_placeholders(text: str) -> str:
    """The redacted text with each placeholder blanked out (for word counts, keywords, tone)."""
    return PLACEHOLDER.sub(" ", text)


def _normal_form(entity: EntityType, value: str) -> str:
    if entity in _NUMERIC:
        digits = _NOT_DIGIT.sub("", value)
        return digits[-10:] if entity is EntityType.PHONE else digits
    return " ".join(_ALNUM_RUN.findall(fold(value)))


class PlaceholderBook:
    """Numbers the distinct values of each type in the order they first appear in a chat."""

    def __init__(self) -> None:
        self._numbers: dict[tuple[EntityType, str], int] = {}
        self._counts: Counter[EntityType] = Counter()
        self._person_words: dict[str, set[str]] = {}

    def prepare_persons(self, values: Sequence[str]) -> None:
        """Registers full names first, so that a first name alone maps to its full name."""
        for value in values:
            key = _normal_form(EntityType.PERSON, value)
            if " " in key:
                for word in key.split():
                    self._person_words.setdefault(word, set()).add(key)

    def placeholder(self, entity: EntityType, value: str) -> str:
        key = _normal_form(entity, value)
        if entity is EntityType.PERSON and " " not in key:
            owners = self._person_words.get(key, set())
            if len(owners) == 1:
                key = next(iter(owners))
        number = self._numbers.get((entity, key))
        if number is None:
            self._counts[entity] += 1
            number = self._numbers[(entity, key)] = self._counts[entity]
        return f"[{entity.value}_{number}]"


def texts_redact(
    texts: Sequence[str], findings: Sequence[Sequence[Finding]]
) -> tuple[list[str], list[Counter[str]]]:
    """The redacted texts of one chat, and per text the count of findings by type."""
    book = PlaceholderBook()
    book.prepare_persons(
        [
            text[f.start : f.end]
            for text, found in zip(texts, findings, strict=True)
            for f in found
            if f.entity is EntityType.PERSON
        ]
    )
    redacted: list[str] = []
    counts: list[Counter[str]] = []
    for text, found in zip(texts, findings, strict=True):
        parts: list[str] = []
        position = 0
        counter: Counter[str] = Counter()
        for finding in sorted(found, key=lambda f: f.start):
            parts.append(text[position : finding.start])
            value = finding.key or text[finding.start : finding.end]
            parts.append(book.placeholder(finding.entity, value))
            counter[finding.entity.value] += 1
            position = finding.end
        parts.append(text[position:])
        redacted.append("".join(parts))
        counts.append(counter)
    return redacted, counts
