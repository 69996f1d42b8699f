import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from audit.services import audit_event_record
from chats.filters import ChatFilter
from chats.interchange import InterchangeError, parse_timestamp
from chats.models import Chat
from chats.selectors import chats_export
from core.cli import ProgressCommand


def _timestamp(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_timestamp(value, option)
    except InterchangeError as error:
        raise CommandError(str(error)) from error


class Command(ProgressCommand):
    help = "Writes chats as interchange JSONL (SPEC §3), plus record, sentiment and keywords."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="output file ('-' for stdout)")
        parser.add_argument(
            "--redacted", action="store_true", help="redacted text only, no customer identity"
        )
        parser.add_argument("--source")
        parser.add_argument("--external-id")
        parser.add_argument("--country")
        parser.add_argument("--customer-email")
        parser.add_argument("--started-after", help="ISO 8601 with offset")
        parser.add_argument("--started-before", help="ISO 8601 with offset")

    def handle(self, *args: Any, **options: Any) -> None:
        filters = {
            "source": options["source"],
            "external_id": options["external_id"],
            "country": options["country"],
            "customer_email": options["customer_email"],
            "started_after": _timestamp(options["started_after"], "--started-after"),
            "started_before": _timestamp(options["started_before"], "--started-before"),
        }
        chat_filter = ChatFilter(
            {key: value for key, value in filters.items() if value is not None},
            queryset=Chat.objects.select_related("customer").order_by("-started_at", "-pk"),
            identity_allowed=True,  # an operator's command, not a support staff request
        )
        if not chat_filter.is_valid():
            raise CommandError(f"Check the filters: {chat_filter.errors.as_text()}")
        queryset = chat_filter.qs
        out_name: str = options["out"]
        count = 0
        total = queryset.count() if self.shows_progress else None
        stream = sys.stdout if out_name == "-" else Path(out_name).open("w", encoding="utf-8")  # noqa: SIM115
        try:
            with self.progress(total=total, unit="chats", desc="export_chats") as progress:
                for chat in chats_export(queryset=queryset, redacted=options["redacted"]):
                    stream.write(json.dumps(chat, ensure_ascii=False) + "\n")
                    count += 1
                    progress.update()
        finally:
            if stream is not sys.stdout:
                stream.close()
        audit_event_record(
            actor=None,
            action="chats.exported",
            data={
                "count": count,
                "redacted": options["redacted"],
                "out": out_name,
                "filters": {
                    key: options[key]
                    for key in (
                        "source",
                        "external_id",
                        "country",
                        "started_after",
                        "started_before",
                    )
                    if options[key]
                },
            },
        )
        self.stderr.write(f"exported {count} chats to {out_name}")
