"""An import stores exactly the rows it stored when this file was pinned (issue #19 item 2).

The import path is tuned for speed (COPY text, set-based look-ups, cached checks); none of that
may change a stored value. A fixed file (generated sample chats plus lines that take every
unusual branch: attachments, internal notes, offsets, COPY-special characters, inferred
countries, pseudonymous customers, warnings and rejects) is imported in small batches, then again
with later copies of some chats; every row it leaves in the chat tables, the history rows and
the kept source documents is compared with `import_rows/pinned.jsonl`. Ids and the moment of
the import are replaced by what they stand for; everything else is compared as stored.

Regenerate the pinned file only for an intended change of what an import stores:
    PIN_IMPORT_ROWS=1 .venv/bin/python -m pytest tests/chats/test_import_stores_the_same_rows.py
"""

import json
import os
import zlib
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import models

from chats.models import Agent, Chat, ChatSourceDocument, Customer, Message, Survey
from chats.samples import sample_chats
from chats.services.import_stream import chats_import_lines
from core.db.history import history_model_of

pytestmark = pytest.mark.django_db

PINNED = Path(__file__).parent / "import_rows" / "pinned.jsonl"
# Values the import takes from the clock or a sequence: compared by what they stand for.
MOMENT_FIELDS = {"imported_at", "created_at", "received_at", "history_date", "updated_at"}


def _unusual_chats() -> list[dict[str, Any]]:
    base = {
        "source": "edge",
        "started_at": "2024-05-01T10:00:00+02:00",
        "ended_at": "2024-05-01T10:30:00Z",
    }
    return [
        {
            **base,
            "external_id": "e-1",
            "language": "FR",
            "customer": {"name": "  Zoé Côté ", "email": "Zoe@Example.DE", "phone": ""},
            "agents": [
                {"external_id": "x-1", "name": "Ren", "team": "T1", "country": "de"},
                {"external_id": "x-2", "name": "Ola", "country": "SE"},
            ],
            "messages": [
                {
                    "sender": "customer",
                    "sent_at": "2024-05-01T10:00:01.123456+02:00",
                    "text": "tab\there, newline\nthere, back\\slash, cr\r, \u00e9\u4e2d\U0001f600",
                },
                {
                    "sender": "agent",
                    "sent_at": "2024-05-01T08:01:00Z",
                    "agent_external_id": " x-1 ",
                    "text": "see attached",
                    "external_id": " m-77 ",
                    "attachments": [
                        {"name": "a\tb.pdf", "content_type": "Application/PDF", "size": 12},
                        {"url": "https://files.example/x?y=1&z=\\n"},
                    ],
                },
                {
                    "sender": "agent",
                    "sent_at": "2024-05-01T08:02:00Z",
                    "agent_external_id": "x-2",
                    "author": "Ola N.",
                    "visibility": " Internal ",
                    "text": None,
                },
                {
                    "sender": "agent",
                    "sent_at": "2024-05-01T08:03:00-05:30",
                    "agent_external_id": "ghost",
                    "text": "an agent the chat does not list",
                },
                {"sender": "system", "sent_at": "2024-05-01T08:04:00Z"},
                # a backslash, then the letters u0000: text, not a NUL escape
                {"sender": "bot", "sent_at": "2024-05-01T08:05:00Z", "text": "C:\\u0000\\x"},
            ],
            "survey": {"rating": 3.0, "comment": " meh ", "answers": {"q\t1": "a\n1", "2": 5}},
            "tags": ["Billing", " billing ", "VIP", ""],
            "unknown_key": {"kept": "in the source document only"},
        },
        {
            **base,
            "external_id": 4242,
            "ended_at": None,
            "customer": {
                "external_id": "ana@example.org",
                "name": "Ana",
                "phone": "+44 20 7946 0958",
            },
            "messages": [],
        },
        {
            **base,
            "external_id": "e-3",
            "region": "ca-qc",
            "customer": {"external_id": "c-same", "email": "first@example.com"},
            "messages": [{"sender": "bot", "sent_at": "2024-05-01T08:00:00Z", "text": "hi"}],
        },
        {
            **base,
            "external_id": "e-4",
            # the same customer id with another email: linked, kept, warned about
            "customer": {"external_id": "c-same", "email": "second@example.com", "name": "B"},
            "agents": [{"external_id": "x-1", "name": "Someone else"}],
            "messages": [
                {
                    "sender": "agent",
                    "sent_at": "2024-05-01T08:00:00Z",
                    "agent_external_id": "x-1",
                    "text": "agent country decides",
                }
            ],
        },
        {**base, "external_id": "e-5", "customer": {"phone": "+1 604 555 0142"}, "messages": []},
        {**base, "external_id": "e-6", "customer": {"name": "   "}, "messages": []},
    ]


def _rejected_lines() -> list[bytes]:
    good = {"source": "edge", "started_at": "2024-05-01T10:00:00Z", "messages": []}
    return [
        b"{not json\n",
        b"[1, 2]\n",
        (json.dumps({**good, "external_id": "r-nul", "language": "\u0000"}) + "\n").encode(),
        (json.dumps({**good, "external_id": "r-nul-key", "x\\\u0000": 1}) + "\n").encode(),
        (
            json.dumps({**good, "external_id": "r-mail", "customer": {"email": "a@b@c"}}) + "\n"
        ).encode(),
        (json.dumps({**good, "external_id": "e-3"}) + "\n").encode(),  # repeated in the file
        (
            json.dumps({**good, "external_id": "r-old", "started_at": "1970-01-01T00:00:00Z"})
            + "\n"
        ).encode(),
        b"\xff\xfe not utf-8\n",
        b"   \n",
    ]


def _lines() -> list[bytes]:
    chats = list(sample_chats(30, seed=19, source="pin"))
    chats[3:3] = _unusual_chats()
    lines = [(json.dumps(chat, ensure_ascii=False) + "\n").encode() for chat in chats]
    for position, line in enumerate(_rejected_lines()):
        lines.insert(3 + position * 4, line)
    return lines


def _later_copies(lines: list[bytes]) -> list[bytes]:
    again = []
    for number, line in enumerate(lines):
        try:
            chat = json.loads(line)
        except ValueError:
            again.append(line)
            continue
        if isinstance(chat, dict) and number % 5 == 0 and chat.get("messages") is not None:
            chat["messages"].append(
                {"sender": "agent", "sent_at": chat["started_at"], "text": "Anything else?"}
            )
            line = (json.dumps(chat, ensure_ascii=False) + "\n").encode()
        again.append(line)
    return again


def _value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return zlib.decompress(bytes(value)).decode()
    return value


def _dump(
    model: type[models.Model], keys: dict[tuple[str, int], str], of: str | None = None
) -> list[str]:
    """The rows of `model`, ids replaced by the key of the row they name (`of`: the key kind of
    the model's own id, for a model of those rows or of their history), in a stable order."""
    relations = {f.attname for f in model._meta.concrete_fields if f.is_relation}
    rows = []
    for values in model._default_manager.values():
        row: dict[str, Any] = {}
        for name, value in values.items():
            if name in MOMENT_FIELDS:
                row[name] = value is not None
            elif name in ("id", "history_id"):
                continue
            elif name in relations and value is not None:
                row[name] = keys.get((name, value), f"? {value}")
            else:
                row[name] = _value(value)
        if of is not None:
            row["self"] = keys.get((of, values["id"]))
        rows.append(json.dumps({"table": model._meta.db_table, **row}, sort_keys=True))
    return sorted(rows)


def _all_rows(outcome: dict[str, Any]) -> list[str]:
    keys: dict[tuple[str, int], str] = {}
    for model, field in ((Chat, "chat_id"), (Customer, "customer_id"), (Agent, "agent_id")):
        for pk, source, external_id in model.objects.values_list("pk", "source", "external_id"):
            keys[(field, pk)] = f"{source}/{external_id}"
    rows = [json.dumps(outcome, sort_keys=True)]
    for model, of in ((Chat, "chat_id"), (Customer, "customer_id"), (Agent, "agent_id")):
        rows += _dump(model, keys, of)
        rows += _dump(history_model_of(model), keys, of)
    others: tuple[type[models.Model], ...] = (
        Message,
        Survey,
        Chat.agents.through,
        ChatSourceDocument,
    )
    for other in others:
        rows += _dump(other, keys)
    return rows


def _import(lines: list[bytes]) -> dict[str, Any]:
    rejects: list[list[Any]] = []
    warnings: list[list[Any]] = []
    summary = chats_import_lines(
        lines=lines,
        on_reject=lambda number, raw, error: rejects.append([number, error.field, error.reason]),
        on_warning=lambda number, where, reason: warnings.append([number, where, reason]),
        batch_size=7,
    )
    return {"summary": vars(summary), "rejects": rejects, "warnings": warnings}


def test_an_import_and_a_reimport_with_later_copies_store_the_pinned_rows(settings):
    settings.CUSTOMER_ID_KEY = "pinned-for-this-test"
    lines = _lines()
    first = _import(lines)
    second = _import(_later_copies(lines))

    rows = _all_rows({"first": first, "second": second})

    if os.environ.get("PIN_IMPORT_ROWS"):
        PINNED.parent.mkdir(exist_ok=True)
        PINNED.write_text("\n".join(rows) + "\n")
    pinned = PINNED.read_text().splitlines()
    assert first["summary"]["imported"] > 30
    assert second["summary"]["updated"] > 5
    assert len(rows) == len(pinned)
    for row, expected in zip(rows, pinned, strict=True):
        assert row == expected
