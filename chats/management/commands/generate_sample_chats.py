import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from chats.samples import sample_chats
from core.cli import ProgressCommand


class Command(ProgressCommand):
    help = "Writes reproducible synthetic chats (interchange JSONL) for the demo and benchmarks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=240)
        parser.add_argument("--out", required=True)
        parser.add_argument("--seed", type=int, default=20261123)
        parser.add_argument("--messages-per-chat", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["out"])
        path.parent.mkdir(parents=True, exist_ok=True)
        progress = self.progress(total=options["count"], unit="chats", desc="generate_sample_chats")
        with path.open("w", encoding="utf-8") as out, progress:
            for chat in sample_chats(
                options["count"],
                seed=options["seed"],
                messages_per_chat=options["messages_per_chat"],
            ):
                out.write(json.dumps(chat, ensure_ascii=False) + "\n")
                progress.update()
        self.stdout.write(f"wrote {options['count']} chats to {path}")
