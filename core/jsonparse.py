"""The one strict JSON reader for request bodies (DRF and the inbound webhooks).

Refuses, with a reason, what Python's json module would let through to a 500 later: nesting
deeper than MAX_JSON_DEPTH (a RecursionError in any recursive walk), lone UTF-16 surrogates
(unencodable, so unstorable), NUL characters (PostgreSQL text and jsonb cannot hold them) and
NaN/Infinity. orjson parses in C with its own depth limit, so a 100,000-deep array costs nothing.
"""

from typing import Any

import orjson

MAX_JSON_DEPTH = 64


class JSONBodyError(ValueError):
    """A body that is not JSON we accept; the message says why."""


def _check_shape(data: Any) -> None:
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise JSONBodyError("contains a NUL character (\\u0000)")
            continue
        if isinstance(value, dict):
            children: Any = [*value.keys(), *value.values()]
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            raise JSONBodyError(f"nested deeper than {MAX_JSON_DEPTH} levels")
        stack.extend((child, depth + 1) for child in children)


def json_loads_strict(raw: bytes | str) -> Any:
    """Parses a JSON document or raises JSONBodyError with the reason."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        if "depth limit" in str(error):
            raise JSONBodyError(f"nested deeper than {MAX_JSON_DEPTH} levels") from None
        raise JSONBodyError(f"not valid JSON ({error})") from None
    _check_shape(data)
    return data
