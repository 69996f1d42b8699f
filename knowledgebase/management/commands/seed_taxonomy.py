from typing import Any

from django.core.management.base import BaseCommand

from knowledgebase.services.taxonomy import taxonomy_seed


class Command(BaseCommand):
    help = "Loads the customer-service keyword → category taxonomy (idempotent; keeps edits)."

    def handle(self, *args: Any, **options: Any) -> None:
        summary = taxonomy_seed()
        self.stdout.write(
            f"taxonomy: {summary.categories_created} categories and "
            f"{summary.terms_created} terms created"
        )
