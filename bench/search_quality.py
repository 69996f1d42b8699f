"""Knowledge-base search quality (issue #17): precision@10 and nDCG@10 of lexical-only search
against hybrid (full-text + concept) search, on our own query set, side by side in one run.

    .venv/bin/python bench/search_quality.py              # SQLite scratch file
    DATABASE_URL=postgres://… .venv/bin/python bench/search_quality.py --keep-database-url

The corpus is generated here (seeded): chats on a dozen support topics, each customer phrasing
written in other words than the queries that should find it, in English and Canadian French,
plus abandoned and greeting-only chats as distractors. It goes through the real path: import,
the redaction layer (copied: the texts hold no PII), `extract_keywords`, `embed_search_documents`,
then `kb_search` with concept search off (KB_SEARCH_SEMANTIC=false) and on. A chat is relevant to
a query when it is about the query's topic. "No shared word" queries share no content word with
any chat of their topic: they measure what lexical search cannot do.
"""

import argparse
import math
import os
import random
import re
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# topic: (customer phrasings, agent answers, queries)
CORPUS: dict[str, tuple[list[str], list[str], list[str]]] = {
    "shipping": (
        [
            "My parcel still hasn't arrived and the tracking shows nothing new.",
            "The package I ordered ten days ago is nowhere to be seen.",
            "It's been two weeks and my order never showed up at my door.",
            "The courier says it was dropped off but there is no box here.",
            "Mon colis n'est toujours pas arrivé, le suivi ne bouge plus.",
            "Where is my shipment? It was supposed to come on Monday.",
        ],
        [
            "The carrier has your box at the depot; it goes out tomorrow.",
            "I asked the courier to bring it Friday and refunded the express fee.",
            "Le transporteur a votre colis, il sera livré jeudi.",
        ],
        ["delivery is late", "where is my order", "livraison en retard"],
    ),
    "billing": (
        [
            "This month's invoice is way more than usual, I was overcharged.",
            "You charged my card twice for the same plan.",
            "Why did my statement go up by forty dollars?",
            "There is a fee on my account that I never agreed to.",
            "Ma facture est beaucoup plus élevée que d'habitude.",
        ],
        [
            "You were billed twice; I removed the extra amount from your account.",
            "That fee was a mistake, the credit will show on your next statement.",
        ],
        ["bill is too high", "double charge", "wrong amount billed"],
    ),
    "password": (
        [
            "I cannot sign in, it keeps saying my credentials are wrong.",
            "I forgot my login details and the reset email never comes.",
            "My account got locked after a few attempts to get in.",
            "Je n'arrive plus à me connecter à mon compte.",
        ],
        [
            "I unlocked your account and sent you a reset link by email.",
            "The reset link is on its way; it stays valid for one hour.",
        ],
        ["can't log in", "password reset", "locked out of account"],
    ),
    "technician": (
        [
            "Can someone come to my house to fix the router? It needs a visit.",
            "I need a repair person to look at the modem in person.",
            "When can your installer come? The line in my basement is broken.",
            "Est-ce qu'un réparateur peut passer chez moi cette semaine?",
        ],
        [
            "I booked a technician for Thursday between 8 and noon.",
            "Our field crew will visit on Saturday morning to replace the jack.",
        ],
        ["technician appointment", "schedule a home visit"],
    ),
    "refund": (
        [
            "I sent the blender back two weeks ago and haven't seen my money.",
            "The return was received but nothing came back to my card.",
            "When will I get reimbursed for the jacket I returned?",
            "J'attends toujours mon remboursement pour le retour.",
        ],
        [
            "The reimbursement is approved; it reaches your card in five days.",
            "I issued the money back today, it shows in 3 to 5 business days.",
        ],
        ["refund not received", "money back for a return"],
    ),
    "cancel": (
        [
            "Please stop my subscription at the end of the month.",
            "I want to end my membership, I don't use it anymore.",
            "How do I close my plan so I am not charged next year?",
            "Je veux résilier mon abonnement.",
        ],
        [
            "Your plan is cancelled; access continues until the renewal date.",
            "I closed the membership and you will not be charged again.",
        ],
        ["cancel subscription", "terminate my account plan"],
    ),
    "crash": (
        [
            "The app shuts down every time I open it after the update.",
            "The mobile application freezes on the start screen.",
            "Since version 4.2 the program closes by itself.",
            "L'application plante dès que je l'ouvre.",
        ],
        [
            "Version 4.3 fixes this; please clear the cache and reinstall.",
            "Our developers released a patch, update from the store.",
        ],
        ["app crashes", "software keeps quitting"],
    ),
    "internet": (
        [
            "The wifi keeps dropping every evening and the light blinks red.",
            "My connection is extremely slow since yesterday.",
            "No network at home since the storm.",
            "Internet coupe sans arrêt depuis hier soir.",
        ],
        [
            "There is an outage in your area; it should be fixed by 6 pm.",
            "I reset your line from here, please restart the modem.",
        ],
        ["internet outage", "connection keeps cutting out"],
    ),
    "address": (
        [
            "I moved last month and need the new street on my account.",
            "Please update where you send my mail.",
            "My residence changed, how do I edit it in my profile?",
            "J'ai déménagé, il faut changer mes coordonnées.",
        ],
        [
            "I updated the address on file; future orders go to the new place.",
            "Done, your profile now shows your new residence.",
        ],
        ["change my address", "moving to a new home"],
    ),
    "warranty": (
        [
            "The vacuum stopped working after three months, is that covered?",
            "My headphones broke and I bought them in the spring.",
            "The screen cracked by itself, can I get it replaced for free?",
            "Mon grille-pain ne marche plus après deux mois, est-il garanti?",
        ],
        [
            "It is under warranty; a replacement ships tomorrow with a return label.",
            "The guarantee covers it, I opened a replacement claim.",
        ],
        ["warranty claim", "defective product replacement"],
    ),
}
DISTRACTORS = [
    "Hello?",
    "Hi, is anyone there?",
    "Thanks, bye.",
    "Never mind, I figured it out.",
]
GREETING = "Hi, thanks for contacting us! How can I help you today?"


@dataclass(frozen=True)
class Query:
    topic: str
    text: str
    shares_a_word: bool


_WORD = re.compile(r"[a-zà-ÿ]+")
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "is",
        "my",
        "to",
        "of",
        "in",
        "on",
        "for",
        "and",
        "or",
        "i",
        "it",
        "me",
        "be",
        "was",
        "de",
        "la",
        "le",
        "les",
        "mon",
        "ma",
        "mes",
        "un",
        "une",
        "est",
    ]
)


def _content_words(text: str) -> set[str]:
    return {word for word in _WORD.findall(text.lower()) if word not in _STOP and len(word) > 2}


def queries() -> list[Query]:
    found = []
    for topic, (asks, answers, texts) in CORPUS.items():
        topic_words = set().union(*(_content_words(text) for text in asks + answers))
        for text in texts:
            shares = bool(_content_words(text) & topic_words)
            found.append(Query(topic=topic, text=text, shares_a_word=shares))
    return found


def corpus_chats(seed: int, per_topic: int) -> list[tuple[str, dict[str, object]]]:
    rng = random.Random(seed)
    started = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
    chats: list[tuple[str, dict[str, object]]] = []

    def chat(topic: str, lines: list[tuple[str, str]], language: str) -> None:
        number = len(chats) + 1
        at = started + timedelta(hours=number)
        messages: list[dict[str, object]] = []
        for offset, (sender, text) in enumerate(lines):
            message: dict[str, object] = {
                "sender": sender,
                "sent_at": (at + timedelta(minutes=offset)).isoformat(),
                "text": text,
            }
            if sender == "agent":
                message["agent_external_id"] = "a-1"
            messages.append(message)
        chats.append(
            (
                topic,
                {
                    "external_id": f"sq-{number:05d}",
                    "source": "bench-search-quality",
                    "started_at": at.isoformat(),
                    "ended_at": (at + timedelta(minutes=len(lines))).isoformat(),
                    "language": language,
                    "country": "CA",
                    "agents": [{"external_id": "a-1", "name": "Agent"}],
                    "messages": messages,
                    "survey": {"rating": rng.choice([4, 5]), "resolved": True},
                },
            )
        )

    for topic, (asks, answers, _queries) in CORPUS.items():
        for index in range(per_topic):
            ask = asks[index % len(asks)]
            french = any(ch in ask for ch in "éèàçù") or ask.startswith(("Je ", "Mon ", "Ma "))
            answer = rng.choice([a for a in answers if french == ("é" in a or "è" in a)] or answers)
            chat(
                topic,
                [
                    ("agent", GREETING),
                    ("customer", ask),
                    ("agent", answer),
                    ("customer", "Merci!" if french else "Great, thanks."),
                ],
                "fr" if french else "en",
            )
    for index in range(per_topic):
        chat("distractor", [("customer", DISTRACTORS[index % len(DISTRACTORS)])], "en")
    return chats


def _ndcg(relevant: list[bool]) -> float:
    dcg = sum(1 / math.log2(rank + 2) for rank, hit in enumerate(relevant) if hit)
    ideal = sum(1 / math.log2(rank + 2) for rank in range(len(relevant)))
    return dcg / ideal if ideal else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-topic", type=int, default=14, help="chats per topic (>= 10)")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--keep-database-url", action="store_true")
    args = parser.parse_args()
    if not args.keep_database_url:
        scratch = Path(tempfile.mkdtemp()) / "search_quality.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT / "bench"))
    import _bootstrap

    _bootstrap.setup()
    from django.db.models import F
    from django.test import override_settings

    from chats.interchange import chat_payload_from_dict
    from chats.models import Chat, Message
    from chats.services.import_batch import chat_import
    from knowledgebase.selectors.search import kb_search
    from knowledgebase.services.analysis import chats_analyse
    from knowledgebase.services.embeddings import search_documents_embed
    from knowledgebase.services.taxonomy import taxonomy_seed

    _bootstrap.banner("search quality: lexical only against hybrid")
    taxonomy_seed()
    Chat.objects.filter(source="bench-search-quality").delete()
    topic_of: dict[int, str] = {}
    for topic, data in corpus_chats(args.seed, args.per_topic):
        chat, _ = chat_import(payload=chat_payload_from_dict(data))
        topic_of[chat.pk] = topic
    now = datetime.now(tz=UTC)
    Message.objects.filter(chat_id__in=topic_of).update(text_redacted=F("text"))
    Chat.objects.filter(pk__in=topic_of).update(redacted_at=now, redaction_version="bench")
    chats_analyse(now=now)
    search_documents_embed(now=now)

    rows = []
    for mode, semantic in (("lexical", False), ("hybrid", True)):
        with override_settings(KB_SEARCH_SEMANTIC=semantic):
            for query in queries():
                hits = kb_search(query=query.text, limit=10).hits
                relevant = [
                    topic_of.get(hit.id) == query.topic for hit in hits if hit.type == "chat"
                ]
                padded = (relevant + [False] * 10)[:10]
                rows.append((mode, query, sum(padded) / 10, _ndcg(padded)))

    def mean(values: list[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    print(
        f"{len(topic_of)} chats, {len(queries())} queries "
        f"({sum(not q.shares_a_word for q in queries())} with no word in common)"
    )
    print(f"{'':28}{'lexical':>10}{'hybrid':>10}   target (hybrid)")
    for label, keep in (
        ("precision@10, all", lambda q: True),
        ("precision@10, no shared word", lambda q: not q.shares_a_word),
    ):
        lexical = mean([p for mode, q, p, _ in rows if mode == "lexical" and keep(q)])
        hybrid = mean([p for mode, q, p, _ in rows if mode == "hybrid" and keep(q)])
        target = ">= 0.90" if label.endswith("all") else ">= 0.80"
        print(f"{label:28}{lexical:>10.3f}{hybrid:>10.3f}   {target}")
    lexical = mean([n for mode, _, _, n in rows if mode == "lexical"])
    hybrid = mean([n for mode, _, _, n in rows if mode == "hybrid"])
    print(f"{'nDCG@10, all':28}{lexical:>10.3f}{hybrid:>10.3f}")
    print("\nper query (precision@10 lexical → hybrid):")
    by_query: dict[str, dict[str, float]] = {}
    for mode, query, precision, _ in rows:
        by_query.setdefault(query.text, {})[mode] = precision
    for text, figures in by_query.items():
        print(f"  {text:36} {figures['lexical']:.1f} → {figures['hybrid']:.1f}")


if __name__ == "__main__":
    main()
