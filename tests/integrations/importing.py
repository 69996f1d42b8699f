"""Helpers of the importer tests: run import_chats on a sample, read back what it made."""

import json
from collections.abc import Callable
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from typing import Any

from django.core.management import call_command

from chats.models import Chat
from chats.selectors import message_transcript_text, transcript_lines


def import_sample(path: Path, fmt: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("import_chats", str(path), "--format", fmt, stdout=out, stderr=err)
        status = 0
    except SystemExit as exit_:
        status = int(exit_.code or 0)
    return status, out.getvalue(), err.getvalue()


def message_lines(chat: Chat) -> list[tuple[str, str, str, datetime]]:
    """The chat's transcript lines: internal notes are kept apart (SPEC §3), never lines."""
    lines = transcript_lines().filter(chat=chat).order_by("position")
    return [
        (m.sender, m.author_name, message_transcript_text(m, redacted=False), m.sent_at)
        for m in lines
    ]


def transcript_texts(chat: Chat) -> list[str]:
    """What a reader of the transcript sees of each line, attachments included."""
    return [line[2] for line in message_lines(chat)]


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def corrupt(path: Path, change: Callable[[Any], None]) -> bytes:
    data = json.loads(path.read_bytes())
    change(data)
    raw = json.dumps(data, indent=2).encode()
    path.write_bytes(raw)
    return raw


# --- Chatwoot -----------------------------------------------------------------------------------
