from typing import TYPE_CHECKING

from django.apps import AppConfig

if TYPE_CHECKING:
    from retention.hooks import ChatsDestroyed


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        # Importing the modules registers their `import_chats --format` converters.
        from chats.hooks import ChatsImported, chats_imported
        from integrations.importers import (  # noqa: F401
            chatwoot,
            intercom,
            livechat,
            twilio,
            zendesk_chat,
        )
        from integrations.webhooks.hooks import chats_closed_emit
        from retention.hooks import chats_destroyed

        def chats_closed_emit_after_import(event: ChatsImported) -> None:
            chats_closed_emit(list(event.chat_ids))

        chats_imported.connect(chats_closed_emit_after_import)
        # Interim wiring until h1's merge (CHAT_DESTRUCTION_HOOKS is gone).
        chats_destroyed.connect(_deliveries_scrub)


def _deliveries_scrub(event: "ChatsDestroyed") -> None:
    from integrations.webhooks.services import webhook_deliveries_scrub_chats

    webhook_deliveries_scrub_chats(list(event.chat_ids))
