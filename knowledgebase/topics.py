"""Topics (issue #17 item 2): clusters of related keywords. Pure functions, no database.

Clustering, over each sampled chat's top TOPIC_TERMS_PER_CHAT keywords (boilerplate already
gone): the TOPIC_CANDIDATES most frequent terms found in at least TOPIC_MIN_CHATS chats are taken
in order of frequency; a term joins the topic whose leading term it co-occurs with most, when
that co-occurrence is at least JOIN_ASSOCIATION of the rarer term's chats; otherwise it leads a
new topic (at most MAX_TOPICS). A chat belongs to the topic its keywords weigh most in.
"""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from itertools import combinations

TOPIC_TERMS_PER_CHAT = 6
TOPIC_CANDIDATES = 150
TOPIC_MIN_CHATS = 3
JOIN_ASSOCIATION = 0.35
MAX_TOPICS = 30
MAX_TERMS = 12
MATCH_JACCARD = 0.3


def topic_clusters(
    chat_terms: Iterable[Sequence[str]], *, min_chats: int = TOPIC_MIN_CHATS
) -> list[list[str]]:
    """Clusters of related terms, biggest first; each cluster's first term leads it."""
    frequency: Counter[str] = Counter()
    rows = [list(dict.fromkeys(terms[:TOPIC_TERMS_PER_CHAT])) for terms in chat_terms]
    for terms in rows:
        frequency.update(terms)
    candidates = [
        term
        for term, count in sorted(frequency.items(), key=lambda item: (-item[1], item[0]))
        if count >= min_chats
    ][:TOPIC_CANDIDATES]
    wanted = set(candidates)
    together: Counter[tuple[str, str]] = Counter()
    for terms in rows:
        present = sorted(term for term in terms if term in wanted)
        together.update(combinations(present, 2))
    clusters: list[list[str]] = []
    for term in candidates:
        best: list[str] | None = None
        best_score = 0.0
        for cluster in clusters:
            lead = cluster[0]
            pair = (lead, term) if lead < term else (term, lead)
            score = together[pair] / min(frequency[term], frequency[lead])
            if score > best_score and len(cluster) < MAX_TERMS:
                best, best_score = cluster, score
        if best is not None and best_score >= JOIN_ASSOCIATION:
            best.append(term)
        elif len(clusters) < MAX_TOPICS:
            clusters.append([term])
    return clusters


def topic_default_name(terms: Sequence[str]) -> str:
    return " / ".join(terms[:2]).capitalize()[:128] or "Unnamed topic"


def jaccard(left: Iterable[str], right: Iterable[str]) -> float:
    a, b = set(left), set(right)
    return len(a & b) / len(a | b) if a | b else 0.0


def chat_topic_pick(
    keywords: Iterable[tuple[str, float]], term_topic: Mapping[str, int]
) -> tuple[int, float] | None:
    """(topic id, weight) of the topic the chat's keywords weigh most in; None: no topic term."""
    weights: dict[int, float] = {}
    for term, weight in keywords:
        topic = term_topic.get(term)
        if topic is not None:
            weights[topic] = weights.get(topic, 0.0) + weight
    if not weights:
        return None
    topic, weight = min(weights.items(), key=lambda item: (-item[1], item[0]))
    return topic, round(weight, 3)
