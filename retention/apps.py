from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "retention"
    verbose_name = "Retention and disposal"

    def ready(self) -> None:
        from retention.lookups import any_of_register

        any_of_register()
