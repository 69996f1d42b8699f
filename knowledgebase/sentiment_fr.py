"""French sentiment per line (issue #17): vaderSentiment is English-only, so French lines are
scored by a small ridge regression over the multilingual sentence encoder (core/embeddings.py).

The regression is fitted on knowledgebase/data/sentiment_fr_lines.py TRAIN (lines written for
this project, labelled −1/0/+1) the first time a process needs it: the fit is one 512×512 solve
and the embedding of about ninety lines, well under a second, so there are no stored weights
to go stale when the encoder changes. The output is a score in −1…+1 like VADER's compound;
|score| < NEUTRAL_BAND reads as neutral. HELD_OUT lines are only used to measure it
(`french_sentiment_accuracy`, reported in the README).
"""

import threading
from collections.abc import Sequence

import numpy as np

from core.embeddings import embedding_model_name, texts_embed
from knowledgebase.data.sentiment_fr_lines import HELD_OUT, TRAIN

FRENCH_SENTIMENT_MODEL = "fr-ridge-usem"
RIDGE_LAMBDA = 0.5
NEUTRAL_BAND = 0.3

_weights: dict[str, np.ndarray] = {}
_lock = threading.Lock()


def _fit(lines: Sequence[tuple[str, int]]) -> np.ndarray:
    features = texts_embed([text for text, _ in lines]).astype(np.float64)
    features = np.hstack([features, np.ones((len(lines), 1))])
    labels = np.array([label for _, label in lines], dtype=np.float64)
    gram = features.T @ features + RIDGE_LAMBDA * np.eye(features.shape[1])
    return np.linalg.solve(gram, features.T @ labels)


def _model() -> np.ndarray:
    key = embedding_model_name()
    weights = _weights.get(key)
    if weights is None:
        with _lock:
            weights = _weights.get(key)
            if weights is None:
                weights = _weights[key] = _fit(TRAIN)
    return weights


def french_sentiment_version() -> str:
    return f"{len(TRAIN)}-lines+{embedding_model_name()}"


def french_sentiment_scores(texts: Sequence[str]) -> list[float]:
    """Scores in −1…+1 for French lines, in the order given."""
    if not texts:
        return []
    weights = _model()
    features = texts_embed(list(texts)).astype(np.float64)
    raw = features @ weights[:-1] + weights[-1]
    return [round(float(np.clip(value, -1.0, 1.0)), 4) for value in raw]


def sentiment_label(score: float) -> int:
    if score >= NEUTRAL_BAND:
        return 1
    if score <= -NEUTRAL_BAND:
        return -1
    return 0


def french_sentiment_accuracy() -> dict[str, float]:
    """Accuracy on the held-out lines: three classes, and polarity (positive vs negative lines)."""
    scores = french_sentiment_scores([text for text, _ in HELD_OUT])
    labels = [label for _, label in HELD_OUT]
    exact = sum(
        sentiment_label(score) == label for score, label in zip(scores, labels, strict=True)
    )
    polar = [(score, label) for score, label in zip(scores, labels, strict=True) if label]
    polarity = sum((score > 0) == (label > 0) for score, label in polar)
    return {
        "lines": float(len(HELD_OUT)),
        "accuracy_3_class": round(exact / len(HELD_OUT), 3),
        "accuracy_polarity": round(polarity / len(polar), 3),
    }
