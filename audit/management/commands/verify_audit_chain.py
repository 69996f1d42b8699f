from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.services import audit_anchors_configured, audit_anchors_read, audit_chain_verify
from core.exceptions import ApplicationError


class Command(BaseCommand):
    help = (
        "Recomputes every audit event's keyed hash (read-only) and checks that every anchored "
        "head is still in the chain; exits non-zero naming the first break."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--anchor",
            metavar="FILE",
            help="anchor file (JSON Lines of anchor_audit_chain); default: AUDIT_ANCHOR_FILE "
            "when it exists",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            anchors = (
                audit_anchors_read(path=Path(options["anchor"]))
                if options["anchor"]
                else audit_anchors_configured()
            )
        except ApplicationError as error:
            raise CommandError(error.message) from error
        ok, message = audit_chain_verify(anchors=anchors)
        if not ok:
            raise CommandError(message)
        self.stdout.write(message)
