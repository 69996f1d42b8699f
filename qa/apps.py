from django.apps import AppConfig


class QaConfig(AppConfig):
    name = "qa"
    verbose_name = "QA spot-checks"

    def ready(self) -> None:
        # TODO(#14): delete once retention asks `record_destruction_blocks` (qa/receivers.py).
        from qa.selectors import QA_REVIEW_PENDING_BLOCK, qa_review_pending_q
        from retention.selectors import register_destruction_block

        register_destruction_block(QA_REVIEW_PENDING_BLOCK, qa_review_pending_q)
