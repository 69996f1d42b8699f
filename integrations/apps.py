from django.apps import AppConfig


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

        if chats_closed_emit not in POST_IMPORT_HOOKS:
            POST_IMPORT_HOOKS.append(chats_closed_emit)
