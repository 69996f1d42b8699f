from django.apps import AppConfig


class QaConfig(AppConfig):
    name = "qa"
    verbose_name = "QA spot-checks"

    def ready(self) -> None:
        from chats.services import COUNTRY_CHANGED_HOOKS
        from qa.selectors import QA_REVIEW_PENDING_BLOCK, qa_review_pending_q
        from qa.services import records_retention_recompute_for_chats
        from retention.selectors import register_destruction_block

        # R-QA-2: a record waiting for its QA review is neither disposed of nor purged.
        register_destruction_block(QA_REVIEW_PENDING_BLOCK, qa_review_pending_q)

        if records_retention_recompute_for_chats not in COUNTRY_CHANGED_HOOKS:
            COUNTRY_CHANGED_HOOKS.append(records_retention_recompute_for_chats)
