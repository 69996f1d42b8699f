"""Issue #17 item 2: keywords leave out conversational boilerplate learned from document
frequency and the agents' canned lines (not a hand list: "pleasure", "talk", "lovely" are in no
list), chats are grouped into topics with editable names, and the topic filters search."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from chats.models import Chat
from knowledgebase.models import BoilerplateTerm, CannedLine, ChatKeyword, ChatTopic, Topic
from knowledgebase.services.analysis import chats_analyse
from knowledgebase.services.topics import topics_learn
from tests.factories import make_chat
from tests.knowledgebase.conftest import NOW, redact

pytestmark = pytest.mark.usefixtures("taxonomy")
GREETING = "Hello, I'm Robin. Who do I have the pleasure of talking to on this lovely afternoon?"
CLOSING = "It was a real pleasure talking with you, enjoy the lovely afternoon."
SUBJECTS = {
    "refunds": [
        ("My refund for the returned kettle never came.", "The kettle refund is issued today."),
        ("Still no refund for the returned lamp.", "I pushed the lamp refund through now."),
    ],
    "shipping": [
        ("The parcel tracking is stuck at the depot.", "The depot delay is over; parcel Friday."),
        ("My parcel went to the wrong depot.", "The carrier reroutes the parcel from the depot."),
    ],
    "account-access": [
        ("My password reset link expired.", "Here is a fresh password reset link."),
        ("The login says my password is wrong.", "I unlocked the login; reset the password."),
    ],
    "billing": [
        (
            "The invoice shows a duplicate charge.",
            "I reversed the duplicate charge on the invoice.",
        ),
        ("Why is this invoice higher?", "The invoice includes the new plan charge."),
    ],
}


def _chat(started: datetime, customer: str, answer: str) -> Chat:
    def at(minutes: int) -> str:
        return (started + timedelta(minutes=minutes)).isoformat()

    messages = [
        {"sender": "agent", "agent_external_id": "a-7", "sent_at": at(0), "text": GREETING},
        {"sender": "customer", "sent_at": at(1), "text": customer},
        {"sender": "agent", "agent_external_id": "a-7", "sent_at": at(3), "text": answer},
        {"sender": "customer", "sent_at": at(4), "text": "Okay."},
        {"sender": "agent", "agent_external_id": "a-7", "sent_at": at(5), "text": CLOSING},
    ]
    return redact(make_chat(started_at=started, messages=messages, tags=[]))


@pytest.fixture
def corpus(db: None) -> dict[str, list[Chat]]:
    rng = random.Random(99)
    chats: dict[str, list[Chat]] = {subject: [] for subject in SUBJECTS}
    for number in range(48):
        subject = list(SUBJECTS)[number % 4]
        customer, answer = rng.choice(SUBJECTS[subject])
        started = datetime(2025, 2, 1, 9, tzinfo=UTC) + timedelta(hours=5 * number)
        chats[subject].append(_chat(started, customer, answer))
    chats_analyse(now=NOW)
    return chats


def _terms(chat: Chat) -> set[str]:
    return set(ChatKeyword.objects.filter(chat=chat).values_list("term", flat=True))


def test_learned_boilerplate_stops_being_keywords_and_topic_words_stay(corpus) -> None:
    everyone = [chat for chats in corpus.values() for chat in chats]
    before = sum("pleasure" in _terms(chat) for chat in everyone)

    summary = topics_learn(now=NOW)

    assert before > len(everyone) / 2  # the hand list knew nothing of it
    learned = set(BoilerplateTerm.objects.values_list("term", flat=True))
    assert {"pleasure", "afternoon"} & learned
    assert not {"refund", "parcel", "password", "invoice"} & learned  # taxonomy terms stay
    assert CannedLine.objects.filter(text__contains="who do i have the pleasure").exists()
    assert not any(_terms(chat) & learned for chat in everyone)
    assert summary.boilerplate.keywords_removed > 0
    assert all("refund" in _terms(chat) for chat in corpus["refunds"])


def test_a_chat_analysed_after_learning_never_gets_the_boilerplate(corpus) -> None:
    topics_learn(now=NOW)
    fresh = _chat(datetime(2025, 3, 1, 9, tzinfo=UTC), *SUBJECTS["shipping"][0])

    chats_analyse(now=NOW + timedelta(hours=1))

    terms = _terms(fresh)
    assert "parcel" in terms
    assert not terms & set(BoilerplateTerm.objects.values_list("term", flat=True))
    assert ChatTopic.objects.filter(chat=fresh).exists()


def test_chats_are_grouped_into_topics_and_the_topic_filters_search(corpus, support_api) -> None:
    topics_learn(now=NOW)
    refund_chat = corpus["refunds"][0]
    topic = ChatTopic.objects.get(chat=refund_chat).topic
    assert "refund" in topic.terms

    response = support_api.get("/api/v1/kb/search/", {"q": "refund", "topic": topic.slug})

    assert response.status_code == 200
    found = {hit["id"] for hit in response.json()["results"]}
    assert refund_chat.pk in found
    placed = set(ChatTopic.objects.filter(topic=topic).values_list("chat_id", flat=True))
    assert found <= placed
    assert not found & {chat.pk for chat in corpus["shipping"]}


def test_an_unknown_topic_is_a_400_naming_the_field(db: None, support_api) -> None:
    response = support_api.get("/api/v1/kb/search/", {"q": "refund", "topic": "no-such-topic"})

    assert response.status_code == 400
    assert "topic" in response.json()["message"]


def test_staff_rename_a_topic_and_learning_again_keeps_the_name(
    corpus, support_api, auditor_api
) -> None:
    topics_learn(now=NOW)
    topic = ChatTopic.objects.get(chat=corpus["shipping"][0]).topic
    url = f"/api/v1/kb/topics/{topic.pk}/"

    assert auditor_api.patch(url, {"name": "Late parcels"}, format="json").status_code == 403
    blank = support_api.patch(url, {"name": "   "}, format="json")
    assert blank.status_code == 400
    assert "name" in str(blank.json())
    assert support_api.patch(url, {"name": "Late parcels"}, format="json").status_code == 200
    topics_learn(now=NOW + timedelta(days=1))

    topic.refresh_from_db()
    assert topic.name == "Late parcels"
    assert topic.name_edited
    assert ChatTopic.objects.get(chat=corpus["shipping"][0]).topic == topic
    assert {row["name"] for row in auditor_api.get("/api/v1/kb/topics/").json()} >= {"Late parcels"}


def test_the_topics_page_renames_without_javascript_and_auditors_only_read(
    corpus, client, support_user, auditor_user
) -> None:
    topics_learn(now=NOW)
    topic = Topic.objects.first()
    assert topic is not None
    client.force_login(auditor_user)
    page = client.get("/kb/topics/")
    assert page.status_code == 200
    assert topic.name in page.content.decode()
    assert client.post(f"/kb/topics/{topic.pk}/rename/", {"name": "X"}).status_code == 403

    client.force_login(support_user)
    assert 'name="name"' in client.get("/kb/topics/").content.decode()
    response = client.post(f"/kb/topics/{topic.pk}/rename/", {"name": "Parcel delays"})

    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.name == "Parcel delays"
    assert client.get("/kb/trends/").status_code == 200
    assert "Parcel delays" in client.get("/kb/taxonomy/").content.decode()


def test_a_blank_or_overlong_name_on_the_page_is_refused_not_a_500(corpus, client, manager_user):
    topics_learn(now=NOW)
    topic = Topic.objects.first()
    assert topic is not None
    client.force_login(manager_user)

    for name in ["   ", "x" * 129]:
        response = client.post(f"/kb/topics/{topic.pk}/rename/", {"name": name}, follow=True)
        assert response.status_code == 200
        assert "1 to 128 characters" in response.content.decode()
    assert client.post("/kb/topics/999999/rename/", {"name": "Ghost"}).status_code == 404
    assert client.get(f"/kb/topics/{topic.pk}/rename/").status_code in (403, 405)
    topic.refresh_from_db()
    assert not topic.name_edited


def test_search_documents_lose_the_boilerplate_at_the_next_keyword_run(corpus) -> None:
    from core.jobs import job_run
    from knowledgebase.models import SearchDocument

    topics_learn(now=NOW)
    job_run(name="extract_keywords", now=NOW + timedelta(hours=1))

    learned = set(BoilerplateTerm.objects.values_list("term", flat=True))
    for keywords in SearchDocument.objects.values_list("keywords", flat=True):
        assert not set(keywords.strip("|").split("|")) & learned
