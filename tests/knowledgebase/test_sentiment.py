from collections.abc import Callable

import pytest

from chats.models import Chat
from knowledgebase.models import ChatInsight, MessageSentiment
from knowledgebase.sentiment import (
    message_sentiment_score,
    satisfaction_compute,
    sentiment_model_version,
)
from knowledgebase.sentiment_fr import FRENCH_SENTIMENT_MODEL
from knowledgebase.services.analysis import chats_analyse
from tests.knowledgebase.conftest import NOW

pytestmark = pytest.mark.usefixtures("taxonomy")


def test_angry_one_star_chat_scores_well_below_happy_five_star_chat(
    topic_chat: Callable[..., Chat],
) -> None:
    angry = topic_chat(
        "refund",
        closing="this is useless, I am furious",
        survey={"rating": 1, "resolved": False, "comment": "useless", "answers": {}},
    )
    happy = topic_chat(
        "refund",
        closing="brilliant, thank you",
        survey={"rating": 5, "resolved": True, "comment": "brilliant", "answers": {}},
    )

    chats_analyse(now=NOW)

    angry_insight = ChatInsight.objects.get(chat=angry)
    happy_insight = ChatInsight.objects.get(chat=happy)
    assert angry_insight.satisfaction is not None
    assert happy_insight.satisfaction is not None
    assert angry_insight.satisfaction < 20
    assert happy_insight.satisfaction > 80
    assert happy_insight.sentiment is not None
    assert angry_insight.sentiment is not None
    assert happy_insight.sentiment > angry_insight.sentiment
    parts = {p["key"]: p for p in angry_insight.satisfaction_explanation["parts"]}
    assert parts["rating"]["detail"] == "1 of 5 stars"
    assert parts["rating"]["share"] > parts["sentiment"]["share"]
    stored = MessageSentiment.objects.filter(chat=angry).first()
    assert stored is not None
    assert stored.model_name == "vaderSentiment"
    assert stored.model_version == sentiment_model_version()


def test_rating_weighs_most_when_present() -> None:
    result = satisfaction_compute(
        rating=5, resolved=None, message_sentiment=-1.0, messages_scored=3, comment_sentiment=None
    )
    assert result["score"] > 50
    shares = {part["key"]: part["share"] for part in result["parts"]}
    assert shares["rating"] > 0.5
    assert result["missing"] == ["resolved answer"]


def test_no_evidence_means_no_score() -> None:
    result = satisfaction_compute(
        rating=None,
        resolved=None,
        message_sentiment=None,
        messages_scored=0,
        comment_sentiment=None,
    )
    assert result["score"] is None


def test_sentiment_alone_maps_linearly_to_0_100() -> None:
    result = satisfaction_compute(
        rating=None,
        resolved=None,
        message_sentiment=0.5,
        messages_scored=1,
        comment_sentiment=None,
    )
    assert result["score"] == 75.0


@pytest.mark.parametrize(
    ("text", "language"),
    [("Parfait, merci beaucoup!", "fr"), ("non c'est tout, merci pour votre aide", "")],
)
def test_french_is_scored_by_the_french_model_not_as_english(text: str, language: str) -> None:
    result = message_sentiment_score(text=text, chat_language=language)
    assert result.language == "fr"
    assert result.model == FRENCH_SENTIMENT_MODEL
    assert result.score is not None
    assert result.score > 0.3  # both lines thank the agent; VADER read the second as negative


def test_placeholders_are_not_scored_as_words() -> None:
    assert message_sentiment_score(text="[PERSON_1]", chat_language="en").score is None
    score = message_sentiment_score(text="brilliant, thank you [PERSON_1]", chat_language="en")
    assert score.score is not None
    assert score.score > 0.5
