"""Generates the fourth PII development sample: adversarial dialogues unlike samples 1 to 3.

    .venv/bin/python bench/pii_dev_sample4.py [--count 240] [--seed 4] [--out FILE]

Interchange JSONL with ground truth in the labelled format of ../shared/data/README.md
(`pii`, `decoys`, `neutral`), default bench/data/pii_dev_sample4.jsonl. Its questions, answers,
names and value formats are its own (bench/_pii_dev_sample4_data.py), with typos and mixed
case: cards, accounts, phones and SIN/NAS in pieces across messages; e-mail addresses spoken
("ana dot silva at gmail", no top level), letter by letter ("a n a . s i l v a") or over two
messages; bare answers (ZIP, postal code, the date of birth in words and numbers in English
and French, the last four of a SIN, branch and account); French banking wording (succursale,
transit, institution, folio); lower-case IBANs; French street types and units; names after
"chez", before "va vous rappeler", third parties. Decoys must survive: dates of travel,
delivery, purchase and of an account's opening followed by numbers or words, order, flight
and tracking numbers, prices, times, quantities. Deterministic for a given seed.
"""

import random
from typing import Any

import _pii_dev_sample4_data as D
from _samples import language_with_noise, sample_main
from pii_dev_sample2 import _luhn_number
from pii_dev_sample3 import OUT as OUT3
from pii_dev_sample3 import Chat as Chat3
from pii_dev_sample3 import _cut, _digits, _iban

OUT = OUT3.with_name("pii_dev_sample4.jsonl")
_PLAIN = str.maketrans("àâäçéèêëîïôöùûü", "aaaceeeeiioouuu")


class Chat(Chat3):
    def filler(self, chance: float = 0.5) -> None:
        if self.rng.random() < chance:
            self.customer(self.rng.choice(D.FILLERS_FR if self.french else D.FILLERS_EN))

    def ask(self, en: list[str], fr: list[str]) -> int:
        return self.agent_says(self.rng.choice(fr if self.french else en))

    def lead(self) -> str:
        return self.rng.choice(D.LEADS_FR if self.french else D.LEADS_EN)

    def as_dict(self, language: str) -> dict[str, Any]:
        out = super().as_dict(language)
        out["external_id"] = f"pii4-{self.number:05d}"
        out["source"] = "benchmark4"
        out["customer"] = {"external_id": f"cust4-{self.number:05d}"}
        out["agents"] = [{"external_id": f"ag4-{self.agent}", "name": self.agent}]
        return out


def _plain(word: str) -> str:
    return word.lower().translate(_PLAIN).replace("-", "").replace("'", "")


# --- identifiers in pieces -----------------------------------------------------------------
def card_split(c: Chat) -> None:
    rng = c.rng
    card = _luhn_number(rng, rng.choice(["4", "51", "53", "2720", "6011", "37"]), 16)
    if card.startswith("37"):
        card = _luhn_number(rng, "37", 15)
    c.ask(D.ASK_CARD_EN, D.ASK_CARD_FR)
    c.filler(0.2)
    half = len(card) // 2
    style = rng.randrange(4)
    if style == 0:  # "4519 0321" then "8870 1546"
        pieces = [f"{card[:4]} {card[4:half]}", f"{card[half : half + 4]} {card[half + 4 :]}"]
    elif style == 1:  # four messages of four digits
        pieces = [card[i : i + 4] for i in range(0, len(card), 4)]
    elif style == 2:  # trailing dashes, as typed
        pieces = [f"{card[:4]}-{card[4:half]}-", card[half:]]
    else:
        pieces = [card[:6], card[6:11], card[11:]]
    heads = ["les premiers ", "ok ", ""] if c.french else ["first part ", "ok ", ""]
    tails = (
        ["ensuite ", "pis ", "le reste ", ""]
        if c.french
        else ["then ", "rest is ", "2nd part ", ""]
    )
    for number, piece in enumerate(pieces):
        lead = rng.choice(tails if number else heads) if rng.random() < 0.35 else ""
        c.customer(f"{lead}{piece}", ("CREDIT_CARD", piece.strip("-")))
        if number < len(pieces) - 1:
            c.filler(0.1)


def account_split(c: Chat) -> None:
    rng = c.rng
    account = _digits(rng, rng.randint(7, 12))
    c.ask(D.ASK_ACCOUNT_EN, D.ASK_ACCOUNT_FR)
    for piece in _cut(account, 2 if len(account) < 10 else rng.choice([2, 3]), rng):
        c.customer(piece, ("BANK_ACCOUNT", piece))


def phone_split(c: Chat) -> None:
    rng = c.rng
    area = rng.choice(["514", "450", "418", "613", "905", "647", "206", "617", "780"])
    phone = f"{area}{rng.randint(2, 9)}{rng.randint(10, 99)}{rng.randint(1000, 9999)}"
    c.ask(D.ASK_PHONE_EN, D.ASK_PHONE_FR)
    style = rng.randrange(4)
    if style == 0:
        pieces = [area, f"{phone[3:6]} {phone[6:]}"]
    elif style == 1:
        pieces = [f"+1 {area}", phone[3:]]
    elif style == 2:
        pieces = [f"{area}-{phone[3:6]}-", phone[6:]]
    else:
        pieces = [f"({area})", f"{phone[3:6]}", phone[6:]]
    for piece in pieces:
        c.customer(piece, ("PHONE", piece.strip("-() ")))


def sin_split(c: Chat) -> None:
    rng = c.rng
    sin = _luhn_number(rng, rng.choice("1234567"), 9)
    c.ask(D.ASK_SIN_EN, D.ASK_SIN_FR)
    pieces = (
        [sin[:3], sin[3:6], sin[6:]] if rng.random() < 0.5 else [f"{sin[:3]}-{sin[3:6]}", sin[6:]]
    )
    for piece in pieces:
        c.customer(piece, ("CA_SIN", piece))


def email_spoken(c: Chat) -> None:
    rng = c.rng
    first, last, provider = _plain(c.first), _plain(c.last), rng.choice(D.PROVIDERS)
    c.ask(D.ASK_EMAIL_EN, D.ASK_EMAIL_FR)
    style = rng.randrange(5)
    if style == 0:  # no top level at all
        value = c.t(f"{first} dot {last} at {provider}", f"{first} point {last} arobase {provider}")
    elif style == 1:  # letter by letter
        local = " ".join(first) + " . " + " ".join(last)
        value = (
            f"{local} @ {provider}.com" if rng.random() < 0.5 else f"{local} at {provider} dot ca"
        )
    elif style == 2:  # shouted
        value = f"{first.upper()}.{last.upper()} AT {provider.upper()} DOT COM"
    elif style == 3:  # dashes between letters
        value = "-".join(first) + c.t(f" at {provider} dot net", f" arobase {provider} point ca")
    else:  # over two messages
        login = f"{first}{last[:3]}{rng.randint(10, 99)}"
        c.customer(login, ("EMAIL", login))
        c.customer(c.t(f"at {provider} dot com", f"arobase {provider} point com"))
        return
    c.customer(f"{c.lead()}{value}", ("EMAIL", value))


# --- bare answers ----------------------------------------------------------------------------
def bare_zip(c: Chat) -> None:
    rng = c.rng
    if c.french or rng.random() < 0.4:
        c.ask(D.ASK_POSTAL_EN, D.ASK_POSTAL_FR)
        letters = "ABCEGHJKLMNPRSTVXY"
        ch, dg = (lambda: rng.choice(letters)), (lambda: rng.randint(0, 9))
        value = f"{ch()}{dg()}{ch()}{rng.choice([' ', '', ' '])}{dg()}{ch()}{dg()}"
        value = rng.choice([value, value.lower(), value[:2] + value[2:].lower()])
        kind = "CA_POSTAL_CODE"
    else:
        c.agent_says(rng.choice(D.ASK_ZIP))
        value = f"{rng.randint(1001, 99950):05d}" + (
            f"-{rng.randint(1000, 9999)}" if rng.random() < 0.25 else ""
        )
        kind = "US_ZIP"
    c.filler(0.3)
    c.customer(f"{c.lead()}{value}", (kind, value))


def bare_dob(c: Chat) -> None:
    rng = c.rng
    y, m, d = rng.randint(1941, 2006), rng.randint(1, 12), rng.randint(1, 8)
    d = d if rng.random() < 0.6 else rng.randint(9, 28)
    c.ask(D.ASK_DOB_EN, D.ASK_DOB_FR)
    c.filler(0.2)
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(d, "th")
    fields = {
        "d": d,
        "m": m,
        "y": y,
        "yy": f"{y % 100:02d}",
        "month": D.MONTHS_EN[m - 1],
        "mon": D.MONTHS_EN[m - 1][:3],
        "mois": D.MONTHS_FR[m - 1],
        "ordinal": f"{d}{suffix}",
        "ordinal_word": D.ORDINAL_WORDS[d - 1] if d <= 8 else f"{d}{suffix}",
        "premier": "1er" if d == 1 else str(d),
    }
    value = rng.choice(D.DOB_FR if c.french else D.DOB_EN).format(**fields)
    c.customer(f"{c.lead()}{value}", ("DATE_OF_BIRTH", value))


def last_four(c: Chat) -> None:
    c.ask(D.ASK_LAST4_EN, D.ASK_LAST4_FR)
    value = _digits(c.rng, 4)
    c.customer(f"{c.lead()}{value}", ("CA_SIN", value))


def branch_account(c: Chat) -> None:
    rng = c.rng
    transit, inst = f"{rng.randint(10000, 99999)}", f"{rng.randint(1, 899):03d}"
    account = _digits(rng, rng.randint(7, 12))
    c.ask(D.ASK_BRANCH_EN, D.ASK_BRANCH_FR)
    templates = (
        [
            "succursale {t}, institution {i}, folio {a}",
            "succ {t} inst {i} folio {a}",
            "{t} {i} {a}",
            "transit {t} et compte {a}",
        ]
        if c.french
        else ["{t} {a}", "{t}-{i}-{a}", "branch {t}, acct {a}", "transit is {t} and account {a}"]
    )
    index = c.customer(rng.choice(templates).format(t=transit, i=inst, a=account))
    c._label(index, (("BANK_ACCOUNT", account),))
    for value in (transit, inst):
        if value in c.messages[index]["text"]:
            c.keep(index, value)


def iban_lower(c: Chat) -> None:
    value = _iban(c.rng)
    if c.rng.random() < 0.3:
        value = value.replace(" ", "")
    c.agent_says(c.t("IBAN for the wire transfer?", "L'IBAN pour le virement?"))
    c.customer(f"{c.lead()}{value}", ("BANK_ACCOUNT", value))


def street_bare(c: Chat) -> None:
    rng = c.rng
    number = rng.randint(2, 9800)
    c.ask(D.ASK_ADDRESS_EN, D.ASK_ADDRESS_FR)
    if c.french:
        core = (
            f"{number}{rng.choice([',', ''])} {rng.choice(D.TYPES_FR)} {rng.choice(D.STREETS_FR)}"
        )
        value = rng.choice([core, f"{core}, {rng.choice(D.UNITS_FR)} {rng.randint(1, 400)}"])
        city = rng.choice(D.CITIES_FR)
    else:
        core = f"{number} {rng.choice(D.STREETS_EN)} {rng.choice(D.TYPES_EN)}"
        core = core.lower() if rng.random() < 0.4 else core
        value = rng.choice([core, f"{core} {rng.choice(D.UNITS_EN)} {rng.randint(1, 60)}"])
        city = rng.choice(D.CITIES_EN)
    index = c.customer(
        f"{value}, {city}" if rng.random() < 0.6 else value, ("STREET_ADDRESS", value)
    )
    if city in c.messages[index]["text"]:
        c.keep(index, city)


def names(c: Chat) -> None:
    rng = c.rng
    other = f"{rng.choice(D.FIRST)} {rng.choice(D.LAST)}"
    relation = rng.choice(D.RELATIONS_FR if c.french else D.RELATIONS_EN)
    template = rng.choice(D.NAMES_FR if c.french else D.NAMES_EN)
    text = template.format(other=other, relation=relation)
    if text.startswith("@"):
        c.agent_says(text[1:], ("PERSON", other))
    else:
        c.customer(text, ("PERSON", other))


def decoys(c: Chat) -> None:
    rng = c.rng
    month = rng.randrange(12)
    day = rng.randint(2, 28)
    date = (
        f"{day} {D.MONTHS_FR[month]}"
        if c.french
        else rng.choice([f"{D.MONTHS_EN[month]} {day}", f"{D.MONTHS_EN[month][:3]} {day}"])
    )
    year = rng.randint(1995, 2010)
    values = {
        "date": date,
        "long_date": c.t(
            f"{D.MONTHS_EN[month]} {day}, {year}", f"{day} {D.MONTHS_FR[month]} {year}"
        ),
        "time": c.t(
            f"{rng.randint(1, 12)}:{rng.choice(['05', '20', '40'])} pm",
            f"{rng.randint(6, 22)}h{rng.choice(['05', '20', '40'])}",
        ),
        "gate": str(rng.randint(2, 60)),
        "qty": str(rng.randint(2, 30)),
        "price": c.t(
            f"${rng.randint(12, 1900)}.{rng.randint(10, 99)}",
            f"{rng.randint(12, 1900)},{rng.randint(10, 99)} $",
        ),
        "flight": f"{rng.choice(['AC', 'WS', 'TS', 'PD'])} {rng.randint(100, 1999)}",
        "order": f"{rng.choice(['#', 'no ', ''])}{rng.randint(1000000, 9999999)}",
        "tracking": f"{rng.randint(10**15, 10**16 - 1)}",
    }
    template = rng.choice(D.DECOYS_FR if c.french else D.DECOYS_EN)
    index = c.agent_says(template.format(**values))
    for kind in ("date", "long_date", "time", "price", "flight", "order", "tracking"):
        if "{" + kind + "}" in template:
            c.decoy(index, kind, values[kind].lstrip("#").removeprefix("no "))


SCENARIOS = [
    card_split,
    account_split,
    phone_split,
    sin_split,
    email_spoken,
    bare_zip,
    bare_dob,
    last_four,
    branch_account,
    iban_lower,
    street_bare,
    names,
    decoys,
]


def chat_build(rng: random.Random, number: int) -> dict[str, Any]:
    french = rng.random() < 0.5
    c = Chat(rng, number, french)
    c.first, c.last, c.agent = rng.choice(D.FIRST), rng.choice(D.LAST), rng.choice(D.AGENTS)
    brand = rng.choice(D.BRANDS_FR if french else D.BRANDS_EN)
    c.say("system", "Chat started")
    index = c.agent_says(
        c.t(
            f"Hi there, {c.agent} with {brand} here. Who am I chatting with today?",
            f"Allô! {c.agent} chez {brand}. À qui ai-je le plaisir de parler?",
        )
    )
    c.keep(index, c.agent)
    full = f"{c.first} {c.last}"
    shown = full.lower() if rng.random() < 0.3 else full
    c.customer(c.t(f"hey its {shown}", f"{shown} ici"), ("PERSON", shown))
    for scenario in [*rng.sample(SCENARIOS, rng.randint(3, 6)), decoys]:
        scenario(c)
    c.agent_says(c.t("Anything else I can do for you?", "Autre chose pour vous aujourd'hui?"))
    c.customer(c.t("no thats it thx", "non merci, bonne journée"))
    c.say("system", "Chat ended")
    return c.as_dict(language_with_noise(rng, french=french, missing_below=0.1, wrong_below=0.16))


def main() -> None:
    sample_main(description=__doc__.splitlines()[0], build=chat_build, count=240, seed=4, out=OUT)


if __name__ == "__main__":
    main()
