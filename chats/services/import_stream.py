"""Importing a stream of chats (JSON Lines, or units converted from another format) in batches,
one transaction each (`import_batch`), reporting rejects and warnings in input order.

A chat repeated in one file is refused at its later lines: the first copy is imported, and a
re-import of the file counts that first copy as already present.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.conf import settings

from chats.importers import ImportUnit
from chats.interchange import (
    ChatPayload,
    InterchangeError,
    chat_payload_from_dict,
    chat_payload_from_line,
)
from chats.services.import_batch import ImportBatchResult, Key, chats_import_batch
from chats.services.import_pool import chunk_outcomes
from core.db import writer_processes_allowed
from core.heap import heap_frozen


@dataclass
class ImportSummary:
    imported: int = 0
    already_present: int = 0
    rejected: int = 0
    messages: int = 0
    warnings: int = 0
    updated: int = 0  # undeclared chats completed by a later copy (SPEC §3)
    corrections: int = 0  # later copies of declared chats, kept as correction annotations
    # Distinct fields of the source documents that no interchange field takes (issue #20).
    fields_not_mapped: int = 0

    @property
    def total(self) -> int:
        return (
            self.imported + self.updated + self.already_present + self.corrections + self.rejected
        )


RejectCallback = Callable[[int, bytes, InterchangeError], None]
# (line or unit number, field, reason) of a chat imported with something worth a look.
WarningCallback = Callable[[int, str, str], None]


@dataclass
class _ChunkOutcome:
    imported: int = 0
    already_present: int = 0
    messages: int = 0
    updated: int = 0
    corrections: int = 0
    # (line number, raw line, reason, field): plain values, so they cross a process boundary
    rejects: list[tuple[int, bytes, str, str]] = field(default_factory=list)
    # (line number, field, reason)
    warnings: list[tuple[int, str, str]] = field(default_factory=list)


# (line number, raw line, why it is refused before validation: a repeat of an earlier line)
NumberedLine = tuple[int, bytes, str | None]


def _import_numbered_lines(numbered: list[NumberedLine]) -> _ChunkOutcome:
    """Validates and imports one chunk of numbered lines: one transaction. Runs in the importing
    process or in a worker process of the pool."""
    outcome = _ChunkOutcome()
    payloads: list[ChatPayload] = []
    numbers: dict[Key, int] = {}
    for number, raw, repeated in numbered:
        try:
            if repeated is not None:
                raise InterchangeError(repeated, "external_id")
            payload = chat_payload_from_line(raw.rstrip(b"\r\n"))
        except InterchangeError as error:
            outcome.rejects.append((number, raw, error.reason, error.field))
            continue
        payloads.append(payload)
        numbers.setdefault(payload.key, number)
    if payloads:
        result = _batch_import_counted(payloads, outcome)
        for key, warnings in result.warnings.items():
            outcome.warnings.extend((numbers[key], where, reason) for where, reason in warnings)
        outcome.warnings.sort()
    return outcome


def _batch_import_counted(payloads: Sequence[ChatPayload], counts: Any) -> ImportBatchResult:
    """Imports one batch and adds its imported / updated / already-present / correction /
    message counts to `counts` (an ImportSummary or a _ChunkOutcome)."""
    result = chats_import_batch(payloads=payloads)
    counts.imported += len(result.created_ids)
    counts.updated += len(result.updated_ids)
    counts.corrections += len(result.corrected_ids)
    counts.already_present += (
        len(payloads)
        - len(result.created_ids)
        - len(result.updated_ids)
        - len(result.corrected_ids)
    )
    created = {p.key: len(p.messages) for p in payloads if p.key not in result.existing}
    counts.messages += sum(created.values())
    return result


def _id_text(value: Any) -> str:
    """An identifier as the validator reads it (a string or a whole number, stripped)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    return str(value).strip()


def _line_key(raw: bytes) -> Key | None:
    """The (source, external_id) of a line, read cheaply; None when the validator will refuse
    the line anyway."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    source, external_id = _id_text(data.get("source")), _id_text(data.get("external_id"))
    return (source, external_id) if source and external_id else None


def duplicate_reason(first_line: int) -> str:
    return f"duplicate of line {first_line} (the same source and external_id in one file)"


def _numbered_chunks(lines: Iterable[bytes], size: int) -> Iterator[list[NumberedLine]]:
    """Numbered non-blank lines in chunks. A chat repeated in the file is marked at its line
    here, in the reading process, so it is refused whichever worker gets it (the first copy is
    imported; a re-import of the file still counts that first copy as already present)."""
    first_lines: dict[Key, int] = {}
    chunk: list[NumberedLine] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        key = _line_key(raw)
        repeated = None
        if key is not None:
            first = first_lines.setdefault(key, number)
            if first != number:
                repeated = duplicate_reason(first)
        chunk.append((number, raw, repeated))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def chats_import_lines(
    *,
    lines: Iterable[bytes],
    on_reject: RejectCallback,
    on_progress: Callable[[int], None] | None = None,
    batch_size: int | None = None,
    workers: int = 1,
    on_warning: WarningCallback | None = None,
) -> ImportSummary:
    """Validates JSON Lines and imports the valid chats in batches, one transaction each.

    Blank lines are skipped; every other bad line goes to `on_reject` with its 1-based number,
    in line order. With `workers` > 1 (PostgreSQL, outside a transaction) batches are validated
    and stored by a pool of processes; results are still reported in input order.
    """
    batch_size = batch_size or settings.IMPORT_BATCH_SIZE
    summary = ImportSummary()
    chunks = _numbered_chunks(lines, batch_size)
    with (
        heap_frozen(),
        chunk_outcomes(
            _import_numbered_lines, chunks, workers=writer_processes_allowed(workers)
        ) as outcomes,
    ):
        for outcome in outcomes:
            summary.imported += outcome.imported
            summary.updated += outcome.updated
            summary.corrections += outcome.corrections
            summary.already_present += outcome.already_present
            summary.messages += outcome.messages
            for number, raw, reason, where in outcome.rejects:
                summary.rejected += 1
                on_reject(number, raw, InterchangeError(reason, where))
            for number, where, reason in outcome.warnings:
                summary.warnings += 1
                if on_warning is not None:
                    on_warning(number, where, reason)
            if on_progress is not None:
                on_progress(
                    outcome.imported
                    + outcome.updated
                    + outcome.corrections
                    + outcome.already_present
                    + len(outcome.rejects)
                )
    return summary


def chats_import_units(
    *,
    units: Iterable[ImportUnit],
    on_reject: RejectCallback,
    batch_size: int | None = None,
    on_warning: WarningCallback | None = None,
    source_format: str = "native",
) -> ImportSummary:
    """Imports converted units (number, original bytes, interchange dict or error) in batches.

    Every dict is validated by the one validator; a unit that fails goes to `on_reject` whole.
    Each chat keeps its unit's original bytes as its source document (SPEC §3), in
    `source_format`.
    """
    batch_size = batch_size or settings.IMPORT_BATCH_SIZE
    summary = ImportSummary()
    pending: list[ChatPayload] = []
    numbers: dict[Key, int] = {}  # first unit of each chat in the file
    not_mapped: set[str] = set()

    def flush() -> None:
        if pending:
            result = _batch_import_counted(pending, summary)
            found = sorted(
                (numbers[key], where, reason)
                for key, warnings in result.warnings.items()
                for where, reason in warnings
            )
            for number, where, reason in found:
                summary.warnings += 1
                if on_warning is not None:
                    on_warning(number, where, reason)
            pending.clear()

    with heap_frozen():  # see core.heap
        for number, raw, chat, unmapped in units:
            not_mapped.update(unmapped)
            try:
                if isinstance(chat, InterchangeError):
                    raise chat
                payload = chat_payload_from_dict(
                    chat, source_document=raw or None, source_format=source_format
                )
                first = numbers.setdefault(payload.key, number)
                if first != number:
                    raise InterchangeError(duplicate_reason(first), "external_id")
                pending.append(payload)
            except InterchangeError as error:
                summary.rejected += 1
                on_reject(number, raw, error)
                continue
            if len(pending) >= batch_size:
                flush()
        flush()
    summary.fields_not_mapped = len(not_mapped)
    return summary
