"""Generates the third PII development sample: dialogues unlike samples 1 and 2.

    .venv/bin/python bench/pii_dev_sample3.py [--count 200] [--seed 3] [--out FILE]

Interchange JSONL with ground truth in the labelled format of ../shared/data/README.md
(`pii`, `decoys`, `neutral`), default bench/data/pii_dev_sample3.jsonl. Its templates,
phrasings, names and value formats are its own (bench/_pii_dev_sample3_data.py): cards in 2, 3
or 4 pieces with dashes, spaces or dots (American Express in 15 digits), cheque numbers in
English and French, lower-case spaced IBANs, SIN/NAS and SSN in pieces, phone numbers split or
spelt in words, spelt e-mail addresses, bare ZIP/postal codes and dates of birth in several
formats, street addresses with French types and units, names after "chez", "de la part de",
before "va vous rappeler", agents and third parties; decoys (order and tracking numbers, dates
of travel, delivery and purchase, prices, times, model numbers, quantities) must survive.
Deterministic for a given seed.
"""

import itertools
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import _pii_dev_sample3_data as D
from _samples import language_with_noise, sample_main
from pii_dev_sample2 import _luhn_number

OUT = Path(__file__).resolve().parent / "data" / "pii_dev_sample3.jsonl"


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def _iban(rng: random.Random) -> str:
    country, size = rng.choice([("FR", 23), ("ES", 20), ("IT", 23), ("GB", 18), ("CH", 17)])
    letters = {"GB": 4, "IT": 1}.get(country, 0)
    bank = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(letters))
    bban = bank + _digits(rng, size - letters)
    numeric = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    compact = f"{country}{98 - int(numeric) % 97:02d}{bban}"
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4)).lower()


class Chat:
    def __init__(self, rng: random.Random, number: int, french: bool) -> None:
        self.rng, self.french, self.number = rng, french, number
        self.first, self.last = rng.choice(D.FIRST), rng.choice(D.LAST)
        self.agent = rng.choice(D.AGENTS)
        self.started = datetime(2025, 11, 3, 8, tzinfo=UTC) + timedelta(hours=number * 5)
        self.messages: list[dict[str, str]] = []
        self.pii: list[dict[str, Any]] = []
        self.decoys, self.neutral = list(self.pii), list(self.pii)

    def t(self, en: str, fr: str) -> str:
        return fr if self.french else en

    def say(self, sender: str, text: str) -> int:
        at = self.started + timedelta(seconds=35 * len(self.messages))
        self.messages.append({"sender": sender, "sent_at": at.isoformat(), "text": text})
        return len(self.messages) - 1

    def agent_says(self, text: str, *labels: tuple[str, str]) -> int:
        return self._label(self.say("agent", text), labels)

    def customer(self, text: str, *labels: tuple[str, str]) -> int:
        return self._label(self.say("customer", text), labels)

    def _label(self, index: int, labels: tuple[tuple[str, str], ...]) -> int:
        for kind, value in labels:
            if value not in self.messages[index]["text"]:
                raise ValueError(f"label {value!r} not in {self.messages[index]['text']!r}")
            self.pii.append({"type": kind, "value": value, "message_index": index})
        return index

    def decoy(self, index: int, kind: str, value: str) -> None:
        if value not in self.messages[index]["text"]:
            raise ValueError(f"decoy {value!r} not in message {index}")
        self.decoys.append({"kind": kind, "value": value, "message_index": index})

    def keep(self, index: int, value: str) -> None:
        self.neutral.append({"value": value, "message_index": index})

    def filler(self, chance: float = 0.5) -> None:
        if self.rng.random() < chance:
            self.customer(self.rng.choice(D.FILLERS_FR if self.french else D.FILLERS_EN))

    def pieces(self, pieces: list[str], kind: str) -> None:
        """The pieces of one value, sometimes with a word around them or a filler between."""
        words = ["c'est ", "puis ", "et ", ""] if self.french else ["it's ", "then ", "and ", ""]
        for number, piece in enumerate(pieces):
            lead = self.rng.choice(words) if self.rng.random() < 0.3 else ""
            self.customer(f"{lead}{piece}", (kind, piece))
            if number < len(pieces) - 1:
                self.filler(0.15)

    def as_dict(self, language: str) -> dict[str, Any]:
        return {
            "external_id": f"pii3-{self.number:05d}",
            "source": "benchmark3",
            "started_at": self.started.isoformat(),
            "language": language,
            "country": self.rng.choice(["CA", "US"]) if not self.french else "CA",
            "customer": {"external_id": f"cust3-{self.number:05d}"},
            "agents": [{"external_id": f"ag3-{self.agent}", "name": self.agent}],
            "messages": self.messages,
            "pii": self.pii,
            "decoys": self.decoys,
            "neutral": self.neutral,
        }


def _cut(value: str, parts: int, rng: random.Random) -> list[str]:
    """`value` in `parts` consecutive pieces of at least three characters."""
    while True:
        cuts = sorted(rng.sample(range(3, len(value) - 2), parts - 1))
        bounds = [0, *cuts, len(value)]
        if all(b - a >= 3 for a, b in itertools.pairwise(bounds)):
            return [value[a:b] for a, b in itertools.pairwise(bounds)]


# --- scenarios --------------------------------------------------------------------------------
def card_pieces(c: Chat) -> None:
    rng = c.rng
    amex = rng.random() < 0.3
    card = (
        _luhn_number(rng, rng.choice(["34", "37"]), 15)
        if amex
        else _luhn_number(rng, rng.choice(["4", "52", "55", "2221", "6011"]), 16)
    )
    c.agent_says(
        c.t(
            "Go ahead with the long number on the front of the card whenever you're ready.",
            "Allez-y avec les chiffres de la carte quand vous êtes prêt.",
        )
    )
    sep = rng.choice([" ", "-", ".", ""])
    groups = (
        [card[:4], card[4:10], card[10:]] if amex else [card[i : i + 4] for i in range(0, 16, 4)]
    )
    parts = rng.choice([2, 3, 4]) if not amex else rng.choice([2, 3])
    if parts == len(groups):
        pieces = groups
    elif parts == 2:
        pieces = [sep.join(groups[: len(groups) // 2]), sep.join(groups[len(groups) // 2 :])]
    else:  # 3 pieces of a 4-group number
        pieces = [sep.join(groups[:2]), groups[2], groups[3]]
    c.pieces(pieces, "CREDIT_CARD")
    c.agent_says(
        c.t(
            f"And the expiry? The charge will be ${rng.randint(20, 400)}.{rng.randint(10, 99)}.",
            f"Et l'expiration? Le montant sera de {rng.randint(20, 400)},{rng.randint(10, 99)} $.",
        )
    )
    c.customer(f"{rng.randint(1, 12):02d}/{rng.randint(27, 31)}")


def cheque_numbers(c: Chat) -> None:
    rng = c.rng
    transit, inst, account = (
        f"{rng.randint(10000, 99999)}",
        f"{rng.randint(1, 899):03d}",
        _digits(rng, rng.randint(7, 12)),
    )
    if c.french:
        c.agent_says("Pour le prélèvement, j'ai besoin de vos coordonnées bancaires.")
        text = rng.choice(D.CHEQUE_FR)
    else:
        c.agent_says("For the pre-authorized debit I need the numbers at the bottom of a cheque.")
        text = rng.choice(D.CHEQUE_EN)
    text = text.format(transit=transit, inst=inst, account=account)
    index = c.customer(text, ("BANK_ACCOUNT", account))
    c.keep(index, transit)
    c.keep(index, inst)


def account_split(c: Chat) -> None:
    rng = c.rng
    account = _digits(rng, rng.randint(8, 12))
    pieces = _cut(account, rng.choice([2, 3]) if len(account) >= 9 else 2, rng)
    c.agent_says(
        c.t(
            "Which chequing account should the refund go to?",
            "Vers quel compte chèque voulez-vous le remboursement?",
        )
    )
    for piece in pieces:
        c.customer(piece, ("BANK_ACCOUNT", piece))
        c.filler(0.2)


def iban_lower(c: Chat) -> None:
    value = _iban(c.rng)
    c.agent_says(
        c.t(
            "For an international wire, please send the IBAN.",
            "Pour un virement international, envoyez-moi l'IBAN.",
        )
    )
    c.customer(c.t(f"sure, {value}", f"mon iban c'est {value}"), ("BANK_ACCOUNT", value))


def sin_pieces(c: Chat) -> None:
    rng = c.rng
    if c.french or rng.random() < 0.5:
        sin = _luhn_number(rng, rng.choice("12345679"), 9)
        c.agent_says(
            c.t(
                "For the credit check I'll need your social insurance number.",
                "Pour la vérification de crédit, il me faut votre numéro d'assurance sociale.",
            )
        )
        pieces = (
            [sin[:3], sin[3:6], sin[6:]]
            if rng.random() < 0.6
            else [sin[:3], f"{sin[3:6]} {sin[6:]}"]
        )
        kind = "CA_SIN"
    else:
        ssn = f"{rng.randint(100, 665)}{rng.randint(10, 99)}{rng.randint(1000, 9999)}"
        c.agent_says("I'll need your social security number for the background check.")
        pieces = (
            [f"{ssn[:3]}-{ssn[3:5]}", ssn[5:]]
            if rng.random() < 0.5
            else [ssn[:3], ssn[3:5], ssn[5:]]
        )
        kind = "US_SSN"
    for piece in pieces:
        c.customer(piece, (kind, piece))


def phone_split(c: Chat) -> None:
    rng = c.rng
    area = rng.choice(["416", "438", "581", "604", "819", "312", "503"])
    phone = f"{area}{rng.randint(2, 9)}{rng.randint(10, 99)}{rng.randint(1000, 9999)}"
    c.agent_says(
        c.t(
            "What's the best number for the courier to reach you?",
            "À quel numéro le livreur peut-il vous texter?",
        )
    )
    style = rng.randrange(3)
    if style == 0:
        pieces = [f"({phone[:3]})", f"{phone[3:6]}.{phone[6:]}"]
    elif style == 1:
        pieces = [f"{phone[:3]} {phone[3:6]}", phone[6:]]
    else:
        words = D.DIGIT_WORDS_FR if c.french else D.DIGIT_WORDS_EN
        spelt = [" ".join(words[int(d)] for d in phone[a:b]) for a, b in ((0, 3), (3, 6), (6, 10))]
        pieces = [", ".join(spelt)] if rng.random() < 0.5 else [spelt[0], f"{spelt[1]} {spelt[2]}"]
    c.pieces(pieces, "PHONE")


def email_spelt(c: Chat) -> None:
    rng = c.rng
    first = c.first.lower().translate(str.maketrans("àâäçéèêëîïôöùûü", "aaaceeeeiioouuu"))
    last = (
        c.last.lower()
        .translate(str.maketrans("àâäçéèêëîïôöùûü", "aaaceeeeiioouuu"))
        .replace("-", "")
    )
    provider = rng.choice(D.PROVIDERS)
    c.agent_says(
        c.t("Where should I email the receipt?", "À quelle adresse courriel j'envoie le reçu?")
    )
    if c.french:
        sep = rng.choice([" point ", " tiret ", " "])
        tld = rng.choice(["com", "ca", "qc point ca"])
        value = f"{first}{sep}{last} arobase {provider} point {tld}"
    else:
        sep = rng.choice([" dot ", " underscore ", ""])
        value = f"{first}{sep}{last} at {provider} dot {rng.choice(['com', 'ca', 'net'])}"
    c.customer(
        rng.choice(["{}", "{} please", c.t("send it to {}", "envoyez à {}")]).format(value),
        ("EMAIL", value),
    )


def bare_postal(c: Chat) -> None:
    rng = c.rng
    if c.french or rng.random() < 0.4:
        c.agent_says(
            c.t(
                "Can you confirm the postal code on file?",
                "Vous pouvez me confirmer votre code postal?",
            )
        )
        c.filler()
        letters = "ABCEGHJKLMNPRSTVXY"
        ch, dg = (lambda: rng.choice(letters)), (lambda: rng.randint(0, 9))
        value = f"{ch()}{dg()}{ch()}{rng.choice([' ', '', '-'])}{dg()}{ch()}{dg()}"
        value = value.lower() if rng.random() < 0.4 else value
        c.customer(value, ("CA_POSTAL_CODE", value))
    else:
        c.agent_says("And the zip code for the card?")
        c.filler()
        value = f"{rng.randint(1000, 99999):05d}" + (
            f"-{rng.randint(1000, 9999)}" if rng.random() < 0.3 else ""
        )
        c.customer(value, ("US_ZIP", value))


def bare_dob(c: Chat) -> None:
    rng = c.rng
    year, month, day = rng.randint(1948, 2005), rng.randint(1, 12), rng.randint(1, 28)
    c.agent_says(
        c.t(
            "Last security question: when were you born?",
            "Dernière question de sécurité : quelle est votre date de naissance?",
        )
    )
    c.filler(0.3)
    months = D.MONTHS_FR if c.french else D.MONTHS_EN
    value = rng.choice(
        [
            f"{year}-{month:02d}-{day:02d}",
            f"{day:02d}.{month:02d}.{year}",
            f"{month}/{day}/{year % 100:02d}",
            f"{day} {rng.choice(months)} {year}"
            if c.french
            else f"{rng.choice(months)} {day} {year}",
            f"{day:02d}/{month:02d}/{year}",
        ]
    )
    c.customer(value, ("DATE_OF_BIRTH", value))


def street(c: Chat) -> None:
    rng = c.rng
    number = rng.randint(3, 12000)
    if c.french:
        c.agent_says("On envoie le nouveau modem à quelle adresse?")
        core = f"{number}, {rng.choice(D.TYPES_FR)} {rng.choice(D.STREETS_FR)}"
        unit = f"{rng.choice(D.UNITS_FR)} {rng.randint(1, 950)}"
        value = rng.choice([f"{core}, {unit}", f"{core} {unit}", core])
        text = f"{value}, {rng.choice(D.CITIES_FR)}"
    else:
        c.agent_says("Where should we ship the replacement?")
        core = f"{number} {rng.choice(D.STREETS_EN)} {rng.choice(D.TYPES_EN)}"
        value = rng.choice([core, f"{core} {rng.choice(D.UNITS_EN)} {rng.randint(1, 40)}"])
        text = f"{value} in {rng.choice(D.CITIES_EN)}"
    index = c.customer(text, ("STREET_ADDRESS", value))
    for city in D.CITIES_FR + D.CITIES_EN:
        if city in text:
            c.keep(index, city)


def names(c: Chat) -> None:
    rng = c.rng
    other = f"{rng.choice(D.FIRST)} {rng.choice(D.LAST)}"
    relation = rng.choice(D.RELATIONS_FR if c.french else D.RELATIONS_EN)
    template = rng.choice(D.NAMES_FR if c.french else D.NAMES_EN)
    text, who = template.format(other=other, relation=relation), "customer"
    if template.startswith("@"):
        text, who = text[1:], "agent"
    (c.agent_says if who == "agent" else c.customer)(text, ("PERSON", other))


def decoys(c: Chat) -> None:
    rng = c.rng
    day, hour = rng.randint(2, 28), rng.randint(8, 20)
    month = rng.choice(D.MONTHS_FR if c.french else D.MONTHS_EN)
    price = f"{rng.randint(10, 999)}.{rng.randint(10, 99)}"
    minute = rng.choice(["00", "15", "30", "45"])
    values = {
        "date": f"{day} {month}" if c.french else f"{month} {day}",
        "order": f"{rng.choice(['CMD', 'ORD', 'W'])}-{rng.randint(100000, 999999)}",
        "tracking": f"1Z{rng.randint(100, 999)}{rng.choice('ABCDEF')}{rng.choice('WXYZ')}"
        f"{rng.randint(10**9, 10**10 - 1)}",
        "price": price.replace(".", ",") if c.french else f"${price}",
        "model": f"{rng.choice(['XR', 'TV', 'KB', 'HX'])}-{rng.randint(100, 9999)}"
        f"{rng.choice(['', 'B', 'LT'])}",
        "time": f"{hour} h {minute}"
        if c.french
        else f"{rng.randint(1, 12)}:{minute} {rng.choice(['am', 'pm'])}",
        "qty": str(rng.randint(2, 24)),
        "gate": str(rng.randint(2, 40)),
        "hour": str(hour % 12 + 1),
    }
    template = rng.choice(D.DECOYS_FR if c.french else D.DECOYS_EN)
    index = c.agent_says(template.format(**values))
    for kind in ("order", "tracking", "date", "time", "price", "model"):
        if "{" + kind + "}" in template:
            c.decoy(index, kind, values[kind])


SCENARIOS = [
    card_pieces,
    cheque_numbers,
    account_split,
    iban_lower,
    sin_pieces,
    phone_split,
    email_spelt,
    bare_postal,
    bare_dob,
    street,
    names,
    decoys,
]


def chat_build(rng: random.Random, number: int) -> dict[str, Any]:
    french = rng.random() < 0.5
    c = Chat(rng, number, french)
    brand = rng.choice(D.BRANDS_FR if french else D.BRANDS_EN)
    c.say("system", "Conversation started")
    index = c.agent_says(
        c.t(
            f"Good morning, you've reached {brand}, {c.agent} speaking. Can I get your full name?",
            f"Bonjour, ici {c.agent} de {brand}. Puis-je avoir votre nom complet?",
        )
    )
    c.keep(index, c.agent)
    full = f"{c.first} {c.last}"
    c.customer(c.t(f"yes {full}", f"Oui, {full}"), ("PERSON", full))
    for scenario in [*rng.sample(SCENARIOS, rng.randint(3, 5)), decoys]:
        scenario(c)
    c.agent_says(c.t("Is there anything else today?", "Puis-je vous aider avec autre chose?"))
    c.customer(c.t("nope, have a good one", "non c'est tout, merci beaucoup"))
    c.say("system", "Conversation ended")
    return c.as_dict(language_with_noise(rng, french=french, missing_below=0.08, wrong_below=0.14))


def main() -> None:
    sample_main(description=__doc__.splitlines()[0], build=chat_build, count=200, seed=3, out=OUT)


if __name__ == "__main__":
    main()
