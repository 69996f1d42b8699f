"""Sentiment per message and the chat satisfaction score (R-CHAT-4). Pure functions, no database.

Model choice, measured on shared/data/pii_dev_sample.jsonl (customer messages):
- vaderSentiment 3.3.2 (English lexicon + rules, compound score −1…+1) gives a non-neutral score
  to 41% of English messages and handles negation, intensifiers and emoticons ("this is useless,
  I am furious" −0.76; "brilliant, thank you" +0.74). The spaCy model ships no sentiment
  component, so a spaCy-based scorer would mean training one; VADER is chosen.
- On French messages VADER is wrong rather than silent: it scores 3% of them, and those wrongly
  ("non c'est tout, merci!" −0.20, because it reads "non" as English negation; "Parfait, merci!"
  0.0). French messages (chat language fr*, or a message that reads as French) are scored by
  knowledgebase/sentiment_fr.py instead (a ridge regression over the multilingual sentence
  encoder, fitted on labelled French lines; held-out accuracy in the README).

Satisfaction 0–100 (documented on the chat page, "why this score"):
    survey rating        R = (stars − 1) / 4 × 100                  weight 0.60
    customer sentiment   S = (s + 1) / 2 × 100                      weight 0.25
        s = the customer's messages' mean compound and the survey comment's compound, the comment
        counted twice (it is the customer's verdict after the chat)
    resolved             V = 100 if the survey says resolved, else 0 weight 0.15
Missing parts drop out and the remaining weights are scaled up to sum to 1, so the rating weighs
most whenever it is present; with nothing to go on there is no score (null), never a guess.
Where survey and words disagree (5 stars and furious words; 1 star and warm thanks) the survey
decides the side and the words move the score within it: such two chats stay ≥ 40 points apart
in English and in French (tests/knowledgebase/test_satisfaction_languages.py).
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version
from typing import Any

from redaction.placeholders import text_without_placeholders

SENTIMENT_MODEL = "vaderSentiment"
NOT_SCORED_EMPTY = "no words left after redaction placeholders were removed"
WEIGHT_RATING = 0.60
WEIGHT_SENTIMENT = 0.25
WEIGHT_RESOLVED = 0.15
COMMENT_COUNTS_AS = 2
FRENCH_MARKERS = frozenset(
    {
        "je",
        "vous",
        "est",
        "merci",
        "bonjour",
        "pas",
        "mon",
        "ma",
        "mes",
        "une",
        "des",
        "les",
        "le",
        "la",
        "et",
        "pour",
        "avec",
        "c'est",
        "j'ai",
        "votre",
        "ne",
        "suis",
        "oui",
        "non",
    }
)
ENGLISH_MARKERS = frozenset(
    {
        "i",
        "you",
        "is",
        "the",
        "my",
        "and",
        "to",
        "for",
        "thanks",
        "thank",
        "it",
        "a",
        "not",
        "this",
        "with",
        "your",
        "are",
        "was",
        "can",
        "have",
    }
)
_WORDS = re.compile(r"[a-zà-ÿ']+")


@lru_cache(maxsize=1)
def sentiment_model_version() -> str:
    return version("vaderSentiment")


@lru_cache(maxsize=1)
def _analyzer() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def reads_as_french(text: str) -> bool:
    words = _WORDS.findall(text.lower())
    french = sum(word in FRENCH_MARKERS for word in words)
    english = sum(word in ENGLISH_MARKERS for word in words)
    return french >= 2 and french > english


@dataclass(frozen=True)
class MessageScore:
    score: float | None
    language: str
    not_scored_reason: str = ""
    model: str = SENTIMENT_MODEL


def message_sentiment_score(*, text: str, chat_language: str) -> MessageScore:
    """Compound sentiment of one redacted message, or None with the reason it was not scored."""
    (score,) = messages_sentiment_scores([(text, chat_language)])
    return score


def messages_sentiment_scores(messages: Sequence[tuple[str, str]]) -> list[MessageScore]:
    """`message_sentiment_score` of many (text, chat language) pairs, in their order, with
    every French line of them encoded in ONE batch: the sentence encoder costs about three
    times less per line in a batch than line by line (extract_keywords, issue #19)."""
    scores: list[MessageScore | None] = []
    french_lines: list[tuple[int, str]] = []
    for text, chat_language in messages:
        clean = text_without_placeholders(text).strip()
        french = chat_language.lower().startswith("fr") or reads_as_french(clean)
        language = "fr" if french else "en"
        if not _WORDS.search(clean.lower()):
            scores.append(
                MessageScore(score=None, language=language, not_scored_reason=NOT_SCORED_EMPTY)
            )
        elif french:
            french_lines.append((len(scores), clean))
            scores.append(None)
        else:
            compound = float(_analyzer().polarity_scores(clean)["compound"])
            scores.append(MessageScore(score=round(compound, 4), language="en"))
    if french_lines:
        from knowledgebase.sentiment_fr import FRENCH_SENTIMENT_MODEL, french_sentiment_scores

        values = french_sentiment_scores([clean for _, clean in french_lines])
        for (position, _), value in zip(french_lines, values, strict=True):
            scores[position] = MessageScore(
                score=value, language="fr", model=FRENCH_SENTIMENT_MODEL
            )
    return [score for score in scores if score is not None]


@dataclass(frozen=True)
class SatisfactionPart:
    key: str
    label: str
    value: float  # 0–100
    weight: float
    detail: str


def _customer_voice(
    message_mean: float | None, message_count: int, comment: float | None
) -> tuple[float | None, str]:
    if message_mean is None and comment is None:
        return None, ""
    if comment is None:
        assert message_mean is not None  # noqa: S101 - narrowed above
        return (
            message_mean,
            f"mean of {message_count} scored customer message(s): {message_mean:+.2f}",
        )
    if message_mean is None:
        return comment, f"survey comment: {comment:+.2f}"
    blended = (message_mean + COMMENT_COUNTS_AS * comment) / (1 + COMMENT_COUNTS_AS)
    return blended, (
        f"customer messages {message_mean:+.2f} (mean of {message_count}) and survey comment "
        f"{comment:+.2f} counted twice → {blended:+.2f}"
    )


def satisfaction_compute(
    *,
    rating: int | None,
    resolved: bool | None,
    message_sentiment: float | None,
    messages_scored: int,
    comment_sentiment: float | None,
) -> dict[str, Any]:
    """The score and its explanation, stored as is (it must outlive the chat's messages)."""
    parts: list[SatisfactionPart] = []
    voice, voice_detail = _customer_voice(message_sentiment, messages_scored, comment_sentiment)
    if rating is not None:
        parts.append(
            SatisfactionPart(
                "rating",
                "Survey rating",
                (rating - 1) / 4 * 100,
                WEIGHT_RATING,
                f"{rating} of 5 stars",
            )
        )
    if voice is not None:
        parts.append(
            SatisfactionPart(
                "sentiment",
                "Customer sentiment",
                (voice + 1) / 2 * 100,
                WEIGHT_SENTIMENT,
                voice_detail,
            )
        )
    if resolved is not None:
        parts.append(
            SatisfactionPart(
                "resolved",
                "Resolved (survey)",
                100.0 if resolved else 0.0,
                WEIGHT_RESOLVED,
                "yes" if resolved else "no",
            )
        )
    total_weight = sum(part.weight for part in parts)
    missing = [
        label
        for key, label in (
            ("rating", "survey rating"),
            ("sentiment", "customer sentiment"),
            ("resolved", "resolved answer"),
        )
        if key not in {part.key for part in parts}
    ]
    if not parts:
        return {
            "score": None,
            "parts": [],
            "missing": missing,
            "summary": "No survey and no scored customer text: no satisfaction score.",
        }
    rows: list[dict[str, Any]] = []
    score = 0.0
    for part in parts:
        share = part.weight / total_weight
        contribution = part.value * share
        score += contribution
        rows.append(
            {
                "key": part.key,
                "label": part.label,
                "value": round(part.value, 1),
                "weight": part.weight,
                "share": round(share, 3),
                "contribution": round(contribution, 1),
                "detail": part.detail,
            }
        )
    summary = " + ".join(
        f"{row['label'].lower()} {row['value']:.0f}×{row['share']:.2f}" for row in rows
    )
    return {
        "score": round(score, 1),
        "parts": rows,
        "missing": missing,
        "summary": f"{summary} = {score:.0f}",
    }
