from django.apps import AppConfig


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
        from integrations.webhooks.services import webhook_deliveries_scrub_chats
        from retention.services.destruction import CHAT_DESTRUCTION_HOOKS

        def chats_closed_emit_after_import(event: ChatsImported) -> None:
            chats_closed_emit(list(event.chat_ids))

        chats_imported.connect(chats_closed_emit_after_import)
        if webhook_deliveries_scrub_chats not in CHAT_DESTRUCTION_HOOKS:
            CHAT_DESTRUCTION_HOOKS.append(webhook_deliveries_scrub_chats)
