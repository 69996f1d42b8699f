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
