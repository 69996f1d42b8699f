import sys
from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chats.interchange import ChatPayload, InterchangeError, chat_payload_from_line
from redaction.detection import DETECTOR_VERSION, ChatText, Identity, chats_detect

SCAN_BATCH_SIZE = 200


def _chat_text(payload: ChatPayload) -> ChatText:
    texts = [message.text for message in payload.messages]
    senders = [message.sender for message in payload.messages]
    if payload.survey is not None and payload.survey.comment:
        texts.append(payload.survey.comment)
        senders.append("customer")
    customer = payload.customer
    identity = (
        Identity(name=customer.name, email=customer.email, phone=customer.phone)
        if customer is not None
        else Identity()
    )
    return ChatText(
        texts=texts,
        senders=senders,
        identity=identity,
        reference_year=payload.started_at.year,
        language=payload.language,
    )


class Command(BaseCommand):
    help = (
        "Dry run of PII detection on interchange JSONL: prints the findings by type per chat "
        "(types and counts only, never the values) and stores nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="interchange JSONL ('-' = stdin)")

    def _scan(self, batch: list[ChatPayload], totals: Counter[str]) -> None:
        findings = chats_detect([_chat_text(payload) for payload in batch])
        for payload, chat_findings in zip(batch, findings, strict=True):
            counts = Counter(f.entity.value for found in chat_findings for f in found)
            totals.update(counts)
            summary = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items())) or "none"
            self.stdout.write(f"{payload.source}:{payload.external_id}: {summary}")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["file"]
        if name != "-" and not Path(name).is_file():
            raise CommandError(f"No such file: {name}")
        stream = sys.stdin.buffer if name == "-" else Path(name).open("rb")  # noqa: SIM115
        totals: Counter[str] = Counter()
        chats = rejected = 0
        batch: list[ChatPayload] = []
        try:
            for number, raw in enumerate(stream, start=1):
                if not raw.strip():
                    continue
                try:
                    batch.append(chat_payload_from_line(raw.rstrip(b"\r\n")))
                except InterchangeError as error:
                    rejected += 1
                    self.stderr.write(f"line {number}: {error.reason} ({error.field})")
                    continue
                if len(batch) >= SCAN_BATCH_SIZE:
                    self._scan(batch, totals)
                    chats += len(batch)
                    batch = []
            if batch:
                self._scan(batch, totals)
                chats += len(batch)
        finally:
            if stream is not sys.stdin.buffer:
                stream.close()
        summary = ", ".join(f"{kind} {n}" for kind, n in sorted(totals.items())) or "none"
        self.stdout.write(
            f"total: {chats} chats scanned, {rejected} lines rejected; {summary} "
            f"(detector {DETECTOR_VERSION}; nothing stored)"
        )
