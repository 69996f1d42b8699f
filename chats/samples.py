"""Synthetic sample chats for the demo and the benchmarks: varied, realistic, reproducible.

Chats are spread over 2014–2026 in Canada (some in Canadian French) and the USA, with a share of
unknown-country, bot-only and abandoned chats, so every part of the lifecycle has something to do.
All names, numbers and addresses are made up (555 phone numbers, example.* domains).
"""

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

FIRST_NAMES = [
    "Ana",
    "Liam",
    "Olivia",
    "Noah",
    "Emma",
    "Mateo",
    "Chloé",
    "Gabriel",
    "Zoé",
    "Ethan",
    "Maya",
    "Lucas",
    "Aisha",
    "Wei",
    "Priyanka",
    "Jamal",
    "Sofia",
    "Mason",
    "Léa",
    "Hiroshi",
    "Fatima",
    "Owen",
    "Isabelle",
    "Diego",
    "Nora",
    "Samuel",
]
LAST_NAMES = [
    "Silva",
    "Tremblay",
    "Nguyen",
    "Smith",
    "Gagnon",
    "Johnson",
    "Roy",
    "Williams",
    "Côté",
    "Brown",
    "Bouchard",
    "Garcia",
    "Martin",
    "Lee",
    "Pelletier",
    "Patel",
    "Morin",
    "Davis",
    "Lavoie",
    "Kim",
    "Fortin",
    "Lopez",
    "Singh",
    "Miller",
]
AGENTS = [
    ("a-1", "Priya", "CA"),
    ("a-2", "Marc", "CA"),
    ("a-3", "Julie", "CA"),
    ("a-4", "Devon", "US"),
    ("a-5", "Kelly", "US"),
    ("a-6", "Tomás", "US"),
]
CA_PLACES = [
    ("CA-ON", "416"),
    ("CA-ON", "613"),
    ("CA-QC", "514"),
    ("CA-QC", "418"),
    ("CA-BC", "604"),
    ("CA-AB", "403"),
    ("CA-NS", "902"),
    ("CA-MB", "204"),
]
US_PLACES = [
    ("US-NY", "212"),
    ("US-CA", "415"),
    ("US-TX", "214"),
    ("US-IL", "312"),
    ("US-WA", "206"),
    ("US-FL", "305"),
    ("US-MA", "617"),
    ("US-GA", "404"),
]

# topic: (tag, customer opening lines, agent resolutions, customer closings)
TOPICS: dict[str, dict[str, list[str]]] = {
    "billing": {
        "ask": [
            "Hi, my card was charged twice for order #{order}.",
            "Why is my bill {price} higher this month?",
            "I see a charge of {price} I don't recognise on invoice INV-{order}.",
        ],
        "fix": [
            "I can see the duplicate charge; I have reversed it, you'll see it in 3-5 days.",
            "The increase is the promotional discount ending; I've added a $10 credit.",
            "That charge is the annual plan renewal; I've emailed you the invoice breakdown.",
        ],
    },
    "refunds": {
        "ask": [
            "I returned order #{order} two weeks ago and still no refund.",
            "Can I get a refund for the {product}? It arrived broken.",
            "I want my money back for order #{order}, it never worked.",
        ],
        "fix": [
            "The refund of {price} was issued today to your original payment method.",
            "I've approved a full refund and a prepaid return label for the {product}.",
            "Your refund is processed; it can take up to 7 days to appear on your statement.",
        ],
    },
    "shipping": {
        "ask": [
            "Where is my package? Tracking 1Z{tracking} hasn't moved in days.",
            "My order #{order} says delivered but I never got it.",
            "Can I change the delivery address for order #{order}?",
        ],
        "fix": [
            "The carrier reports a delay at the depot; it arrives Thursday. Shipping is refunded.",
            "I've opened a claim with the carrier and a replacement ships tomorrow.",
            "Done, the delivery address is updated before dispatch.",
        ],
    },
    "account access": {
        "ask": [
            "I can't log in, it says my password is wrong.",
            "I'm locked out of my account after too many attempts.",
            "The two-factor code never arrives on my phone.",
        ],
        "fix": [
            "I've sent a password reset link; it's valid for 30 minutes.",
            "Your account is unlocked; please reset your password from the login page.",
            "I've switched your two-factor method to email; you can change it in settings.",
        ],
    },
    "cancellations": {
        "ask": [
            "I want to cancel my subscription.",
            "Please cancel my plan at the end of this month.",
            "How do I close my account?",
        ],
        "fix": [
            "Your subscription is cancelled; you keep access until the end of the billing period.",
            "Done, the plan ends on the 30th and you won't be charged again.",
            "I've closed the account; you'll get a confirmation email.",
        ],
    },
    "technical faults": {
        "ask": [
            "The app crashes every time I open it since the update to version {version}.",
            "My {product} won't turn on anymore.",
            "The internet keeps dropping every evening.",
        ],
        "fix": [
            "Please update to version {version}.1, which fixes that crash.",
            "Hold the power button for 15 seconds to reset it; if it stays off we replace it.",
            "I've reset your line from our side and scheduled a technician visit for Friday.",
        ],
    },
    "complaint": {
        "ask": [
            "This is the third time I contact you, I am furious and want to file a complaint.",
            "Your service is useless, I want to speak to a manager.",
            "I want to make a formal complaint about the technician who came yesterday.",
        ],
        "fix": [
            "I'm sorry; I've escalated this as a formal complaint, reference CMP-{order}.",
            "I understand your frustration; a supervisor will call you within 24 hours.",
            "Your complaint is logged and a manager will follow up by email.",
        ],
    },
}
TOPIC_WEIGHTS = {
    "billing": 22,
    "refunds": 15,
    "shipping": 18,
    "account access": 14,
    "cancellations": 10,
    "technical faults": 15,
    "complaint": 6,
}
FRENCH = {
    "ask": [
        "Bonjour, ma carte a été débitée deux fois pour la commande #{order}.",
        "Je n'arrive pas à me connecter à mon compte.",
        "Mon colis n'est toujours pas arrivé, suivi 1Z{tracking}.",
    ],
    "fix": [
        "J'ai remboursé le débit en double, vous le verrez d'ici 3 à 5 jours ouvrables.",
        "Je vous ai envoyé un lien de réinitialisation du mot de passe.",
        "Le transporteur signale un retard; la livraison est prévue jeudi.",
    ],
    "thanks": [
        "Merci beaucoup, c'est parfait!",
        "D'accord, merci.",
        "Super, merci pour votre aide.",
    ],
}
THANKS_GOOD = [
    "Brilliant, thank you so much!",
    "Great, thanks for the quick help.",
    "Perfect, that solves it.",
    "Thanks, that was easy.",
]
THANKS_BAD = [
    "Fine. This took far too long.",
    "Whatever, I'm still not happy.",
    "This is useless, I am furious.",
    "ok",
]
PRODUCTS = ["X200 router", "Model S7 headphones", "TV-4K55 television", "smart thermostat T3"]


def _fill(template: str, rng: random.Random) -> str:
    return template.format(
        order=rng.randint(100000, 999999),
        price=f"${rng.randint(5, 400)}.{rng.randint(0, 99):02d}",
        tracking=f"{rng.randint(10**11, 10**12 - 1)}",
        product=rng.choice(PRODUCTS),
        version=f"{rng.randint(2, 9)}.{rng.randint(0, 9)}",
    )


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def sample_chat(
    number: int,
    rng: random.Random,
    *,
    start: datetime,
    span_days: int,
    messages_per_chat: int | None = None,
    source: str = "demo",
) -> dict[str, Any]:
    started = start + timedelta(seconds=rng.randint(0, span_days * 86400))
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    kind = rng.choices(["CA", "US", "unknown"], weights=[45, 45, 10])[0]
    french = kind == "CA" and rng.random() < 0.2
    if kind == "CA":
        region, area = rng.choice(
            [p for p in CA_PLACES if p[0] == "CA-QC"] if french else CA_PLACES
        )
    elif kind == "US":
        region, area = rng.choice(US_PLACES)
    else:
        region, area = "", ""
    country = region[:2]
    # Some chats carry the country from the source; others leave it to inference.
    given = country and rng.random() < 0.6
    phone = f"+1 {area} 555 {rng.randint(100, 199):04d}" if area and rng.random() < 0.8 else ""
    domain = {"CA": "example.ca", "US": "example.com", "": "example.com"}[country]
    email = f"{first.lower()}.{last.lower()}{number}@{domain}".replace("é", "e").replace("ô", "o")
    agent_id, agent_name, _agent_country = rng.choice(
        [a for a in AGENTS if a[2] == (country or "US")]
    )
    topic = rng.choices(list(TOPIC_WEIGHTS), weights=list(TOPIC_WEIGHTS.values()))[0]
    shape = rng.choices(["normal", "bot_only", "abandoned"], weights=[86, 8, 6])[0]

    clock = started
    messages: list[dict[str, Any]] = []

    def say(sender: str, text: str, gap: tuple[int, int] = (10, 120)) -> None:
        nonlocal clock
        clock += timedelta(seconds=rng.randint(*gap))
        message: dict[str, Any] = {"sender": sender, "sent_at": _iso(clock), "text": text}
        if sender == "agent":
            message["agent_external_id"] = agent_id
        messages.append(message)

    say(
        "bot",
        "Bonjour! Comment puis-je vous aider?" if french else "Hi! How can we help today?",
        (0, 1),
    )
    if shape == "bot_only":
        say("bot", "Here are some help articles: https://help.example.com/faq")
    elif shape == "abandoned":
        say("customer", _fill(rng.choice(FRENCH["ask"] if french else TOPICS[topic]["ask"]), rng))
        say("system", "Customer left the chat")
    else:
        texts = TOPICS[topic]
        say("system", "Chat transferred to an agent")
        say(
            "agent",
            f"Bonjour, je m'appelle {agent_name}."
            if french
            else f"Hi, my name is {agent_name}. Who do I have the pleasure of talking to?",
        )
        say("customer", f"{first} {last}" if not french else f"C'est {first} {last}.")
        say("customer", _fill(rng.choice(FRENCH["ask"] if french else texts["ask"]), rng))
        say(
            "agent",
            "Un instant, je vérifie votre dossier."
            if french
            else "Thanks, let me look into that for you.",
        )
        if rng.random() < 0.5:
            say(
                "agent",
                "Can you confirm the phone number on the account?"
                if not french
                else "Pouvez-vous confirmer votre numéro de téléphone?",
            )
            say("customer", phone or f"{first.lower()}@{domain}")
        say("agent", _fill(rng.choice(FRENCH["fix"] if french else texts["fix"]), rng), (30, 400))
        happy = topic != "complaint" and rng.random() < 0.8
        say(
            "customer",
            rng.choice(FRENCH["thanks"] if french else THANKS_GOOD if happy else THANKS_BAD),
        )
        if messages_per_chat:
            while len(messages) < messages_per_chat - 1:
                say(
                    "agent" if len(messages) % 2 else "customer",
                    "Is there anything else I can help with?"
                    if len(messages) % 2
                    else "No, that's all, thanks.",
                )
        say(
            "agent",
            "Merci et bonne journée!" if french else "Thanks for contacting us, have a great day!",
        )
    if messages_per_chat:
        # Benchmarks ask for an exact size: short shapes (bot-only, abandoned) get system lines.
        while len(messages) < messages_per_chat:
            say("system", "Waiting for the customer to reply")
        messages = messages[:messages_per_chat]

    chat: dict[str, Any] = {
        "external_id": f"{source}-{number:07d}",
        "source": source,
        "started_at": _iso(started),
        "ended_at": _iso(clock + timedelta(seconds=rng.randint(5, 60))),
        "language": "fr" if french else "en",
        "customer": {
            "external_id": f"cust-{number:07d}",
            "name": f"{first} {last}",
            "email": email,
            "phone": phone,
        },
        "agents": [] if shape == "bot_only" else [{"external_id": agent_id, "name": agent_name}],
        "messages": messages,
        "tags": [topic] if rng.random() < 0.3 and shape == "normal" else [],
    }
    if kind == "unknown":
        chat["customer"]["email"] = f"user{number}@mail.example"
        chat["customer"]["phone"] = ""
    if given:
        chat["country"], chat["region"] = country, region
    if shape == "normal" and rng.random() < 0.7:
        rating = rng.choice([4, 5, 5]) if topic != "complaint" else rng.choice([1, 2])
        chat["survey"] = {
            "rating": rating,
            "resolved": rating >= 3,
            "comment": rng.choice(
                ["quick and friendly", "took too long", "", "great agent", "still waiting"]
            ),
            "answers": {"Would you recommend us?": "yes" if rating >= 4 else "no"},
        }
    return chat


def sample_chats(
    count: int,
    *,
    seed: int = 20261123,
    start: datetime | None = None,
    end: datetime | None = None,
    messages_per_chat: int | None = None,
    source: str = "demo",
) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)  # noqa: S311 - reproducible sample data, not security
    start = start or datetime(2014, 1, 1, tzinfo=UTC)
    end = end or datetime(2026, 11, 1, tzinfo=UTC)
    span_days = max(1, (end - start).days)
    for number in range(1, count + 1):
        yield sample_chat(
            number,
            rng,
            start=start,
            span_days=span_days,
            messages_per_chat=messages_per_chat,
            source=source,
        )
