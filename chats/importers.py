"""Input formats of import_chats. `native` is interchange JSONL; other live-chat systems'
exports are converted line by line into interchange lines by their adapters (issue #7)."""

from collections.abc import Callable, Iterable, Iterator

LineConverter = Callable[[Iterable[bytes]], Iterator[bytes]]


def _native(lines: Iterable[bytes]) -> Iterator[bytes]:
    yield from lines


IMPORT_FORMATS: dict[str, LineConverter] = {"native": _native}


def register_import_format(name: str) -> Callable[[LineConverter], LineConverter]:
    def decorator(converter: LineConverter) -> LineConverter:
        IMPORT_FORMATS[name] = converter
        return converter

    return decorator


def import_lines_for_format(name: str, lines: Iterable[bytes]) -> Iterator[bytes]:
    return IMPORT_FORMATS[name](lines)
