"""Address recognizers: Canadian postal codes, US ZIP codes, street addresses and PO boxes
(English and Canadian French). A postal code or ZIP without context counts only beside an
address, so `redaction.detection` runs `addresses_find` first."""

import re
from collections.abc import Iterator

from redaction.detection import lexicon as lx
from redaction.detection import lexicon_places as places
from redaction.detection.patterns import _DIGIT, MessageContext, _is_reference, _rx
from redaction.detection.types import EntityType, Finding

E = EntityType


# --- postal codes and ZIP codes --------------------------------------------------------------
_POSTAL = _rx(
    r"(?<![\w-])[abceghj-nprstvxy]\d[abceghj-nprstv-z][ -]?\d[abceghj-nprstv-z]\d(?![\w-])"
)
_ZIP = re.compile(r"(?<![\w$.,#/:-])(\d{5})(-\d{4})?(?![\w-]|[.,/:]\d|\s*(?:\$|%))")
_STATE_BEFORE = _rx(rf"(?:\b(?:{'|'.join(places.US_STATES)})\b\.?|\b[a-z]+(?: [a-z]+)?,)\s*$")
_POSTAL_WORDS = _rx(lx.ASK_POSTAL)
_MONEY_BEFORE = _rx(r"(?:\$|usd|cad|eur|€|£|ca\$|us\$)\s*$")


def postal_codes_find(context: MessageContext, has_address: bool) -> Iterator[Finding]:
    for match in _POSTAL.finditer(context.text):
        if _is_reference(context, match.start()):
            continue
        spaced = not match.group().isalnum()
        if spaced or has_address or _POSTAL_WORDS.search(context.folded + context.previous):
            yield Finding(match.start(), match.end(), E.CA_POSTAL_CODE, "postal")
        elif any(ch.isupper() for ch in match.group()) and any(
            ch.islower() for ch in match.group()
        ):
            continue  # mixed case without context: a model or product code
        else:
            yield Finding(match.start(), match.end(), E.CA_POSTAL_CODE, "postal_bare")


def zips_find(context: MessageContext, has_address: bool) -> Iterator[Finding]:
    folded = context.folded
    for match in _ZIP.finditer(context.text):
        start = match.start()
        if _is_reference(context, start) or _MONEY_BEFORE.search(folded, max(0, start - 6), start):
            continue
        before = folded[max(0, start - 30) : start]
        if (
            match.group(2)
            or has_address
            or _STATE_BEFORE.search(before)
            or _POSTAL_WORDS.search(folded)
            or _POSTAL_WORDS.search(context.previous)
        ):
            yield Finding(start, match.end(), E.US_ZIP, "zip")


# --- street addresses ------------------------------------------------------------------------
_WORD = r"[A-Za-zÀ-ÿ0-9'.\-]+"
_DIRECTION = r"(?:n|s|e|w|ne|nw|se|sw|north|south|east|west|nord|sud|est|ouest|o)\b\.?"
_UNIT = rf"(?:,?\s*(?:{places.UNIT_WORDS})\.?\s*#?\s*[A-Za-z0-9-]{{1,6}}\b)"
# Words that are never inside a street's name: "departs at 6 from gate 12" is a time and a gate.
_NOT_STREET_WORD = (
    r"(?:from|at|on|by|with|until|till|before|after|is|are|was|were|through|via|into|onto|"
    r"toward|towards|departs?|leaves?|arrives?|boards?|boarding|opens?|closes?|pm|am)"
)
_STREET = _rx(
    rf"(?<![\w$.,/:-])(?:\d{{1,6}}-)?\d{{1,6}}[a-z]?\s+(?!(?:to|and|or|of|in|for|the|a|x|per)\b)"
    rf"(?:(?!\d+\b|{_NOT_STREET_WORD}\b){_WORD}\s+){{1,3}}?(?:{'|'.join(places.STREET_TYPES)})\b\.?"
    # "Pine Ridge Rd", "Oak Hill Dr": a name that is itself a street type, then the type.
    rf"(?:\s+(?:{'|'.join(places.STREET_TYPES)})\b\.?)?"
    rf"(?:\s+{_DIRECTION})?{_UNIT}?"
    rf"|(?<![\w$.,/:-])(?:\d{{1,6}}-)?\d{{1,6}}\s+(?!{_NOT_STREET_WORD}\b)(?:{'|'.join(places.TYPELESS_STREETS)})\b{_UNIT}?"
    rf"|(?<![\w$.,/:-])(?:\d{{1,6}}-)?\d{{1,6}}\s+(?!{_NOT_STREET_WORD}\b)[A-Z][a-zà-ÿ]+(?:\s+[A-Z][a-zà-ÿ]+)?(?={_UNIT})"
    rf"{_UNIT}"
)
_FRENCH_STREET = _rx(
    rf"(?<![\w$.,/:-])(?:\d{{1,6}}-)?\d{{1,6}},?\s+(?:{'|'.join(places.FRENCH_STREET_TYPES)})\b\.?"
    rf"\s+(?:(?:de la|de l'|du|des|de|d'|la|le|l')\s*)?[\w'-]+"
    rf"(?:[ \-](?!app\b|apt\b)[\w'-]+){{0,2}}"
    rf"{_UNIT}?"
    # Numbered streets: "225, 3e Avenue", "40 1re Rue", "12 2e rang".
    rf"|(?<![\w$.,/:-])\d{{1,6}},?\s+\d{{1,3}}(?:e|er|re|eme|ieme)\s+"
    rf"(?:{'|'.join(places.FRENCH_STREET_TYPES)})\b\.?(?:\s+{_DIRECTION})?{_UNIT}?"
)
_PO_BOX = _rx(r"\b(?:p\.?\s?o\.?\s?box|post office box|case postale|c\.p\.)\s*\d{1,6}\b")
_STOP_AFTER_NUMBER = re.compile(
    r"^\d[\d-]*[a-z]?,?\s+(?:days?|hours?|minutes?|months?|years?|weeks?|business|times?|"
    r"items?|of|x)\b",
    re.IGNORECASE,
)


# "on June 21 departs from gate 14", "arrives May 9 Drive-thru": the number is a day.
_MONTH_BEFORE = _rx(rf"\b(?:{lx.MONTH_WORDS})\.?\s*$")
_MONTH_AFTER = _rx(rf"^\d{{1,2}}(?:st|nd|rd|th|er)?\s+(?:of\s+)?(?:{lx.MONTH_WORDS})\b")


def _is_day_of_month(context: MessageContext, start: int) -> bool:
    folded = context.folded
    return (
        _MONTH_BEFORE.search(folded, max(0, start - 12), start) is not None
        or _MONTH_AFTER.match(folded, start) is not None
    )


# The unit typed first: "apt 4, 1820 Pine Ridge Rd", "app. 3 - 1450 rue Papineau".
_UNIT_BEFORE = _rx(rf"(?:^|(?<=\s))(?:{places.UNIT_WORDS})\.?\s*#?\s*[a-z0-9]{{1,5}}\s*[,-]?\s*$")


def addresses_find(context: MessageContext) -> Iterator[Finding]:
    text = context.text
    if not _DIGIT.search(text):
        return
    for pattern, rule in ((_STREET, "street"), (_FRENCH_STREET, "rue"), (_PO_BOX, "po_box")):
        # French street types are listed without accents ("montee", "cote"): read folded text.
        for match in pattern.finditer(context.folded if rule == "rue" else text):
            if _STOP_AFTER_NUMBER.match(match.group()) or _is_reference(context, match.start()):
                continue
            if rule != "po_box" and _is_day_of_month(context, match.start()):
                continue
            end = match.end()
            while end > match.start() and text[end - 1] in " ,":
                end -= 1
            start = match.start()
            unit = _UNIT_BEFORE.search(context.folded, max(0, start - 20), start)
            if rule != "po_box" and unit is not None:
                start = unit.start()
            yield Finding(start, end, E.STREET_ADDRESS, rule)
