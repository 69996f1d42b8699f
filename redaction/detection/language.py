"""English or French, per message, by the share of each language's function words.

Chat messages are short ("ok merci", "yes 30318"), which is where general language
identifiers are weakest and slowest; the detector only has to tell English from French, and
function words do that well: each message is scored by how many of its words are frequent
English-only or French-only words. A message with no clear majority takes the language of
the chat: its `language` when it names one, else the majority of its clear messages.
Measured on the development samples: see the README (PII redaction).
"""

import re
from collections import Counter
from collections.abc import Sequence

from redaction.detection.lexicon import fold

LANGUAGES = ("en", "fr")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")

# Frequent words of one language that are rare in the other (accent-folded, lower case).
_ENGLISH = frozenset(
    [
        "the",
        "and",
        "you",
        "your",
        "yours",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "have",
        "has",
        "had",
        "do",
        "does",
        "did",
        "not",
        "no",
        "yes",
        "yeah",
        "it",
        "its",
        "it's",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "how",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "with",
        "without",
        "from",
        "for",
        "of",
        "to",
        "in",
        "into",
        "at",
        "by",
        "about",
        "my",
        "me",
        "mine",
        "our",
        "we",
        "us",
        "they",
        "them",
        "their",
        "he",
        "she",
        "his",
        "her",
        "him",
        "i",
        "i'm",
        "i've",
        "i'll",
        "i'd",
        "don't",
        "can't",
        "won't",
        "didn't",
        "isn't",
        "hi",
        "hello",
        "hey",
        "thanks",
        "thank",
        "please",
        "sure",
        "okay",
        "ok",
        "just",
        "also",
        "so",
        "but",
        "if",
        "then",
        "than",
        "because",
        "all",
        "any",
        "some",
        "one",
        "two",
        "just",
        "get",
        "got",
        "need",
        "want",
        "like",
        "know",
        "see",
        "call",
        "back",
        "number",
        "account",
        "card",
        "help",
        "today",
        "order",
        "problem",
        "still",
        "again",
        "ship",
        "send",
        "sent",
        "email",
        "phone",
        "address",
    ]
)
_FRENCH = frozenset(
    [
        "le",
        "la",
        "les",
        "un",
        "une",
        "des",
        "du",
        "de",
        "d'",
        "et",
        "est",
        "sont",
        "etait",
        "etre",
        "avoir",
        "ai",
        "as",
        "avez",
        "avons",
        "ont",
        "fait",
        "je",
        "j'ai",
        "tu",
        "il",
        "elle",
        "nous",
        "vous",
        "ils",
        "elles",
        "me",
        "moi",
        "mon",
        "ma",
        "mes",
        "ton",
        "ta",
        "tes",
        "son",
        "sa",
        "ses",
        "notre",
        "votre",
        "vos",
        "leur",
        "leurs",
        "ce",
        "cet",
        "cette",
        "ces",
        "c'est",
        "qui",
        "que",
        "quoi",
        "quel",
        "quelle",
        "quels",
        "quelles",
        "ou",
        "dans",
        "sur",
        "sous",
        "avec",
        "sans",
        "pour",
        "par",
        "chez",
        "mais",
        "donc",
        "car",
        "si",
        "pas",
        "plus",
        "rien",
        "jamais",
        "oui",
        "non",
        "merci",
        "bonjour",
        "bonsoir",
        "salut",
        "svp",
        "stp",
        "s'il",
        "plait",
        "voici",
        "voila",
        "aussi",
        "tres",
        "bien",
        "tout",
        "tous",
        "toute",
        "toutes",
        "peut",
        "pouvez",
        "puis",
        "veux",
        "voulez",
        "dois",
        "devez",
        "faut",
        "numero",
        "adresse",
        "courriel",
        "telephone",
        "compte",
        "carte",
        "commande",
        "colis",
        "aujourd'hui",
        "demain",
        "hier",
        "deja",
        "encore",
        "j'habite",
        "n'est",
        "n'ai",
        "m'appelle",
        "l'adresse",
        "d'accord",
        "parfait",
        "instant",
        "attendez",
    ]
)


def message_language(text: str, folded: str | None = None) -> str:
    """ "en", "fr", or "" when the message does not say (too short, numbers, names)."""
    words = _WORD.findall(fold(text) if folded is None else folded)
    english = sum(1 for word in words if word in _ENGLISH)
    french = sum(1 for word in words if word in _FRENCH)
    for word in words:  # elisions ("l'adresse", "j'envoie") are French whatever follows
        if len(word) > 2 and word[1] == "'" and word[0] in "cdjlmnst" and word not in _ENGLISH:
            french += 1
    if english == french:
        return ""
    return "fr" if french > english else "en"


def chat_languages(
    texts: Sequence[str], chat_language: str = "", folded: Sequence[str] | None = None
) -> list[str]:
    """The language of each message: its own when clear, else the chat's.

    The chat's `language` decides for unclear messages when it is one the detector reads;
    when it is missing or another language, the majority of the clear messages decides.
    """
    chat_language = chat_language[:2].lower()  # "fr-CA" reads as French
    detected = [
        message_language(text, None if folded is None else folded[index])
        for index, text in enumerate(texts)
    ]
    votes = Counter(language for language in detected if language)
    fallback = chat_language if chat_language in LANGUAGES else ""
    if not fallback or (votes and votes.most_common(1)[0][0] != fallback and _clear(votes)):
        fallback = votes.most_common(1)[0][0] if votes else "en"
    return [language or fallback for language in detected]


def _clear(votes: Counter[str]) -> bool:
    """Most clear messages agree (three to one): enough to overrule a wrong chat language."""
    ranked = votes.most_common(2)
    first = ranked[0][1]
    second = ranked[1][1] if len(ranked) > 1 else 0
    return first >= 2 and first >= 3 * second
