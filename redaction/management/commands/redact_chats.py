from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from redaction.detection import DETECTOR_VERSION
from redaction.services import REDACTION_CHUNK_SIZE, chats_redact


class Command(BaseCommand):
    help = (
        "Redacts every chat not yet redacted; with --rerun-outdated also re-redacts chats "
        "redacted by another detector version (originals kept, so this is always safe)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rerun-outdated", action="store_true")
        parser.add_argument("--chunk-size", type=int, default=REDACTION_CHUNK_SIZE)

    def handle(self, *args: Any, **options: Any) -> None:
        counts = chats_redact(
            now=timezone.now(),
            chunk_size=options["chunk_size"],
            rerun_outdated=options["rerun_outdated"],
        )
        self.stdout.write(
            f"redacted {counts.chats} chats, {counts.messages} messages "
            f"(detector {DETECTOR_VERSION}); entities: {dict(sorted(counts.entities.items()))}"
        )
