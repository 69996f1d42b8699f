"""Comparing a data-subject request's identifiers with a customer's (pure: no database).

Each identifier present on both sides either agrees or conflicts: customer ids exactly, emails
case-insensitively, phones as E.164 (phonenumbers), names normalised (case, accents, spacing).
A match is confirmed without a manager only when nothing conflicts and it rests on more than a
phone or a name alone: the customer id or the email agrees, or both the phone and the name do.
"""

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers

CUSTOMER_ID, EMAIL, PHONE, NAME = "customer_id", "email", "phone", "name"
STRONG = frozenset({CUSTOMER_ID, EMAIL})
_COMBINING = "".join(chr(cp) for cp in range(0x300, 0x370))


def phone_normalise(phone: str) -> str:
    """E.164, or "" when the text is not a possible phone number (read as North American
    without a +, like country inference)."""
    if not phone or not phone.strip():
        return ""
    try:
        number = phonenumbers.parse(phone, "US")
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_normalise(email: str) -> str:
    return (email or "").strip().lower()


def name_normalise(name: str) -> str:
    """Case-folded, accents removed, whitespace collapsed: "  ANA  Pérson" → "ana person"."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


@dataclass(frozen=True)
class Identity:
    customer_id: str = ""
    email: str = ""
    phone_e164: str = ""
    name: str = ""  # normalised

    @classmethod
    def of(cls, *, customer_id: str, email: str, phone: str, name: str) -> "Identity":
        return cls(
            customer_id=(customer_id or "").strip(),
            email=email_normalise(email),
            phone_e164=phone_normalise(phone),
            name=name_normalise(name),
        )

    def values(self) -> dict[str, str]:
        return {
            CUSTOMER_ID: self.customer_id,
            EMAIL: self.email,
            PHONE: self.phone_e164,
            NAME: self.name,
        }


def identity_compare(wanted: Identity, found: Identity) -> tuple[set[str], set[str]]:
    """(identifiers that agree, identifiers present on both sides that disagree)."""
    agree: set[str] = set()
    conflicts: set[str] = set()
    theirs = found.values()
    for key, value in wanted.values().items():
        if value and theirs[key]:
            (agree if value == theirs[key] else conflicts).add(key)
    return agree, conflicts


def confirmed_without_manager(agree: set[str], conflicts: set[str]) -> bool:
    return not conflicts and bool(STRONG & agree or {PHONE, NAME} <= agree)


def _letter_variants() -> dict[str, str]:
    variants: dict[str, set[str]] = {}
    for cp in range(0xC0, 0x250):
        ch = chr(cp)
        base = unicodedata.normalize("NFKD", ch)[0].lower()
        if base.isascii() and base.isalpha():
            variants.setdefault(base, set()).update({ch, ch.lower(), ch.upper()})
    return {base: "".join(sorted(chars)) for base, chars in variants.items()}


_VARIANTS = _letter_variants()


def name_regex(normalised: str) -> str:
    """A regular expression (Python and PostgreSQL, used case-insensitively) that every stored
    spelling of this normalised name matches — other case, accents (composed or combining),
    spacing — so SQL narrows the candidates before name_normalise compares them exactly."""
    tokens = []
    for token in normalised.split():
        parts = []
        for ch in token:
            if ch.isascii() and ch.isalpha():
                parts.append(f"[{ch}{ch.upper()}{_VARIANTS.get(ch, '')}][{_COMBINING}]*")
            else:
                parts.append(re.escape(ch))
        tokens.append("".join(parts))
    return r"^\s*" + r"\s+".join(tokens) + r"\s*$"
