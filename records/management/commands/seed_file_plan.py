from typing import Any

from django.core.management.base import BaseCommand

from records.file_plan import file_plan_seed


class Command(BaseCommand):
    help = "Loads the example file plan of SPEC §6 (idempotent; existing entries are kept)."

    def handle(self, *args: Any, **options: Any) -> None:
        created = file_plan_seed()
        self.stdout.write(
            "file plan seeded: " + ", ".join(f"{n} {name} created" for name, n in created.items())
        )
