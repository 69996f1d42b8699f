from django.apps import AppConfig


class WiringConfig(AppConfig):
    """The composition root, installed last: connects every app's receivers in one place."""

    name = "config"
    label = "wiring"
    verbose_name = "Hook wiring"

    def ready(self) -> None:
        from config.wiring import receivers_connect

        receivers_connect()
