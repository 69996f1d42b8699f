"""Small rules about chat text the knowledge base shares between its parts: which lines are
courtesy (greetings, thanks) rather than substance. No database, no spaCy."""

import re

_WORD = re.compile(r"\w+", re.UNICODE)

# Greetings and thanks say nothing of a chat's subject: short lines with one of these words.
COURTESY_MAX_WORDS = 9
COURTESY_WORDS = frozenset(
    [
        "hi",
        "hello",
        "hey",
        "thanks",
        "thank",
        "welcome",
        "bye",
        "goodbye",
        "morning",
        "afternoon",
        "evening",
        "pleasure",
        "help",
        "assist",
        "bonjour",
        "bonsoir",
        "merci",
        "salut",
        "revoir",
        "aider",
        "plaisir",
    ]
)


def is_courtesy(line: str) -> bool:
    """A short line of greetings or thanks: it says nothing of what a chat is about."""
    words = _WORD.findall(line.lower())
    return len(words) < COURTESY_MAX_WORDS and bool(COURTESY_WORDS.intersection(words))


# Agent lines that open or close a chat rather than solve anything.
PLEASANTRIES = (
    "thanks for contacting",
    "have a great day",
    "anything else",
    "my name is",
    "may i have your name",
    "one moment",
    "let me check",
    "can you confirm",
    "please confirm",
    "bonne journée",
    "je m'appelle",
    "un instant",
)


def is_pleasantry(text: str) -> bool:
    """An agent line that opens or closes a chat rather than solving anything."""
    lowered = text.lower()
    return any(phrase in lowered for phrase in PLEASANTRIES)


_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")
_EDGE_PUNCTUATION = " .,!?;:'\"()-–—"


def canned_line_normalise(text: str) -> str:
    """An agent line as templates repeat it: placeholders out, lower case, digits as #, single
    spaces, no punctuation at the ends. Two chats' "Order #123 is on its way!" and "order #987
    is on its way" are the same line."""
    from redaction.placeholders import text_without_placeholders

    line = text_without_placeholders(text).lower()
    line = _SPACES.sub(" ", _DIGITS.sub("#", line))
    return line.strip(_EDGE_PUNCTUATION)[:500]


def canned_line_digest(text: str) -> str:
    import hashlib

    return hashlib.sha256(canned_line_normalise(text).encode()).hexdigest()


def agent_lines(text: str) -> list[str]:
    """One agent message as lines (a message often holds a greeting line and an answer)."""
    return [line for line in re.split(r"(?<=[.!?])\s+|\n+", text) if line.strip()]
