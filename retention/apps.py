from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "retention"
    verbose_name = "Retention and disposal"

    def ready(self) -> None:
        from core.labels import choices_register
        from retention.models import BatchState, ItemStatus

        choices_register(ItemStatus, BatchState)
