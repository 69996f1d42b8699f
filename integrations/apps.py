from typing import TYPE_CHECKING

from django.apps import AppConfig

if TYPE_CHECKING:
    pass


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        # Importing the modules registers their `import_chats --format` converters.
        from integrations.importers import (  # noqa: F401
            chatwoot,
            intercom,
            livechat,
            sunshine_conversations,
            twilio,
            zendesk_chat,
        )
