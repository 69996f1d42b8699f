"""Pattern recognizers: validated formats plus English/French context words.

Each recognizer takes a `MessageContext` and yields findings. Numbers that look like personal
data but follow a business word ("order", "facture", "tracking", "#") are left alone, so order,
case, invoice and tracking numbers survive; prices and versions never match the shapes below.
"""

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass

import phonenumbers
from phonenumbers import Leniency

from redaction.detection import lexicon as lx
from redaction.detection.types import EntityType, Finding

E = EntityType


@dataclass
class MessageContext:
    text: str
    folded: str  # lexicon.fold(text): same length, lower case, no accents
    # Folded text of the two previous messages (the question this message may answer).
    previous: str
    sender: str
    reference_year: int
    urls: list[tuple[int, int]]
    # For a customer's message: the folded question of the agent it answers (conversation.py).
    question: str = ""
    language: str = "en"


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_REFERENCE_BEFORE = _rx(
    rf"(?:\b(?:{lx.REFERENCE_WORDS})\b\.?\s*(?:number|numero|no\.?|num|nr|#|id|code)?\s*"
    rf"(?:is|est|:|=|de|du)?\s*#?\s*|#\s*)$"
)
_URL = _rx(r"\b(?:https?://|www\.)[^\s<>\"]+")
_DIGIT = re.compile(r"\d")


def urls_find(text: str) -> list[tuple[int, int]]:
    if "http" not in text and "www." not in text:
        return []
    return [(m.start(), m.end()) for m in _URL.finditer(text)]


def _in_url(context: MessageContext, start: int) -> bool:
    return any(a <= start < b for a, b in context.urls)


def _is_reference(context: MessageContext, start: int) -> bool:
    """A business reference (order/invoice/case/tracking…) or part of a URL: keep it."""
    if _in_url(context, start):
        return True
    return _REFERENCE_BEFORE.search(context.folded, max(0, start - 40), start) is not None


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char)
        if index % 2 == 1:
            number *= 2
            if number > 9:
                number -= 9
        total += number
    return total % 10 == 0


# --- e-mail --------------------------------------------------------------------------------
# Letters of any script, not only a–z: "zoé@exemple.fr" and "müller@bücher.de" are addresses too
# (an ASCII-only class let an accented local part through whole).
_EMAIL = _rx(r"[^\W_][\w.%+'-]*(?:@|%40)[^\W_][\w-]*(?:\.[\w-]+)*\.[^\W\d_]{2,}\b")
_EMAIL_SPOKEN = _rx(
    r"\b[a-z0-9][a-z0-9._+-]*\s*(?:\(at\)|\[at\]|\bat\b)\s*[a-z0-9-]+\s*"
    r"(?:\(dot\)|\[dot\]|\bdot\b|\.)\s*(?:com|ca|net|org|edu|gov|qc\.ca|co)\b"
)


# "ana dot silva at gmail", "sophie point lavoie arobase videotron point ca": spelt in words.
_SPELT_DOT = r"(?:\s+(?:dot|point)\s+|\s*(?:\(dot\)|\[dot\]|\.)\s*)"
_SPELT_SEP = r"(?:\s+(?:dot|point|underscore|tiret|dash|trait d'union)\s+|[._-])"
_EMAIL_SPELT = _rx(
    rf"\b[a-z0-9]+(?:{_SPELT_SEP}[a-z0-9]+|\s+\d+\b)*\s*(?:\s\bat\b|\(at\)|\[at\]|\s\barobase\b|"
    rf"\s\barobas\b|@)\s*[a-z0-9-]+(?:{_SPELT_DOT}[a-z]{{2,6}}\b){{0,3}}"
)
_SPELT_LOCAL_DOT = _rx(rf"^[a-z0-9]+{_SPELT_SEP}[a-z0-9]")
_SPELT_TLD = _rx(rf"{_SPELT_DOT}(?:{lx.EMAIL_TLDS})$")
_SPELT_AT = _rx(r"\s*(?:\bat\b|\(at\)|\[at\]|\barobase\b|\barobas\b|@)\s*")


def _spelt_email(value: str) -> bool:
    """A spelt-out address: a dotted local part or a known provider, or a real top level."""
    parts = _SPELT_AT.split(value, maxsplit=1)
    if len(parts) != 2:
        return False
    local, domain = parts
    provider = domain.split()[0].split(".")[0] if domain.split() else ""
    if _SPELT_TLD.search(domain):
        return len(local) >= 2 or provider in lx.EMAIL_PROVIDERS
    return provider in lx.EMAIL_PROVIDERS and _SPELT_LOCAL_DOT.match(local) is not None


# Letter by letter: "a n a . s i l v a @ gmail.com", "j o e 4 2 at hotmail dot ca".
_EMAIL_LETTERED = _rx(
    r"(?<![\w.@])[a-z0-9](?:(?:\s+(?:dot|point|underscore|tiret|dash)\s+|\s*[._-]\s*|\s+)"
    r"[a-z0-9](?!\w)){3,}"
    rf"\s*(?:@|\bat\b|\barobase\b|\barobas\b)\s*[a-z0-9-]+(?:{_SPELT_DOT}[a-z]{{2,6}}\b){{0,3}}"
)


def _lettered_emails(context: MessageContext) -> Iterator[Finding]:
    for match in _EMAIL_LETTERED.finditer(context.folded):
        domain = _SPELT_AT.split(match.group(), maxsplit=1)[-1]
        provider = re.split(r"[\s.]", domain.strip(), maxsplit=1)[0]
        if _SPELT_TLD.search(domain) or provider in lx.EMAIL_PROVIDERS:
            yield Finding(match.start(), match.end(), E.EMAIL, "email_lettered")


def emails_find(context: MessageContext) -> Iterator[Finding]:
    text = context.text
    if "@" in text or "%40" in text:
        for match in _EMAIL.finditer(text):
            yield Finding(match.start(), match.end(), E.EMAIL, "email")
    folded = context.folded
    if " dot " in folded or "(at)" in folded or "[at]" in folded:
        for match in _EMAIL_SPOKEN.finditer(text):
            yield Finding(match.start(), match.end(), E.EMAIL, "email_spoken")
    if " at " in folded or "arobas" in folded or "(at)" in folded or "[at]" in folded:
        for match in _EMAIL_SPELT.finditer(folded):
            if _spelt_email(match.group()):
                yield Finding(match.start(), match.end(), E.EMAIL, "email_spelt")
    if "@" in folded or " at " in folded or "arobas" in folded:
        yield from _lettered_emails(context)


# --- IP addresses ----------------------------------------------------------------------------
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)")
_IPV6 = _rx(r"(?<![\w:])(?:[0-9a-f]{1,4}:){1,7}(?::|(?::?[0-9a-f]{1,4}){1,7})(?![\w:])")
_IP_WORDS = _rx(lx.IP_WORDS)
_VERSION_WORDS = _rx(lx.VERSION_WORDS)


def ips_find(context: MessageContext) -> Iterator[Finding]:
    text = context.text
    if text.count(".") >= 3:
        for match in _IPV4.finditer(text):
            parts = match.group().split(".")
            if any(int(part) > 255 or (len(part) > 1 and part[0] == "0") for part in parts):
                continue
            if _in_url(context, match.start()):
                continue
            near = context.folded[max(0, match.start() - 60) : match.start()]
            said_ip = _IP_WORDS.search(near) or _IP_WORDS.search(context.previous)
            # "7.1.5.10" answering "which app version?" is a version number, not an address.
            if not said_ip and (
                _VERSION_WORDS.search(near) or _VERSION_WORDS.search(context.previous)
            ):
                continue
            yield Finding(match.start(), match.end(), E.IP_ADDRESS, "ipv4")
    if text.count(":") >= 2:
        for match in _IPV6.finditer(text):
            try:
                ipaddress.IPv6Address(match.group())
            except ValueError:
                continue
            yield Finding(match.start(), match.end(), E.IP_ADDRESS, "ipv6")


# --- payment cards, SIN, SSN -----------------------------------------------------------------
_CARD = re.compile(r"(?<![\w.,/-])\d(?:[ -]?\d){12,18}(?![\w-]|[.,]\d)")
_SSN = re.compile(r"(?<![\w.,/-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\w-]|[.,]\d)")
_NINE = re.compile(r"(?<![\w.,/$-])\d{3}([ -]?)\d{3}\1\d{3}(?![\w-]|[.,]\d)")
_SIN_WORDS = _rx(r"\bsin\b|social insurance|\bnas\b|assurance sociale|numero d'assurance")
_SSN_WORDS = _rx(r"\bssn\b|social security|\bitin\b|\bss#")
_CARD_WORDS = _rx(r"card|carte|visa|mastercard|amex|credit|debit|cc\b")


def cards_find(context: MessageContext) -> Iterator[Finding]:
    for match in _CARD.finditer(context.text):
        digits = _digits(match.group())
        if not 13 <= len(digits) <= 19 or digits[0] not in "23456":
            continue
        if not luhn_valid(digits) or _is_reference(context, match.start()):
            continue
        yield Finding(match.start(), match.end(), E.CREDIT_CARD, "card_luhn")


def _ssn_area_valid(area: str, group: str, serial: str) -> bool:
    return area not in {"000", "666"} and area[0] != "9" and group != "00" and serial != "0000"


def national_ids_find(context: MessageContext) -> Iterator[Finding]:
    text, folded = context.text, context.folded
    for match in _SSN.finditer(text):
        area, _, group, serial = match.groups()
        if _ssn_area_valid(area, group, serial) and not _is_reference(context, match.start()):
            yield Finding(match.start(), match.end(), E.US_SSN, "ssn_format")
    window = folded + " " + context.previous
    says_sin = _SIN_WORDS.search(window) is not None
    says_ssn = _SSN_WORDS.search(window) is not None
    for match in _NINE.finditer(text):
        if _is_reference(context, match.start()):
            continue
        digits = _digits(match.group())
        if says_ssn and not says_sin:
            yield Finding(match.start(), match.end(), E.US_SSN, "ssn_context")
        elif says_sin:
            yield Finding(match.start(), match.end(), E.CA_SIN, "sin_context")
        elif luhn_valid(digits) and digits[0] not in "08":
            yield Finding(match.start(), match.end(), E.CA_SIN, "sin_luhn")


# --- phone numbers ---------------------------------------------------------------------------
_NANP = re.compile(
    r"(?<![\w.,/$-])(?:\+?1[ .-]?)?(?:\(\d{3}\)\s?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\w-]|[.,]\d)"
)
_BARE_TEN = re.compile(r"(?<![\w.,/$-])\+?1?\d{10}(?![\w-]|[.,]\d)")
_PHONE_WORDS = _rx(lx.ASK_PHONE)
PHONE_FRAGMENT_HEAD = re.compile(r"^\s*(?:\+?1[ .-]?)?(?:\(\d{3}\)\s?|\d{3}[ .-]?)\d{3}[ .-]?\s*$")
PHONE_FRAGMENT_TAIL = re.compile(r"^\s*\d{4}\s*$")


def phones_find(context: MessageContext) -> Iterator[Finding]:
    text = context.text
    if len(_DIGIT.findall(text)) < 7:
        return
    for number in phonenumbers.PhoneNumberMatcher(text, "CA", leniency=Leniency.VALID):
        glued = number.start > 0 and (
            text[number.start - 1].isalnum() or text[number.start - 1] in "-/"
        )
        if not glued and not _is_reference(context, number.start):
            yield Finding(number.start, number.end, E.PHONE, "phonenumbers")
    # Made-up or not yet assigned area codes fail VALID; a separated 3-3-4 shape is enough.
    for match in _NANP.finditer(text):
        if not _is_reference(context, match.start()):
            yield Finding(match.start(), match.end(), E.PHONE, "nanp_shape")
    for match in _BARE_TEN.finditer(text):
        if _is_reference(context, match.start()):
            continue
        near = context.folded[max(0, match.start() - 50) : match.start()]
        if _PHONE_WORDS.search(near) or _PHONE_WORDS.search(context.previous):
            yield Finding(match.start(), match.end(), E.PHONE, "phone_context")


# --- dates of birth --------------------------------------------------------------------------
_MONTHS = (
    r"jan(?:uary|v(?:ier)?)?|feb(?:ruary)?|fev(?:rier)?|mar(?:ch|s)?|apr(?:il)?|avr(?:il)?|"
    r"may|mai|june?|juin|july?|juil(?:let)?|aug(?:ust)?|aout|sep(?:t(?:ember)?)?|"
    r"sept(?:embre)?|oct(?:ober|obre)?|nov(?:ember|embre)?|dec(?:ember|embre)?"
)
# A day of the month in figures ("3", "3rd", "1er") or in words ("third", "premier").
_DAY = rf"(?:(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th|er)?|{lx.ORDINAL_DAYS})"
_DATE_WITH_YEAR = _rx(
    rf"\b(?:(?:19|20)\d\d[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])"
    rf"|(?:0?[1-9]|[12]\d|3[01])[-/.](?:0?[1-9]|[12]\d|3[01])[-/.](?:(?:19|20)\d\d|\d\d)"
    # Spaces between the parts only with a four-digit year: "05 03 1985", "1985 03 05".
    rf"|(?<!\d)(?<!\d )(?:0?[1-9]|[12]\d|3[01]) (?:0?[1-9]|[12]\d|3[01]) (?:19|20)\d\d(?! ?\d)"
    rf"|(?<!\d)(?<!\d )(?:19|20)\d\d (?:0?[1-9]|1[0-2]) (?:0?[1-9]|[12]\d|3[01])(?! ?\d)"
    rf"|(?:le\s+)?{_DAY}\s+(?:of\s+)?(?:{_MONTHS})\.?,?\s+"
    rf"(?:(?:19|20)\d\d|'?\d\d)"
    rf"|(?:{_MONTHS})\.?\s+(?:the\s+)?{_DAY},?\s+(?:(?:19|20)\d\d|'?\d\d))(?![\w'])"
)
_DATE_WITHOUT_YEAR = _rx(
    rf"\b(?:{_DAY}\s+(?:of\s+)?(?:{_MONTHS})\b\.?"
    rf"|(?:{_MONTHS})\.?\s+(?:the\s+)?{_DAY}\b)(?!,?\s*\d)"
)
_BORN_YEAR = _rx(r"\b(?:born in|ne en|nee en|birth year|annee de naissance)\s+((?:19|20)\d\d)\b")
_YEAR = re.compile(r"(?:19|20)\d\d")
_DOB_WORDS = _rx(lx.DOB_WORDS)
_NOT_DOB_WORDS = _rx(lx.NOT_DOB_WORDS)


def _last_end(pattern: re.Pattern[str], text: str) -> int:
    return max((match.end() for match in pattern.finditer(text)), default=-1)


def _event_date(before: str) -> bool:
    """The words just before a date make it an event ("got it on", "ouvert le"), unless a
    birth word is closer to the date ("you've got my date of birth: …")."""
    event = _last_end(_NOT_DOB_WORDS, before)
    return event >= 0 and event > _last_end(_DOB_WORDS, before)


def dates_of_birth_find(context: MessageContext) -> Iterator[Finding]:
    folded = context.folded
    if not _DIGIT.search(folded):
        return
    asked = _DOB_WORDS.search(context.previous) is not None
    for match in _DATE_WITH_YEAR.finditer(folded):
        start = match.start()
        before = folded[max(0, start - 45) : start]
        if _event_date(before) or _is_reference(context, start):
            continue
        years = _YEAR.findall(match.group())
        year = int(years[-1]) if years else None
        if year is not None and year > context.reference_year:
            continue  # a date in the future is nobody's birthday
        said = _DOB_WORDS.search(before) is not None
        long_ago = year is not None and year <= context.reference_year - 14
        if context.sender == "agent":
            # An agent's old date is an event of the account ("opened on June 27, 2000"),
            # unless a date of birth is being discussed.
            long_ago = long_ago and asked
        if said or long_ago or (asked and context.sender != "agent"):
            yield Finding(start, match.end(), E.DATE_OF_BIRTH, "dob")
    for match in _BORN_YEAR.finditer(folded):
        yield Finding(match.start(1), match.end(1), E.DATE_OF_BIRTH, "born_year")
    asked = asked and context.sender != "agent"
    if _DOB_WORDS.search(folded) or asked:
        for match in _DATE_WITHOUT_YEAR.finditer(folded):
            before = folded[max(0, match.start() - 45) : match.start()]
            if (_DOB_WORDS.search(before) or asked) and not _NOT_DOB_WORDS.search(before):
                yield Finding(match.start(), match.end(), E.DATE_OF_BIRTH, "dob_no_year")


# --- bank accounts ---------------------------------------------------------------------------
_IBAN = _rx(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
_CHEQUE = re.compile(r"(?<![\w-])\d{5}[- ]\d{3}[- ]\d{5,12}(?![\w-])")
_ACCOUNT_LABEL = _rx(
    r"\b(?:account|acct|acc|a/c|compte|chequing|checking|savings|epargne|cheques)\b\.?"
    r"(?!\s*id\b)\s*(?:number|numero|no\.?|num|nr|#)?\s*(?:is|est|:|=|de)?\s*"
    r"(\d[\d -]{3,22}\d)(?![\w-])"
)
# Canadian cheque numbers by name: transit (succursale), institution, account (folio).
_BRANCH_LABEL = _rx(
    rf"\b(?:{lx.BANK_NUMBER_WORDS})\b\.?\s*(?:number|numero|no\.?|num|#)?\s*"
    r"(?:is|est|:|=|de|c'est)?\s*(?:le\s+)?(\d[\d -]{1,18}\d)(?![\w-])"
)
_BANK_WORDS = _rx(lx.ASK_ACCOUNT)
_BARE_ACCOUNT = re.compile(r"(?<![\w.,/$#-])\d(?:[ -]?\d){4,16}(?![\w-]|[.,]\d)")


def _iban_valid(value: str) -> bool:
    compact = value.replace(" ", "").upper()
    rearranged = compact[4:] + compact[:4]
    numeric = "".join(str(int(ch, 36)) for ch in rearranged)
    return len(compact) >= 15 and int(numeric) % 97 == 1


def bank_accounts_find(context: MessageContext) -> Iterator[Finding]:
    text, folded = context.text, context.folded
    if not _DIGIT.search(text):
        return
    for match in _IBAN.finditer(text):
        if _iban_valid(match.group()):
            yield Finding(match.start(), match.end(), E.BANK_ACCOUNT, "iban")
    for match in _CHEQUE.finditer(text):
        yield Finding(match.start(), match.end(), E.BANK_ACCOUNT, "cheque_line")
    for match in _ACCOUNT_LABEL.finditer(folded):
        yield Finding(match.start(1), match.end(1), E.BANK_ACCOUNT, "account_label")
    for match in _BRANCH_LABEL.finditer(folded):
        if not _is_reference(context, match.start()):
            yield Finding(match.start(1), match.end(1), E.BANK_ACCOUNT, "branch_label")
    if context.sender != "agent" and _BANK_WORDS.search(context.previous) and len(text) < 80:
        for match in _BARE_ACCOUNT.finditer(text):
            if _DATE_WITH_YEAR.fullmatch(match.group()) or _is_reference(context, match.start()):
                continue
            yield Finding(match.start(), match.end(), E.BANK_ACCOUNT, "account_reply")


# --- login names and account ids -------------------------------------------------------------
_ID_LABEL = _rx(
    r"\b(?:account id|user ?id|user ?name|login|customer id|client id|member id|order id|"
    r"identifiant|nom d'utilisateur)(?:\s*(?:is|est|:|=|#)\s*([a-z0-9][a-z0-9._-]{3,})"
    r"|\s+([a-z]*\d[a-z0-9._-]{2,}))"
)
_ASK_ID = _rx(lx.ASK_ID)
_ID_TOKEN = re.compile(r"(?<![\w@.-])(?=[A-Za-z0-9._-]*\d|[A-Z0-9]{6,}\b)[A-Za-z0-9][\w.-]{4,}")


def account_ids_find(context: MessageContext) -> Iterator[Finding]:
    for match in _ID_LABEL.finditer(context.folded):
        group = 1 if match.group(1) else 2
        yield Finding(match.start(group), match.end(group), E.ACCOUNT_ID, "id_label")
    if len(context.text) <= 40 and _ASK_ID.search(context.previous):
        for match in _ID_TOKEN.finditer(context.text):
            if not _is_reference(context, match.start()):
                yield Finding(match.start(), match.end(), E.ACCOUNT_ID, "id_reply")


RECOGNIZERS = (
    emails_find,
    ips_find,
    cards_find,
    national_ids_find,
    phones_find,
    dates_of_birth_find,
    bank_accounts_find,
    account_ids_find,
)
