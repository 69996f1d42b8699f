from django.apps import AppConfig


class RedactionConfig(AppConfig):
    name = "redaction"
    verbose_name = "PII redaction"

    def ready(self) -> None:
        from chats.services import POST_IMPORT_HOOKS
        from redaction.hooks import redaction_enqueue_after_import

        if redaction_enqueue_after_import not in POST_IMPORT_HOOKS:
            POST_IMPORT_HOOKS.append(redaction_enqueue_after_import)
