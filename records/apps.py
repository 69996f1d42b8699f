from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = "Records"

    def ready(self) -> None:
        # Registers the chat extra "record" (chats' API and export_chats).
        from records import selectors  # noqa: F401
