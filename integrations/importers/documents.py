"""Reading JSON documents out of an export file, and small value converters shared by the
importers. Everything here is pure: no database access.

A file may hold one JSON document, several concatenated (pretty-printed or one per line, as
`cat a.json b.json` or JSON Lines give them) or an array of them. Each document keeps the
exact bytes it was read from so that a rejected chat is kept verbatim.
"""

import html
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

from chats.importers import ImportUnit
from chats.interchange import InterchangeError, chat_payload_from_dict, parse_timestamp

_DECODER = json.JSONDecoder()
_WHITESPACE = re.compile(r"\s*")
# Epoch seconds between 1990 and 2100: anything else is a corrupted or millisecond timestamp.
EPOCH_MIN, EPOCH_MAX = 631_152_000, 4_102_444_800


@dataclass(frozen=True)
class Document:
    """One JSON document of a file: its 1-based number, original bytes and decoded value."""

    number: int
    raw: bytes
    value: Any


@dataclass(frozen=True)
class BadDocument:
    """Bytes that are not JSON; kept verbatim with the reason."""

    number: int
    raw: bytes
    error: InterchangeError


def documents_read(data: bytes) -> Iterator[Document | BadDocument]:
    """Splits a file into JSON documents. Undecodable input ends the stream with one
    BadDocument holding every byte from the failure on."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        yield BadDocument(1, data, InterchangeError(f"not valid UTF-8 (byte {error.start})"))
        return
    position, number = 0, 0
    while True:
        match = _WHITESPACE.match(text, position)
        position = match.end() if match else position
        if position >= len(text):
            return
        number += 1
        try:
            value, end = _DECODER.raw_decode(text, position)
        except json.JSONDecodeError as error:
            yield BadDocument(
                number,
                text[position:].encode(),
                InterchangeError(
                    f"not valid JSON ({error.msg} at line {error.lineno} column {error.colno})"
                ),
            )
            return
        yield Document(number, text[position:end].encode(), value)
        position = end


def compact(value: Any) -> bytes:
    """The bytes kept for a chat taken out of a larger document (e.g. one chat of an export
    page): its exact content as one JSON line."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def require_object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InterchangeError(f"must be a JSON object, not {type(value).__name__}", where)
    return value


def require_list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise InterchangeError(f"must be a list, not {type(value).__name__}", where)
    return value


def optional_object(value: Any, where: str) -> dict[str, Any]:
    return {} if value is None else require_object(value, where)


def text_of(value: Any, where: str) -> str:
    """A string field that may be null; numbers are accepted as ids often are numbers."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InterchangeError(f"must be a string, not {type(value).__name__}", where)
    return str(value).strip()


def timestamp_iso(value: Any, where: str) -> str:
    """An ISO 8601 string (with offset) or epoch seconds, as interchange ISO 8601 UTC."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not EPOCH_MIN <= value <= EPOCH_MAX:
            raise InterchangeError(f"{value!r} is not a plausible epoch-seconds timestamp", where)
        moment = datetime.fromtimestamp(value, tz=UTC)
    else:
        moment = parse_timestamp(value, where)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def optional_timestamp_iso(value: Any, where: str) -> str | None:
    return None if value is None or value == "" else timestamp_iso(value, where)


def latest(*values: str | None) -> str | None:
    moments = [datetime.fromisoformat(value) for value in values if value]
    return max(moments).isoformat().replace("+00:00", "Z") if moments else None


def country_code(value: Any) -> str:
    """An ISO 3166-1 alpha-2 code from a source field, or "" when it is not one (names such as
    "Poland" are not guessed at: inference from phone/email takes over, R-CHAT-2)."""
    code = value.strip().upper() if isinstance(value, str) else ""
    return code if re.fullmatch(r"[A-Z]{2}", code) else ""


GOOD_BAD_RATINGS = {"good": 5, "bad": 1, 1: 5, 0: 1}


def rating_from_good_bad(value: Any, where: str) -> int | None:
    """Thumbs up/down systems (LiveChat score 1/0, Zendesk "good"/"bad") on the 1-5 scale:
    good = 5, bad = 1. The original value is kept in the survey answers."""
    if value is None or value == "" or value in ("not_rated", "rated"):
        return None
    if isinstance(value, bool) or not isinstance(value, str | int) or value not in GOOD_BAD_RATINGS:
        raise InterchangeError(f"{value!r} is not a rating (good/bad or 1/0)", where)
    return GOOD_BAD_RATINGS[value]


class _TextExtractor(HTMLParser):
    BLOCKS = frozenset({"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "img":
            self.parts.append("[image]")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(value: str) -> str:
    """Message bodies that are HTML (Intercom) as the plain text a reader saw."""
    extractor = _TextExtractor()
    extractor.feed(value)
    extractor.close()
    text = html.unescape("".join(extractor.parts))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def validated_units(
    number: int,
    raw: bytes,
    build: Callable[[], Iterable[dict[str, Any]]],
    unmapped: Iterable[str] = (),
) -> list[ImportUnit]:
    """Runs a mapping and validates every chat it yields with the one validator. One document
    may hold several chats (LiveChat threads): if any fails, the whole document is one reject,
    so a document is never half-imported. `unmapped` names the document's fields that no
    interchange field takes (they stay in the kept source document, `raw`)."""
    try:
        chats = list(build())
        for chat in chats:
            chat_payload_from_dict(chat)
    except InterchangeError as error:
        return [ImportUnit(number, raw, error)]
    fields = tuple(sorted(set(unmapped)))
    return [ImportUnit(number, raw, chat, fields) for chat in chats]


def one_chat(
    mapper: Callable[..., dict[str, Any]], *args: Any
) -> Callable[[], list[dict[str, Any]]]:
    """A deferred mapping of one document into one chat, for validated_units."""

    def build() -> list[dict[str, Any]]:
        return [mapper(*args)]

    return build


def unit_error(number: int, raw: bytes, reason: str, field: str = "") -> ImportUnit:
    return ImportUnit(number, raw, InterchangeError(reason, field))


# --- SPEC §3 message keys (external_id, attachments, visibility) -------------------------------

INTERNAL = "internal"
PUBLIC = "public"


def attachment(name: Any, content_type: Any, size: Any, url: Any, where: str) -> dict[str, Any]:
    """One attachment as SPEC §3 names it; a size that is not a whole number is left out."""
    return {
        "name": text_of(name, f"{where}.name"),
        "content_type": text_of(content_type, f"{where}.content_type"),
        "size": size if isinstance(size, int) and not isinstance(size, bool) else None,
        "url": text_of(url, f"{where}.url"),
    }


# --- what a document says that no field of the interchange takes (issue #20, item 10) ---------


def unmapped_keys(value: Any, mapped: frozenset[str], where: str, found: set[str]) -> None:
    """Adds to `found` the path of every key of the object `value` that the importer does not
    map (`where.key`); lists of objects are named `where[]`."""
    if isinstance(value, dict):
        for key in value:
            if key not in mapped:
                found.add(f"{where}.{key}" if where else key)


def unmapped_in_items(items: Any, mapped: frozenset[str], where: str, found: set[str]) -> None:
    for item in items if isinstance(items, list) else []:
        unmapped_keys(item, mapped, f"{where}[]", found)
