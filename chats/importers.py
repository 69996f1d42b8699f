"""Input formats of import_chats. `native` is interchange JSONL; other live-chat systems'
exports are converted line by line into interchange lines by their adapters (issue #7).

Two kinds of converter:
- a line converter turns input lines into interchange lines (the native path; rejects are
  numbered by line);
- a document converter reads a whole file (many systems export whole JSON documents, not JSON
  Lines) and yields one ImportUnit per chat: its number in the file, the original bytes (kept
  verbatim when the unit is rejected) and the interchange dict, or the InterchangeError that
  names what is wrong with it.
"""

from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

from chats.interchange import InterchangeError

LineConverter = Callable[[Iterable[bytes]], Iterator[bytes]]


class ImportUnit(NamedTuple):
    number: int
    raw: bytes
    chat: dict[str, Any] | InterchangeError
    # Paths of the source document's fields that no interchange field takes (issue #20): they
    # stay in the kept source document (`raw`) and are counted in the import summary.
    unmapped: tuple[str, ...] = ()


DocumentConverter = Callable[[bytes], Iterator[ImportUnit]]


def _native(lines: Iterable[bytes]) -> Iterator[bytes]:
    yield from lines


# The line formats, explicitly; document formats are added by the adapters of integrations.
IMPORT_FORMATS: dict[str, LineConverter] = {"native": _native}
DOCUMENT_FORMATS: dict[str, DocumentConverter] = {}


def register_document_format(name: str) -> Callable[[DocumentConverter], DocumentConverter]:
    def decorator(converter: DocumentConverter) -> DocumentConverter:
        DOCUMENT_FORMATS[name] = converter
        return converter

    return decorator


def import_format_names() -> list[str]:
    return sorted({*IMPORT_FORMATS, *DOCUMENT_FORMATS})


def import_lines_for_format(name: str, lines: Iterable[bytes]) -> Iterator[bytes]:
    return IMPORT_FORMATS[name](lines)


def import_units_for_format(name: str, data: bytes) -> Iterator[ImportUnit]:
    return DOCUMENT_FORMATS[name](data)
