from django.apps import AppConfig


class QaConfig(AppConfig):
    name = "qa"
    verbose_name = "QA spot-checks"

    def ready(self) -> None:
        from chats.services import COUNTRY_CHANGED_HOOKS
        from qa.services import records_retention_recompute_for_chats

        if records_retention_recompute_for_chats not in COUNTRY_CHANGED_HOOKS:
            COUNTRY_CHANGED_HOOKS.append(records_retention_recompute_for_chats)
