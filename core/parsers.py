"""DRF's JSON parser on the strict reader of core.jsonparse (settings DEFAULT_PARSER_CLASSES)."""

from typing import Any

from rest_framework import parsers as drf_parsers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from core.jsonparse import JSONBodyError, json_loads_strict


class StrictJSONParser(JSONParser):
    """JSON bodies with a depth limit, without lone surrogates, NUL or NaN: a 400 otherwise."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        raw = stream.read() if stream is not None else b""
        # DRF's charset check (it refuses bytes-to-bytes codecs); missing from its type stubs.
        get_encoding = getattr(drf_parsers, "get_encoding")  # noqa: B009
        encoding = get_encoding(parser_context or {})
        try:
            if encoding.lower().replace("-", "") not in {"utf8", "ascii"}:
                raw = raw.decode(encoding)
            return json_loads_strict(raw)
        except (JSONBodyError, UnicodeDecodeError, LookupError) as error:
            raise ParseError(f"JSON parse error - {error}") from None
