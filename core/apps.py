from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "ChatRecords core"

    def ready(self) -> None:
        from core import checks  # noqa: F401 - registers the start-up checks
        from core.services import role_permissions_sync

        # Permissions of later apps exist only after their migrations ran, hence post_migrate.
        post_migrate.connect(
            lambda **kwargs: role_permissions_sync(),
            dispatch_uid="core.role_permissions_sync",
            weak=False,  # a lambda has no other reference and would be collected
        )
