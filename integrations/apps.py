from typing import TYPE_CHECKING

from django.apps import AppConfig

if TYPE_CHECKING:
    from retention.hooks import ChatsDestroyed


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        # Importing the modules registers their `import_chats --format` converters.
        from chats.services import POST_IMPORT_HOOKS
        from integrations.importers import (  # noqa: F401
            chatwoot,
            intercom,
            livechat,
            twilio,
            zendesk_chat,
        )
        from integrations.webhooks.hooks import chats_closed_emit
        from retention.hooks import chats_destroyed

        if chats_closed_emit not in POST_IMPORT_HOOKS:
            POST_IMPORT_HOOKS.append(chats_closed_emit)
        # Interim wiring on branch h3 (CHAT_DESTRUCTION_HOOKS is gone); h1 owns this line.
        chats_destroyed.connect(_deliveries_scrub)


def _deliveries_scrub(event: "ChatsDestroyed") -> None:
    from integrations.webhooks.services import webhook_deliveries_scrub_chats

    webhook_deliveries_scrub_chats(list(event.chat_ids))
