"""Issue #17 item 5: French lines are scored by a French method, and two chats whose survey and
words disagree in the obvious direction still get satisfaction scores ≥ 40 points apart, in
English and in French (through the whole analysis job, not the formula alone)."""

from datetime import UTC, datetime

import pytest

from chats.models import Chat
from knowledgebase.models import ChatInsight, MessageSentiment
from knowledgebase.sentiment_fr import FRENCH_SENTIMENT_MODEL, french_sentiment_accuracy
from knowledgebase.services.analysis import chats_analyse
from tests.factories import make_chat
from tests.knowledgebase.conftest import NOW, messages_for, redact

STARTED = datetime(2025, 2, 11, 15, 20, tzinfo=UTC)
LINES = {
    "en": {
        "angry": (
            "My modem dropped again, this is useless and I am furious.",
            "I have reset the line and booked a technician.",
            "Terrible service, worst experience ever, I hate this.",
        ),
        "warm": (
            "Hello, my modem light is blinking orange.",
            "I have reset the line from here.",
            "Wonderful, thank you so much, you were brilliant and very kind!",
        ),
    },
    "fr": {
        "angry": (
            "Mon modem a encore coupé, c'est inadmissible, je suis furieux.",
            "J'ai réinitialisé la ligne et réservé un technicien.",
            "Service lamentable, vous êtes nuls, je suis dégoûté.",
        ),
        "warm": (
            "Bonjour, le voyant de mon modem clignote en orange.",
            "J'ai réinitialisé la ligne de notre côté.",
            "Merveilleux, merci infiniment, vous avez été formidable et très gentille !",
        ),
    },
}


def _chat(language: str, mood: str, *, rating: int, resolved: bool) -> Chat:
    customer, agent, closing = LINES[language][mood]
    return redact(
        make_chat(
            language=language,
            started_at=STARTED,
            messages=messages_for(STARTED, customer, agent, closing),
            survey={"rating": rating, "resolved": resolved, "comment": "", "answers": {}},
            tags=[],
        )
    )


@pytest.mark.parametrize("language", ["en", "fr"])
def test_disagreeing_survey_and_words_stay_forty_points_apart(db: None, language: str) -> None:
    # 5 stars but furious words, against 1 star but warm thanks: the survey still decides.
    praised = _chat(language, "angry", rating=5, resolved=True)
    panned = _chat(language, "warm", rating=1, resolved=False)

    chats_analyse(now=NOW)

    high = ChatInsight.objects.get(chat=praised)
    low = ChatInsight.objects.get(chat=panned)
    assert high.satisfaction is not None
    assert low.satisfaction is not None
    assert high.satisfaction - low.satisfaction >= 40
    # …and the words were heard in both languages: they pull each score towards them.
    assert high.sentiment is not None
    assert high.sentiment < -0.3
    assert low.sentiment is not None
    assert low.sentiment > 0.3
    assert high.satisfaction < 100
    assert low.satisfaction > 0


def test_french_words_move_the_score_under_the_same_survey(db: None) -> None:
    angry = _chat("fr", "angry", rating=3, resolved=True)
    warm = _chat("fr", "warm", rating=3, resolved=True)

    chats_analyse(now=NOW)

    assert set(
        MessageSentiment.objects.filter(chat__in=[angry, warm]).values_list("model_name", flat=True)
    ) == {FRENCH_SENTIMENT_MODEL}
    warm_score = ChatInsight.objects.get(chat=warm).satisfaction
    angry_score = ChatInsight.objects.get(chat=angry).satisfaction
    assert warm_score is not None
    assert angry_score is not None
    assert warm_score - angry_score >= 10  # sentiment weighs 0.25 of the score


def test_french_sentiment_held_out_accuracy() -> None:
    measured = french_sentiment_accuracy()
    assert measured["accuracy_polarity"] >= 0.9
    assert measured["accuracy_3_class"] >= 0.75
