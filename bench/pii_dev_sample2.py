"""Generates the second PII development sample: chats that must be read as a conversation.

    .venv/bin/python bench/pii_dev_sample2.py [--count 160] [--seed 2] [--out FILE]

Writes interchange JSONL with ground truth in the labelled format of
../shared/data/README.md (`pii`, `decoys`, `neutral`), default bench/data/pii_dev_sample2.jsonl.
Its dialogues and values are not those of tests/redaction/: identifiers typed in pieces over
consecutive messages, bare answers to the agent's question (after filler messages), spelt-out
e-mail addresses, Canadian French banking and identity wording, French street types and units,
lower-case IBANs, dates of travel, purchase and delivery followed by a number or a word, and
French names after "chez" or before "va vous rappeler". Some chats carry a missing or wrong
`language`. Deterministic for a given seed.
"""

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _pii_dev_sample2_data import (
    BRANDS_EN,
    BRANDS_FR,
    CITIES_EN,
    CITIES_FR,
    FILLERS_EN,
    FILLERS_FR,
    FIRST,
    LAST,
    MONTHS_EN,
    MONTHS_FR,
    PROVIDERS,
    STREETS_EN,
    STREETS_FR,
    TYPES_FR,
    UNITS_FR,
)
from _samples import sample_main

OUT = Path(__file__).resolve().parent / "data" / "pii_dev_sample2.jsonl"


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char) * (2 if index % 2 else 1)
        total += number - 9 if number > 9 else number
    return total % 10 == 0


def _luhn_number(rng: random.Random, prefix: str, length: int) -> str:
    while True:
        digits = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix)))
        if _luhn_ok(digits):
            return digits


def _iban(rng: random.Random) -> str:
    country, size = rng.choice([("FR", 23), ("BE", 12), ("DE", 18), ("NL", 14)])
    if country == "NL":
        bban = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(4))
        bban += "".join(rng.choice("0123456789") for _ in range(10))
    else:
        bban = "".join(rng.choice("0123456789") for _ in range(size))
    numeric = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    check = 98 - int(numeric) % 97
    compact = f"{country}{check:02d}{bban}"
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4)).lower()


class Chat:
    def __init__(self, rng: random.Random, number: int, french: bool) -> None:
        self.rng = rng
        self.french = french
        self.first, self.last = rng.choice(FIRST), rng.choice(LAST)
        self.agent = rng.choice(["Mireille", "Stéphane", "Karine", "Jordan", "Tessa", "Ravi"])
        self.started = datetime(2025, 3, 1, 9, tzinfo=UTC) + timedelta(hours=number * 7)
        self.messages: list[dict[str, str]] = []
        self.pii: list[dict[str, Any]] = []
        self.decoys: list[dict[str, Any]] = []
        self.neutral: list[dict[str, Any]] = []
        self.number = number

    def say(self, sender: str, text: str) -> int:
        at = self.started + timedelta(seconds=40 * len(self.messages))
        self.messages.append({"sender": sender, "sent_at": at.isoformat(), "text": text})
        return len(self.messages) - 1

    def agent_says(self, text: str) -> int:
        return self.say("agent", text)

    def customer(self, text: str, *labels: tuple[str, str]) -> int:
        index = self.say("customer", text)
        for kind, value in labels:
            if value not in text:
                raise ValueError(f"label {value!r} not in {text!r}")
            self.pii.append({"type": kind, "value": value, "message_index": index})
        return index

    def decoy(self, index: int, kind: str, value: str) -> None:
        if value not in self.messages[index]["text"]:
            raise ValueError(f"decoy {value!r} not in message {index}")
        self.decoys.append({"kind": kind, "value": value, "message_index": index})

    def filler(self) -> None:
        if self.rng.random() < 0.6:
            for _ in range(self.rng.randint(1, 2)):
                self.customer(self.rng.choice(FILLERS_FR if self.french else FILLERS_EN))

    def as_dict(self, language: str) -> dict[str, Any]:
        return {
            "external_id": f"pii2-{self.number:05d}",
            "source": "benchmark2",
            "started_at": self.started.isoformat(),
            "language": language,
            "country": "CA",
            "customer": {
                "external_id": f"cust2-{self.number:05d}",
                "name": f"{self.first} {self.last}",
            },
            "agents": [{"external_id": f"ag2-{self.agent}", "name": self.agent}],
            "messages": self.messages,
            "pii": self.pii,
            "decoys": self.decoys,
            "neutral": self.neutral,
        }


# --- scenarios: each adds a few turns to a chat ----------------------------------------------
def _split(rng: random.Random, digits: str, sizes: list[int]) -> list[str]:
    pieces, at = [], 0
    for size in sizes:
        pieces.append(digits[at : at + size])
        at += size
    return pieces


def card_in_pieces(c: Chat) -> None:
    rng = c.rng
    card = _luhn_number(
        rng, rng.choice(["4", "51", "37", "6011"]), 16 if rng.random() < 0.85 else 15
    )
    sizes = rng.choice([[8, len(card) - 8], [4, 4, 4, len(card) - 12], [6, len(card) - 6]])
    pieces = _split(rng, card, sizes)
    grouped = [" ".join(p[i : i + 4] for i in range(0, len(p), 4)) for p in pieces]
    c.agent_says(
        "Je vais avoir besoin du numéro de la carte pour le paiement."
        if c.french
        else "I'll need the card number to process the payment."
    )
    for piece in grouped:
        c.customer(piece, ("CREDIT_CARD", piece))
    c.agent_says("Merci, c'est noté." if c.french else "Thank you, that went through.")


def phone_in_pieces(c: Chat) -> None:
    rng = c.rng
    phone = f"{rng.randint(2, 9)}{rng.randint(0, 9)}{rng.randint(0, 9)}"
    phone += f"{rng.randint(2, 9)}{rng.randint(10, 99)}{rng.randint(1000, 9999)}"
    c.agent_says(
        "À quel numéro le technicien peut-il vous joindre?"
        if c.french
        else "Which number should the technician text when he's close?"
    )
    head, mid, tail = phone[:3], phone[3:6], phone[6:]
    if rng.random() < 0.5:
        c.customer(head, ("PHONE", head))
        c.customer(f"{mid} {tail}", ("PHONE", f"{mid} {tail}"))
    else:
        c.customer(f"{head}-{mid}", ("PHONE", f"{head}-{mid}"))
        c.customer(tail, ("PHONE", tail))


def account_in_pieces(c: Chat) -> None:
    rng = c.rng
    account = "".join(rng.choice("0123456789") for _ in range(rng.randint(7, 12)))
    cut = rng.randint(3, len(account) - 3)
    c.agent_says(
        "Dans quel compte voulez-vous le dépôt direct?"
        if c.french
        else "Which account would you like the direct deposit sent to?"
    )
    c.customer(account[:cut], ("BANK_ACCOUNT", account[:cut]))
    c.filler()
    c.customer(account[cut:], ("BANK_ACCOUNT", account[cut:]))


def spelt_email(c: Chat) -> None:
    rng = c.rng
    first, last = c.first.lower(), c.last.lower()
    first = first.replace("ë", "e").replace("é", "e").replace("è", "e")
    provider = rng.choice(PROVIDERS)
    c.agent_says(
        "Quelle adresse courriel dois-je utiliser?" if c.french else "What email should I use?"
    )
    if c.french:
        value = f"{first} point {last} arobase {provider} point ca"
        c.customer(f"c'est {value}", ("EMAIL", value))
    else:
        tld = rng.choice(["", " dot com", " dot ca"])
        value = f"{first} dot {last} at {provider}{tld}"
        c.customer(f"it's {value}", ("EMAIL", value))


def bare_zip(c: Chat) -> None:
    rng = c.rng
    if c.french:
        c.agent_says("Pour confirmer, quel est le code postal au dossier?")
        c.filler()
        letters = "ABCEGHJKLMNPRSTVXY"
        value = (
            f"{rng.choice(letters)}{rng.randint(0, 9)}{rng.choice(letters)}"
            f"{rng.randint(0, 9)}{rng.choice(letters)}{rng.randint(0, 9)}"
        )
        value = value.lower() if rng.random() < 0.5 else value
        c.customer(value, ("CA_POSTAL_CODE", value))
    else:
        c.agent_says("To verify, what's the ZIP on your billing address?")
        c.filler()
        value = f"{rng.randint(10000, 99999)}"
        c.customer(value, ("US_ZIP", value))


def bare_dob(c: Chat) -> None:
    rng = c.rng
    year = rng.randint(1950, 2004)
    c.agent_says(
        "Et votre date de naissance?" if c.french else "Can you also confirm your birth date?"
    )
    c.filler()
    if rng.random() < 0.5:
        value = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{year % 100:02d}"
    else:
        value = f"{rng.randint(1, 12)}-{rng.randint(1, 28)}-{year}"
    c.customer(value, ("DATE_OF_BIRTH", value))


def bare_sin_digits(c: Chat) -> None:
    rng = c.rng
    count = rng.choice([3, 4])
    value = "".join(rng.choice("0123456789") for _ in range(count))
    if c.french:
        word = "trois" if count == 3 else "quatre"
        c.agent_says(f"Pouvez-vous confirmer les {word} derniers chiffres de votre NAS?")
    else:
        c.agent_says(f"Please confirm the last {count} digits of your SIN.")
    c.filler()
    c.customer(value, ("CA_SIN", value))


def bare_branch_account(c: Chat) -> None:
    rng = c.rng
    transit = f"{rng.randint(10000, 99999)}"
    account = f"{rng.randint(1000000, 9999999)}"
    if c.french:
        c.agent_says("Quel est votre numéro de succursale et de compte?")
    else:
        c.agent_says("What are the branch and account numbers on the cheque?")
    c.customer(f"{transit} {account}", ("BANK_ACCOUNT", account))
    c.neutral.append({"value": transit, "message_index": len(c.messages) - 1})


def french_cheque_line(c: Chat) -> None:
    rng = c.rng
    transit, institution = f"{rng.randint(10000, 99999)}", f"{rng.randint(1, 999):03d}"
    folio = f"{rng.randint(100000, 99999999)}"
    c.agent_says("Il me faut les informations de votre spécimen de chèque.")
    text = rng.choice(
        [
            f"transit {transit}, institution {institution}, folio {folio}",
            f"succursale {transit} inst. {institution} compte {folio}",
            f"no de succursale: {transit}, no d'institution: {institution}, folio: {folio}",
        ]
    )
    c.customer(text, ("BANK_ACCOUNT", folio))
    index = len(c.messages) - 1
    c.neutral += [
        {"value": transit, "message_index": index},
        {"value": institution, "message_index": index},
    ]


def lower_iban(c: Chat) -> None:
    value = _iban(c.rng)
    c.agent_says("Quel est l'IBAN du compte?" if c.french else "What's the IBAN for the transfer?")
    c.customer(f"voici: {value}" if c.french else f"here: {value}", ("BANK_ACCOUNT", value))


def bare_phone(c: Chat) -> None:
    rng = c.rng
    value = f"{rng.randint(200, 999)}-{rng.randint(1000, 9999)}"
    c.agent_says(
        "Un numéro pour vous rappeler?" if c.french else "Is there a number where we can call you?"
    )
    c.filler()
    c.customer(value, ("PHONE", value))


def bare_address(c: Chat) -> None:
    rng = c.rng
    if c.french:
        c.agent_says("Quelle est l'adresse de livraison?")
        street = (
            f"{rng.randint(10, 9999)}, {rng.choice(TYPES_FR)} {rng.choice(STREETS_FR)}, "
            f"{rng.choice(UNITS_FR)} {rng.randint(1, 400)}"
        )
        c.customer(f"{street}, {rng.choice(CITIES_FR)}", ("STREET_ADDRESS", street))
    else:
        c.agent_says("And what's the service address?")
        c.filler()
        street = f"{rng.randint(10, 9999)} {rng.choice(STREETS_EN)}"
        c.customer(f"{street}, {rng.choice(CITIES_EN)}", ("STREET_ADDRESS", street))


def travel_dates(c: Chat) -> None:
    rng = c.rng
    day = rng.randint(2, 28)
    if c.french:
        value = f"{day} {rng.choice(MONTHS_FR)}"
        index = c.agent_says(
            rng.choice(
                [
                    f"Votre vol du {value} part de la porte {rng.randint(2, 60)}.",
                    f"La livraison du {value} arrivera entre 9 h et 12 h.",
                    f"L'achat du {value} 2 articles est remboursé.",
                ]
            )
        )
    else:
        value = f"{rng.choice(MONTHS_EN)} {day}"
        index = c.agent_says(
            rng.choice(
                [
                    f"Your train on {value} leaves from platform {rng.randint(2, 19)} at 7:05.",
                    f"The delivery on {value} Drive-up window opens at 9.",
                    f"You bought it on {value} 3 units, so it's within the return period.",
                    f"Your flight on {value} departs from Gate {rng.randint(2, 60)} at 10:15.",
                ]
            )
        )
    c.decoy(index, "date", value)


def french_names(c: Chat) -> None:
    rng = c.rng
    other = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    while other.split()[1] == c.last:
        other = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    if c.french:
        choice = rng.randrange(3)
        if choice == 0:
            c.customer(f"Je suis chez {other} jusqu'à dimanche.", ("PERSON", other))
        elif choice == 1:
            index = c.agent_says(f"Très bien. {other} va vous rappeler d'ici vendredi.")
            c.pii.append({"type": "PERSON", "value": other, "message_index": index})
        else:
            c.customer(
                f"Le compte est partagé avec {other} depuis l'an dernier.", ("PERSON", other)
            )
    else:
        c.customer(f"the package went to {other} next door", ("PERSON", other))


SCENARIOS = [
    card_in_pieces,
    phone_in_pieces,
    account_in_pieces,
    spelt_email,
    bare_zip,
    bare_dob,
    bare_sin_digits,
    bare_branch_account,
    lower_iban,
    bare_phone,
    bare_address,
    travel_dates,
    french_names,
]
FRENCH_ONLY = [french_cheque_line]


def chat_build(rng: random.Random, number: int) -> dict[str, Any]:
    french = rng.random() < 0.45
    c = Chat(rng, number, french)
    brand = rng.choice(BRANDS_FR if french else BRANDS_EN)
    c.say("system", "Chat started")
    greeting = (
        f"Bonjour et bienvenue chez {brand}! Je m'appelle {c.agent}. À qui ai-je le plaisir?"
        if french
        else f"Hello, thanks for contacting {brand}. I'm {c.agent}, who am I chatting with?"
    )
    c.neutral.append({"value": c.agent, "message_index": c.agent_says(greeting)})
    full = f"{c.first} {c.last}"
    c.customer(f"{full} ici" if french else f"hi it's {full}", ("PERSON", full))
    pool = SCENARIOS + (FRENCH_ONLY if french else [])
    for scenario in rng.sample(pool, rng.randint(2, 4)):
        scenario(c)
    c.agent_says(
        "Autre chose que je peux faire pour vous?" if french else "Anything else I can help with?"
    )
    c.customer("non merci, bonne journée" if french else "no that's all, thanks")
    c.say("system", "Chat ended")
    # A tenth of the chats carry no language and a tenth the wrong one.
    language = "fr" if french else "en"
    roll = rng.random()
    if roll < 0.1:
        language = ""
    elif roll < 0.2:
        language = "en" if french else "fr"
    return c.as_dict(language)


def main() -> None:
    sample_main(description=__doc__.splitlines()[0], build=chat_build, count=160, seed=2, out=OUT)


if __name__ == "__main__":
    main()
