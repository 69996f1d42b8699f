"""The vocabulary shared by the recognizers: entity types, findings, the text of a chat."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class EntityType(StrEnum):
    PERSON = "PERSON"
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    CREDIT_CARD = "CREDIT_CARD"
    CA_SIN = "CA_SIN"
    US_SSN = "US_SSN"
    CA_POSTAL_CODE = "CA_POSTAL_CODE"
    US_ZIP = "US_ZIP"
    STREET_ADDRESS = "STREET_ADDRESS"
    DATE_OF_BIRTH = "DATE_OF_BIRTH"
    IP_ADDRESS = "IP_ADDRESS"
    BANK_ACCOUNT = "BANK_ACCOUNT"
    # Login names and account/customer ids: they single a person out as surely as a name.
    ACCOUNT_ID = "ACCOUNT_ID"


# When two findings overlap, the higher priority wins (then the longer one).
PRIORITY: dict[EntityType, int] = {
    EntityType.EMAIL: 100,
    EntityType.IP_ADDRESS: 95,
    EntityType.CREDIT_CARD: 90,
    EntityType.US_SSN: 85,
    EntityType.PHONE: 80,
    EntityType.CA_SIN: 75,
    EntityType.BANK_ACCOUNT: 70,
    EntityType.DATE_OF_BIRTH: 65,
    EntityType.STREET_ADDRESS: 60,
    EntityType.CA_POSTAL_CODE: 55,
    EntityType.US_ZIP: 50,
    EntityType.ACCOUNT_ID: 45,
    EntityType.PERSON: 40,
}


@dataclass(frozen=True, slots=True)
class Finding:
    start: int
    end: int
    entity: EntityType
    # Which rule found it (for pii_scan and tests), never stored with the value.
    rule: str = ""
    # The whole value when this finding is one piece of it (a card typed over two messages):
    # its placeholder is the whole value's.
    key: str = ""


@dataclass(frozen=True)
class Identity:
    """What the chat's metadata says about the customer: redacted wherever it appears."""

    name: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class ChatText:
    """The texts of one chat in order, with each sender role, and the customer's identity."""

    texts: Sequence[str]
    senders: Sequence[str]
    identity: Identity = field(default_factory=Identity)
    # Dates of birth are told from other dates partly by their year, relative to the chat's.
    reference_year: int = 2025
    # The chat's language as imported ("en", "fr", or ""); each message's own is detected.
    language: str = ""
