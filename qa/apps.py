from typing import TYPE_CHECKING

from django.apps import AppConfig

if TYPE_CHECKING:
    from django.db.models import Q

    from retention.hooks import BlockQuery


class QaConfig(AppConfig):
    name = "qa"
    verbose_name = "QA spot-checks"

    def ready(self) -> None:
        from chats.services import COUNTRY_CHANGED_HOOKS
        from qa.services import records_retention_recompute_for_chats
        from retention.hooks import record_destruction_blocks

        # R-QA-2: a record waiting for its QA review is neither disposed of nor purged.
        # (Interim wiring on branch h3; helper h4 moves it to qa/receivers.py.)
        record_destruction_blocks.connect(_qa_review_pending_block)

        if records_retention_recompute_for_chats not in COUNTRY_CHANGED_HOOKS:
            COUNTRY_CHANGED_HOOKS.append(records_retention_recompute_for_chats)


def _qa_review_pending_block(query: "BlockQuery") -> "tuple[str, Q]":
    from qa.selectors import QA_REVIEW_PENDING_BLOCK, qa_review_pending_q

    return QA_REVIEW_PENDING_BLOCK, qa_review_pending_q()
